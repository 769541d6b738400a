"""The dashboard page (Mesa's SolaraViz) that ``spiral dashboard`` serves; docs/dashboard.md explains it.

Views (each a Solara component that takes the model and is redrawn after every step):

* **status** — the quarter just simulated, the world and its story, the relationship regime, the
  parameters in effect and any problem with the chosen values (a visible message, never a dead page);
* **map** — the alliance network on the capitals' coordinates: fill = alignment, size = military
  capability, rings = NATO / CSTO membership, dashed line to Brussels = a step on the ladder to NATO
  membership, arrows = perceived threat (into Moscow: Russia's; out of Moscow: its neighbours');
* **charts** — tension and trust both ways; Russia's insecurity by component; military burdens;
  NATO's centrality and its membership. A second trajectory (another world or scenario, same seed and
  parameters, run to the end) is drawn dashed over them when one is chosen under "Compare with";
* **event log** — what happened, newest first; scripted events (from the scenario file) and emergent
  ones (decided by the model) are told apart.

Controls (left): scenario (``historical`` and every file in ``scenarios/counterfactuals/``), world,
seed, five parameter sliders, further ``name=value`` overrides, comparison; Reset applies them, Step
advances one quarter, ▶ plays. With ``spiral dashboard --posterior CALIB_DIR`` the world selector also
offers "WORLD (posterior)" for each world of the calibration with an accepted draw: that world with the
parameters its posterior gives the chosen seed (:func:`sim.runs.calibrate.posterior.posterior_parameters`,
the same draw ``spiral run --posterior`` gives that seed), sliders and overrides on top.
"""

from __future__ import annotations

import difflib
import html
import math
import os

import mesa.visualization.solara_viz as _solara_viz
import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.faces.dashboard.choices import InputProblem, scenario_catalogue, scenario_path
from sim.faces.dashboard.drawing import ChartPainter, MapPainter
from sim.faces.dashboard.server import POSTERIOR_ENV, SCENARIO_ENV
from sim.errors import SpiralError
from sim.model import DEFAULT_SCENARIO, SpiralModel
from sim.params import PARAMETERS, resolve
from sim.scenario import ScenarioError, load_scenario
from sim.worlds import STORIES, WORLDS

DEFAULT_WORLD = "revisionist_spiral"
SLIDERS = ("misperception", "distinguishability", "empathy", "greed", "status_weight")
NO_COMPARISON = "none"
POSTERIOR = " (posterior)"  # a world choice "deterrence (posterior)": deterrence with posterior parameters


def posterior_folder() -> str:
    """The calibration folder given with ``spiral dashboard --posterior`` ('' if none)."""
    return os.environ.get(POSTERIOR_ENV, "").strip()


def posterior_worlds() -> list[str]:
    """The worlds of that calibration with an accepted draw (none if no folder, or not a calibration)."""
    from sim.runs.calibrate.posterior import calibrated_worlds, posterior_weights

    folder = posterior_folder()
    if not folder:
        return []
    out = []
    try:
        for w in calibrated_worlds(folder):
            try:
                posterior_weights(folder, w)
                out.append(w)
            except SpiralError:
                pass
    except SpiralError:
        return []
    return [w for w in WORLDS if w in out]


def world_choices() -> list[str]:
    return [*WORLDS, *(f"{w}{POSTERIOR}" for w in posterior_worlds())]


def split_world(choice: str) -> tuple[str, bool]:
    """'deterrence (posterior)' -> ('deterrence', True); 'deterrence' -> ('deterrence', False)."""
    choice = str(choice)
    return (choice[: -len(POSTERIOR)], True) if choice.endswith(POSTERIOR) else (choice, False)


def posterior_draw(world: str, seed: int) -> tuple[dict, int]:
    """(the parameters, the draw number) that the posterior of ``world`` gives ``seed``; a SpiralError if the
    folder or the world cannot give one."""
    from sim.runs.calibrate.posterior import PosteriorError, posterior_draws, posterior_parameters

    folder = posterior_folder()
    if not folder:
        raise PosteriorError("no calibration folder (start the dashboard with --posterior CALIB_DIR)")
    return posterior_parameters(folder, world, [seed])[0], posterior_draws(folder, world, [seed])[0]


def scenario_choices() -> list[str]:
    """Names for the scenario selector; a file given on the command line is added as given."""
    names = list(scenario_catalogue())
    requested = os.environ.get(SCENARIO_ENV, "").strip()
    if requested and requested not in names:
        try:
            scenario_path(requested)
            names.append(requested)
        except InputProblem:
            pass
    return names


def comparison_choices() -> list[str]:
    return [NO_COMPARISON, *(f"world: {w}" for w in world_choices()), *(f"scenario: {s}" for s in scenario_choices())]


def parse_seed(text) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise InputProblem(f"seed {text!r} is not a whole number") from None
    if not 0 <= value < 2**32:
        raise InputProblem(f"seed {value} is outside 0 .. {2**32 - 1}")
    return value


def parse_overrides(text: str) -> tuple[dict[str, float], list[str]]:
    """``"kappa=0.5, greed=0.7"`` -> ({name: value}, [problems]); ranges are checked later by ``resolve``."""
    out: dict[str, float] = {}
    problems: list[str] = []
    for item in str(text or "").replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            problems.append(f"parameter override {item!r} is not NAME=VALUE — ignored")
            continue
        name, value = (part.strip() for part in item.split("=", 1))
        if name not in PARAMETERS:
            close = difflib.get_close_matches(name, list(PARAMETERS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown parameter {name!r}{hint} — ignored")
            continue
        try:
            out[name] = float(value)
        except ValueError:
            problems.append(f"parameter {name!r}: {value!r} is not a number — ignored")
    return out, problems


def _one_line(exc: Exception) -> str:
    """The error's message on one line (without a file name when there is no file)."""
    if isinstance(exc, ScenarioError) and exc.file is None:
        return " ".join(str(exc.message).split())
    return " ".join(str(exc).split())


# ----------------------------------------------------------------------------------- the model


class DashboardModel(SpiralModel):
    """:class:`SpiralModel` built from the dashboard's controls.

    A value that cannot be used does not raise: it is reported in ``problems`` (shown on the page)
    and replaced by the default, so the page keeps working. A slider left at the global default
    leaves the scenario's own value of that parameter in effect.

    (The scenario argument is called ``scenario_name`` because SolaraViz's Reset would replace an
    argument called ``scenario`` by a Mesa scenario object.)
    """

    def __init__(self, scenario_name: str = "historical", world: str = DEFAULT_WORLD, seed="0",
                 misperception: float = PARAMETERS["misperception"].default,
                 distinguishability: float = PARAMETERS["distinguishability"].default,
                 empathy: float = PARAMETERS["empathy"].default,
                 greed: float = PARAMETERS["greed"].default,
                 status_weight: float = PARAMETERS["status_weight"].default,
                 other_parameters: str = "", compare: str = NO_COMPARISON):
        problems: list[str] = []
        try:
            scenario = load_scenario(scenario_path(scenario_name))
        except (InputProblem, ScenarioError) as exc:
            problems.append(f"{_one_line(exc)} — showing 'historical' instead")
            scenario_name, scenario = "historical", load_scenario(DEFAULT_SCENARIO)
        world, calibrated = split_world(world)
        if world not in WORLDS:
            close = difflib.get_close_matches(str(world), WORLDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown world {world!r}{hint} — showing {DEFAULT_WORLD!r} instead")
            world, calibrated = DEFAULT_WORLD, False
        try:
            seed_value = parse_seed(seed)
        except InputProblem as exc:
            problems.append(f"{exc} — using seed 0")
            seed_value = 0
        drawn, self.posterior_label = {}, None
        if calibrated:  # the world with its posterior's parameters for this seed (sliders and overrides on top)
            try:
                drawn, draw = posterior_draw(world, seed_value)
                self.posterior_label = (f"parameters: draw {draw} of {world}'s posterior in {posterior_folder()} "
                                        f"({len(drawn)} calibrated parameters; sliders and overrides on top)")
            except SpiralError as exc:
                problems.append(f"{_one_line(exc)} — running {world} at its default parameters")
        requested = {name: value for name, value in zip(
            SLIDERS, (misperception, distinguishability, empathy, greed, status_weight), strict=True)
            if value is not None and not math.isclose(float(value), PARAMETERS[name].default)}
        overrides, override_problems = parse_overrides(other_parameters)
        requested.update(overrides)
        problems.extend(override_problems)
        try:
            resolve(scenario.parameters, None)
        except (ScenarioError, ValueError) as exc:
            problems.append(f"{_one_line(exc)} — showing 'historical' instead")
            scenario_name, scenario = "historical", load_scenario(DEFAULT_SCENARIO)
        parameters = {}
        for name, value in requested.items():
            try:
                resolve(scenario.parameters, {name: value})
                parameters[name] = value
            except (ScenarioError, ValueError) as exc:
                problems.append(f"{_one_line(exc)} — using the default")
        if drawn:  # the overrides on top of the draw must still make a valid set (e.g. ladder tables rising)
            try:
                resolve(scenario.parameters, {**drawn, **parameters})
            except (ScenarioError, ValueError) as exc:
                problems.append(f"{_one_line(exc)} — overrides not applied to the posterior draw")
                parameters = {}
        super().__init__(scenario=scenario, world=world, seed=seed_value, parameters={**drawn, **parameters})
        self.pictures: dict = {}  # the map's and charts' painters (drawing.py), kept until Reset
        self._series_cache = None
        self.problems = problems
        self.scenario_label = scenario_name
        self.overrides = parameters
        self.comparison_label, self.comparison = self._compare(compare, scenario, world, seed_value,
                                                               {**drawn, **parameters}, parameters)

    def _compare(self, choice: str, scenario, world, seed, parameters, overrides=None):
        """Run the comparison to the end; returns (label, DataFrame of model reporters) or (None, None).
        ``parameters``: this run's (its posterior draw, if any, and the overrides); a "WORLD (posterior)"
        comparison takes that world's own draw for the seed with the ``overrides`` on top."""
        choice = str(choice or NO_COMPARISON)
        if choice == NO_COMPARISON:
            return None, None
        kind, _, name = choice.partition(": ")
        name, calibrated = split_world(name) if kind == "world" else (name, False)
        try:
            if kind == "world" and name in WORLDS:
                own = {**posterior_draw(name, seed)[0], **(overrides or {})} if calibrated else parameters
                other = SpiralModel(scenario=scenario, world=name, seed=seed, parameters=own, network=False)
            elif kind == "scenario":
                other_scenario = load_scenario(scenario_path(name))
                other = SpiralModel(scenario=other_scenario, world=world, seed=seed, parameters=parameters,
                                    network=False)
            else:
                raise InputProblem(f"unknown comparison {choice!r}")
            other.run()
        except (InputProblem, ScenarioError, ValueError, SpiralError) as exc:
            self.problems.append(f"comparison not drawn: {_one_line(exc)}")
            return None, None
        frame = other.datacollector.get_model_vars_dataframe()
        frame.index = [(other.spiral_scenario.start + k) / 4.0 for k in range(len(frame))]
        return choice.replace(": ", " = ", 1), frame

    def series(self):
        """The model reporters collected so far, indexed by decimal year (kept until the next step)."""
        if self._series_cache is None or self._series_cache[0] != self.steps:
            frame = self.datacollector.get_model_vars_dataframe()
            frame.index = [(self.spiral_scenario.start + k) / 4.0 for k in range(len(frame))]
            self._series_cache = (self.steps, frame)
        return self._series_cache[1]


def initial_arguments() -> dict:
    return {"scenario_name": os.environ.get(SCENARIO_ENV, "").strip() or "historical"}


def slider_step(info) -> float:
    """The finest of 0.01, 0.02, 0.05, 0.1 with at most 200 positions that has the default on the slider's
    grid (the browser snaps the value to the grid, which would otherwise quietly override the default)."""
    for step in (0.01, 0.02, 0.05, 0.1):
        on_grid = all(abs(round(x / step) - x / step) < 1e-9 for x in (info.low, info.default, info.high))
        if on_grid and (info.high - info.low) / step <= 200:
            return step
    return 0.01


def model_params() -> dict:
    requested = initial_arguments()["scenario_name"]
    choices = scenario_choices()
    params = {
        "scenario_name": {"type": "Select", "value": requested if requested in choices else "historical",
                          "values": choices, "label": "Scenario"},
        "world": {"type": "Select", "value": DEFAULT_WORLD, "values": world_choices(), "label": "World"},
        "seed": {"type": "InputText", "value": "0", "label": "Seed"},
    }
    for name in SLIDERS:
        info = PARAMETERS[name]
        params[name] = {"type": "SliderFloat", "value": info.default, "min": info.low, "max": info.high,
                        "step": slider_step(info), "label": name.replace("_", " ")}
    params["other_parameters"] = {"type": "InputText", "value": "",
                                  "label": "Other parameters (name=value, ...)"}
    params["compare"] = {"type": "Select", "value": NO_COMPARISON, "values": comparison_choices(),
                         "label": "Compare with"}
    return params


# ----------------------------------------------------------------------------------- drawing

CSS = """
.spiral-figure img { max-width: 100%; height: auto; }
.vue-grid-item { overflow: auto; }
.spiral-date { font-size: 1.6em; font-weight: 600; }
.spiral-log table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 0.85em; }
.spiral-log td { overflow-wrap: anywhere; }
.spiral-log td, .spiral-log th { padding: 2px 6px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
.spiral-scripted, .spiral-emergent { white-space: nowrap; border-radius: 4px; padding: 0 4px; }
.spiral-scripted { background: #e8eef7; color: #0b3d91; }
.spiral-emergent { background: #fde8d7; color: #a63603; font-weight: 600; }
"""

CHARTS = {
    "tension": dict(title="Tension and trust", ylabel="0 … 1", columns={
        "tension": "tension", "trust_russia_in_nato": "Russia's trust in NATO",
        "trust_nato_in_russia": "NATO's trust in Russia"}),
    "insecurity": dict(title="Russia's insecurity by component", ylabel="insecurity", columns={
        "russia_insecurity_military": "military", "russia_insecurity_status": "status",
        "russia_insecurity_sphere": "sphere", "russia_insecurity_regime": "regime", "russia_insecurity": "total"},
        stacked=("russia_insecurity_military", "russia_insecurity_status", "russia_insecurity_sphere",
                 "russia_insecurity_regime")),
    "burden": dict(title="Military burden (% of GDP)", ylabel="% of GDP", scale=100.0, size=(5.3, 2.6), columns={
        "russia_burden": "Russia", "us_burden": "USA", "nato_europe_burden": "NATO Europe"}),
    "order": dict(title="NATO's centrality and membership", ylabel="0 … 1", size=(5.3, 2.6), columns={
        "centrality": "centrality of NATO in the order", "russia_voice": "Russia's voice"},
        twin={"nato_members": "NATO members"}),
}


def _painter(model, name: str):
    """The model's painter of picture ``name`` (made on first use, kept with the model until Reset)."""
    pictures = model.pictures
    if name not in pictures:
        if name == "map":
            pictures[name] = MapPainter()
        else:
            scenario = model.spiral_scenario
            pictures[name] = ChartPainter(**CHARTS[name], start=scenario.start / 4.0, end=(scenario.end + 1) / 4.0,
                                          comparison=model.comparison, comparison_label=model.comparison_label)
    return pictures[name]


def render_map(model) -> bytes:
    """PNG of the map for the model's current quarter."""
    return _painter(model, "map").render(model)


def render_chart(model, name: str) -> bytes:
    """PNG of chart ``name`` (a key of ``CHARTS``) for the quarters simulated so far."""
    start = model.spiral_scenario.start
    force = [(start + ev["step"]) / 4.0 for ev in model.event_log
             if ev["kind"] == "use_of_force" and not ev["scripted"]]
    return _painter(model, name).render(model.series(), force)


def _figure(render, css_class: str, model) -> None:
    """Show ``render()`` (PNG bytes), computed again only when the model or its step changed."""
    png = solara.use_memo(render, [id(model), model.steps])
    with solara.Column(classes=["spiral-figure", css_class], style={"padding": "4px"}):
        rw.Image(value=png, format="png")


# ----------------------------------------------------------------------------------- components


@solara.component
def StatusPanel(model):
    update_counter.get()
    solara.Style(CSS)
    frame = model.series()
    regime = frame["regime"].iloc[-1] if len(frame) else "—"
    with solara.Column(style={"padding": "6px 12px"}):
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
            solara.Text(model.date_label, classes=["spiral-date"])
            solara.Text(f"quarter {model.steps} of {model.n_steps} simulated"
                        + ("" if model.running else " — the run is complete"), classes=["spiral-steps"])
            solara.Text(f"relationship: {regime}", classes=["spiral-regime"])
        for problem in model.problems:
            solara.Error(problem, classes=["spiral-error"], dense=True)
        solara.Text(f"scenario {model.scenario_label} · world {model.world_name} "
                    f"({STORIES.get(model.world_name, '')}) · seed {model.seed}", classes=["spiral-world"])
        solara.Text("in effect: " + ", ".join(f"{n} {model.p[n]:g}" for n in SLIDERS)
                    + ("" if not model.overrides else " · overridden: "
                       + ", ".join(f"{k}={v:g}" for k, v in model.overrides.items())), classes=["spiral-params"])
        if model.posterior_label:
            solara.Text(model.posterior_label, classes=["spiral-posterior"])
        if model.comparison_label:
            solara.Text(f"dashed lines on the charts: {model.comparison_label} (same seed and parameters, "
                        "run to the end)", classes=["spiral-comparison"])


@solara.component
def MapView(model):
    update_counter.get()
    _figure(lambda: render_map(model), "spiral-map", model)
    now = [e for e in model.event_log if e["step"] == model.quarter] if model.steps else []
    items = [f'<span class="spiral-{"scripted" if e["scripted"] else "emergent"}">{html.escape(e["kind"])}</span> '
             f'{html.escape(e["actor"])}{" → " + html.escape(e["target"]) if e["target"] else ""}' for e in now]
    more = f" and {len(items) - 8} more (see the event log)" if len(items) > 8 else ""
    solara.HTML(tag="div", classes=["spiral-now"], style="padding: 0 8px; font-size: 0.85em",
                unsafe_innerHTML=f"<b>{html.escape(model.date_label)}:</b> "
                + ("; ".join(items[:8]) + more if items else "no events this quarter"))


@solara.component
def TensionChart(model):
    update_counter.get()
    _figure(lambda: render_chart(model, "tension"), "spiral-chart", model)


@solara.component
def InsecurityChart(model):
    update_counter.get()
    _figure(lambda: render_chart(model, "insecurity"), "spiral-chart", model)


@solara.component
def BurdenChart(model):
    update_counter.get()
    _figure(lambda: render_chart(model, "burden"), "spiral-chart", model)


@solara.component
def OrderChart(model):
    update_counter.get()
    _figure(lambda: render_chart(model, "order"), "spiral-chart", model)


def _event_rows(model, emergent_only: bool, limit: int = 300) -> str:
    rows = []
    for ev in reversed(model.event_log):
        if emergent_only and ev["scripted"]:
            continue
        tag = '<span class="spiral-scripted">scripted</span>' if ev["scripted"] else '<span class="spiral-emergent">emergent</span>'
        rows.append(f"<tr><td>{html.escape(ev['date'])}</td><td>{tag}</td><td>{html.escape(ev['kind'])}</td>"
                    f"<td>{html.escape(ev['actor'])}</td><td>{html.escape(ev['target'])}</td>"
                    f"<td>{html.escape(ev['cause'])}</td></tr>")
        if len(rows) >= limit:
            break
    cols = "".join(f'<col style="width:{w}">' for w in ("64px", "84px", "180px", "56px", "130px", "auto"))
    head = "<tr><th>date</th><th>origin</th><th>kind</th><th>actor</th><th>target</th><th>why (the model's reason)</th></tr>"
    return f"<table><colgroup>{cols}</colgroup>{head}{''.join(rows)}</table>"


@solara.component
def EventLog(model):
    update_counter.get()
    emergent_only, set_emergent_only = solara.use_state(False)
    scripted = sum(1 for e in model.event_log if e["scripted"])
    emergent = len(model.event_log) - scripted
    with solara.Column(classes=["spiral-log"], style={"padding": "6px 12px"}):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"Event log, newest first: {scripted} scripted (from the scenario file), "
                        f"{emergent} emergent (decided in the run)")
            solara.Checkbox(label="emergent only", value=emergent_only, on_value=set_emergent_only)
        solara.HTML(tag="div", unsafe_innerHTML=_event_rows(model, emergent_only), classes=["spiral-log-table"])


COMPONENTS = [StatusPanel, MapView, TensionChart, InsecurityChart, BurdenChart, OrderChart, EventLog]
# grid of 12 columns, rows of 30 px (+10 px margin): status across the top, the map beside two charts,
# two charts below, the event log at the bottom. Items can still be dragged and resized.
LAYOUT = [
    {"i": 0, "x": 0, "y": 0, "w": 12, "h": 5},
    {"i": 1, "x": 0, "y": 5, "w": 7, "h": 12},
    {"i": 2, "x": 7, "y": 5, "w": 5, "h": 6},
    {"i": 3, "x": 7, "y": 11, "w": 5, "h": 6},
    {"i": 4, "x": 0, "y": 17, "w": 6, "h": 7},
    {"i": 5, "x": 6, "y": 17, "w": 6, "h": 7},
    {"i": 6, "x": 0, "y": 24, "w": 12, "h": 12},
]
_default_layout = getattr(_solara_viz, "make_initial_grid_layout", None)


def _grid_layout(num_components: int):
    if num_components == len(LAYOUT):
        return [dict(item, moved=False) for item in LAYOUT]
    return _default_layout(num_components)


if _default_layout is not None:  # Mesa 3.5 builds the grid with this module-level function
    _solara_viz.make_initial_grid_layout = _grid_layout

PAGE_TITLE = "NATO–Russia security spiral"
TAB_NAME = "Replay"


@solara.component
def NamedComponentsView(components, model):
    """SolaraViz's grid of components on one tab named ``TAB_NAME`` (Mesa's own view calls it "Page 0")."""
    initial = solara.use_memo(lambda: _grid_layout(len(components)), [len(components)])
    layout, set_layout = solara.use_state(initial)
    items = [c[0] if isinstance(c, tuple) else c for c in components]
    with solara.v.Tabs(v_model=0):
        solara.v.Tab(children=[TAB_NAME])
    solara.GridDraggable(items=[c(model) for c in items], grid_layout=layout, resizable=True, draggable=True,
                         on_grid_layout=set_layout)


if hasattr(_solara_viz, "ComponentsView"):  # SolaraViz looks the view up in its module when it renders
    _solara_viz.ComponentsView = NamedComponentsView


@solara.component
def Page():
    # one model per browser session (a module-level model would be shared by every tab)
    model = solara.use_memo(lambda: DashboardModel(**initial_arguments()), [])
    solara.Title(PAGE_TITLE)
    SolaraViz(model, components=COMPONENTS, model_params=model_params(), play_interval=150,
              name=PAGE_TITLE)


__all__ = ["DashboardModel", "Page", "scenario_catalogue", "scenario_path"]
