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
advances one quarter, ▶ plays.
"""

from __future__ import annotations

import difflib
import html
import math
import os

import mesa.visualization.solara_viz as _solara_viz
import numpy as np
import solara
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.faces.dashboard.choices import InputProblem, scenario_catalogue, scenario_path
from sim.faces.dashboard.server import SCENARIO_ENV
from sim.mechanisms.security import MEMBER
from sim.model import DEFAULT_SCENARIO, SpiralModel
from sim.params import PARAMETERS, resolve
from sim.scenario import ScenarioError, load_scenario
from sim.worlds import STORIES, WORLDS

DEFAULT_WORLD = "revisionist_spiral"
SLIDERS = ("misperception", "distinguishability", "empathy", "greed", "status_weight")
NO_COMPARISON = "none"


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
    return [NO_COMPARISON, *(f"world: {w}" for w in WORLDS), *(f"scenario: {s}" for s in scenario_choices())]


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
        if world not in WORLDS:
            close = difflib.get_close_matches(str(world), WORLDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown world {world!r}{hint} — showing {DEFAULT_WORLD!r} instead")
            world = DEFAULT_WORLD
        try:
            seed_value = parse_seed(seed)
        except InputProblem as exc:
            problems.append(f"{exc} — using seed 0")
            seed_value = 0
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
        super().__init__(scenario=scenario, world=world, seed=seed_value, parameters=parameters)
        self.problems = problems
        self.scenario_label = scenario_name
        self.overrides = parameters
        self.comparison_label, self.comparison = self._compare(compare, scenario, world, seed_value, parameters)

    def _compare(self, choice: str, scenario, world, seed, parameters):
        """Run the comparison to the end; returns (label, DataFrame of model reporters) or (None, None)."""
        choice = str(choice or NO_COMPARISON)
        if choice == NO_COMPARISON:
            return None, None
        kind, _, name = choice.partition(": ")
        try:
            if kind == "world" and name in WORLDS:
                other = SpiralModel(scenario=scenario, world=name, seed=seed, parameters=parameters, network=False)
            elif kind == "scenario":
                other_scenario = load_scenario(scenario_path(name))
                other = SpiralModel(scenario=other_scenario, world=world, seed=seed, parameters=parameters,
                                    network=False)
            else:
                raise InputProblem(f"unknown comparison {choice!r}")
            other.run()
        except (InputProblem, ScenarioError, ValueError) as exc:
            self.problems.append(f"comparison not drawn: {_one_line(exc)}")
            return None, None
        frame = other.datacollector.get_model_vars_dataframe()
        frame.index = [(other.spiral_scenario.start + k) / 4.0 for k in range(len(frame))]
        return choice.replace(": ", " = ", 1), frame

    def series(self):
        """The model reporters collected so far, indexed by decimal year."""
        frame = self.datacollector.get_model_vars_dataframe()
        frame.index = [(self.spiral_scenario.start + k) / 4.0 for k in range(len(frame))]
        return frame


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
        "world": {"type": "Select", "value": DEFAULT_WORLD, "values": list(WORLDS), "label": "World"},
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

ALIGNMENT_CMAP = "RdBu"           # -1 red (with Russia) .. +1 blue (with the West)
NATO_BLUE, CSTO_RED, THREAT_RED, FEAR_ORANGE = "#0b3d91", "#a50f15", "#b2182b", "#f28e2b"
ATLANTIC_LON = -26.0              # where North American capitals are drawn (the map is of Europe)
HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]
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


def _map_xy(position) -> tuple[float, float]:
    lon, lat = position
    if lon < -30:  # across the Atlantic: drawn at the map's western edge, latitude kept
        return ATLANTIC_LON, lat
    return lon, lat


def draw_map(model) -> Figure:
    """The alliance network on the capitals' coordinates (see the module docstring for the encoding)."""
    fig = Figure(figsize=(6.3, 3.75), dpi=100)
    ax = fig.add_axes((0.005, 0.15, 0.87, 0.79))
    ax.set_anchor("N")
    cax = fig.add_axes((0.885, 0.27, 0.015, 0.6))
    agents = list(model.state_agents)
    xy = {a.iso3: _map_xy(a.position) for a in agents}
    alive = [a for a in agents if a.exists]
    exists = model.world.exists
    names = {n: d["name"] for n, d in model.graph.nodes(data=True)}
    # borders: the network's border layer
    borders = [(xy[names[u]], xy[names[v]]) for u, v, d in model.graph.edges(data=True)
               if d.get("layer") == "border" and names[u] in xy and names[v] in xy and exists[u] and exists[v]]
    ax.add_collection(LineCollection(borders, colors="#c8c8c8", linewidths=0.7, zorder=1))
    # steps on the ladder to NATO membership: a dashed line to Brussels, heavier the higher the step
    hub = xy.get("BEL", (4.35, 50.85))
    ladder = [a for a in alive if 0 < a.aspirant_level < MEMBER]
    if ladder:
        ax.add_collection(LineCollection([(xy[a.iso3], hub) for a in ladder], colors=NATO_BLUE,
                                         linewidths=[0.5 + 0.3 * a.aspirant_level for a in ladder],
                                         linestyles=(0, (2, 2)), alpha=0.5, zorder=2))
    # perceived threat: straight arrows, width by weight
    weights = model.threat_edges()
    top = max((w for _, _, w in weights), default=1.0) or 1.0
    for src, dst, w in weights:
        if src not in xy or dst not in xy:
            continue
        into_russia = dst == "RUS"
        (x0, y0), (x1, y1) = xy[src], xy[dst]
        width = 0.6 + 2.4 * min(w, 1.0) if into_russia else 0.3 + 1.8 * w / top
        ax.annotate("", xy=(x0 + 0.93 * (x1 - x0), y0 + 0.93 * (y1 - y0)), xytext=(x0, y0),
                    zorder=3 if into_russia else 2,
                    arrowprops={"arrowstyle": "-|>", "color": THREAT_RED if into_russia else FEAR_ORANGE,
                                "lw": width, "alpha": 0.85 if into_russia else 0.45, "shrinkA": 0, "shrinkB": 0})
    # states: fill = alignment, size = capability, rings = NATO / CSTO
    cap = np.array([a.capability for a in alive])
    size = 14 + 420 * np.sqrt(cap / max(cap.max(), 1e-9))
    pts = np.array([xy[a.iso3] for a in alive])
    sc = ax.scatter(pts[:, 0], pts[:, 1], s=size, c=[a.alignment for a in alive], cmap=ALIGNMENT_CMAP,
                    vmin=-1, vmax=1, edgecolors="#555555", linewidths=0.5, zorder=4)
    for flag, color in (("is_nato", NATO_BLUE), ("is_csto", CSTO_RED)):
        chosen = np.array([getattr(a, flag) for a in alive])
        if chosen.any():
            ax.scatter(pts[chosen, 0], pts[chosen, 1], s=size[chosen] * 1.35 + 40, facecolors="none",
                       edgecolors=color, linewidths=1.8, zorder=5)
    for a, (x, y) in zip(alive, pts, strict=True):
        ax.text(x + 0.7, y + 0.6, a.iso3, fontsize=6, color="#222222", zorder=6, path_effects=HALO)
    # this quarter's emergent coercion and force
    for ev in model.event_log:
        if model.steps and ev["step"] == model.quarter and ev["kind"] in ("coercion", "use_of_force") \
                and ev["target"] in xy:
            x, y = xy[ev["target"]]
            force = ev["kind"] == "use_of_force"
            ax.scatter([x], [y], marker="X" if force else "^", s=150, color=THREAT_RED if force else FEAR_ORANGE,
                       edgecolors="black", linewidths=0.6, zorder=7)
    ax.axvline(ATLANTIC_LON + 4, color="#dddddd", lw=0.8, ls=":")
    ax.text(ATLANTIC_LON, 50.5, "North\nAmerica", ha="center", fontsize=6, color="#777777")
    ax.set_xlim(-29.5, 80)
    ax.set_ylim(32, 69)
    ax.set_aspect(1 / math.cos(math.radians(50)), adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{model.date_label}: alliance network, alignment and perceived threat", fontsize=9)
    cbar = fig.colorbar(sc, cax=cax)
    cbar.set_label("alignment (−1 Russia … +1 West)", fontsize=6, labelpad=2)
    cbar.ax.tick_params(labelsize=6)
    legend = [
        Line2D([], [], marker="o", ls="", mfc="#bbbbbb", mec="#555555", ms=8, label="state (area ∝ military capability)"),
        Line2D([], [], marker="o", ls="", mfc="none", mec=NATO_BLUE, mew=2, ms=8, label="NATO member"),
        Line2D([], [], marker="o", ls="", mfc="none", mec=CSTO_RED, mew=2, ms=8, label="CSTO member"),
        Line2D([], [], color=NATO_BLUE, ls=(0, (2, 2)), label="on the ladder to NATO (partner … invited)"),
        Line2D([], [], color="#c8c8c8", label="border"),
        Line2D([], [], color=THREAT_RED, lw=2, label="threat Russia perceives (→ Moscow)"),
        Line2D([], [], color=FEAR_ORANGE, lw=2, label="threat others perceive from Russia"),
        Line2D([], [], marker="X", ls="", color=THREAT_RED, ms=7, label="use of force this quarter"),
        Line2D([], [], marker="^", ls="", color=FEAR_ORANGE, ms=7, label="coercion this quarter"),
    ]
    ax.legend(handles=legend, loc="upper center", ncol=3, fontsize=6, frameon=False, bbox_to_anchor=(0.5, -0.005))
    return fig


def _chart(model, title: str, columns: dict[str, str], ylabel: str, *, scale: float = 1.0, stacked=(),
           twin: dict[str, str] | None = None, size=(4.5, 2.3)) -> Figure:
    """A time chart of model reporters (solid) with the comparison run (dashed), over the whole period."""
    fig = Figure(figsize=size, dpi=100)
    ax = fig.add_axes((0.1, 0.13, 0.8 if twin else 0.87, 0.77))
    frame = model.series()
    start, end = model.spiral_scenario.start / 4.0, (model.spiral_scenario.end + 1) / 4.0
    colors = {}
    if stacked and len(frame):
        polys = ax.stackplot(frame.index, *[frame[c] * scale for c in stacked],
                             labels=[columns[c] for c in stacked], alpha=0.55)
        colors.update({c: p.get_facecolor()[0] for c, p in zip(stacked, polys, strict=True)})
    for col, label in columns.items():
        if col in stacked:
            continue
        (line,) = ax.plot(frame.index, frame[col] * scale, lw=1.8, label=label)
        colors[col] = line.get_color()
    for col in columns:  # the current value, visible even after a single step
        if len(frame):
            ax.plot(frame.index[-1:], frame[col].iloc[-1:] * scale, "o", ms=3.5, color=colors.get(col, "grey"))
    cmp = model.comparison
    if cmp is not None:
        for col in columns:
            ax.plot(cmp.index, cmp[col] * scale, ls="--", lw=1.1, color=colors.get(col, "grey"), alpha=0.9)
        ax.plot([], [], ls="--", color="grey", label=f"dashed: {model.comparison_label}")
    if twin:
        ax2 = ax.twinx()
        for col, label in twin.items():
            ax2.step(frame.index, frame[col], where="post", color="#555555", lw=1.4, label=label)
            if cmp is not None:
                ax2.step(cmp.index, cmp[col], where="post", color="#555555", lw=1.0, ls="--")
        ax2.set_ylabel(", ".join(twin.values()), fontsize=7)
        ax2.tick_params(labelsize=7)
        lines, labels = ax2.get_legend_handles_labels()
    else:
        lines, labels = [], []
    for ev in model.event_log:
        if ev["kind"] == "use_of_force" and not ev["scripted"]:
            ax.axvline((model.spiral_scenario.start + ev["step"]) / 4.0, color=THREAT_RED, lw=0.8, ls=":")
    if not len(frame):
        if cmp is None:
            ax.set_yticks([])
        ax.text(0.5, 0.5, "no quarter simulated yet: press Step or ▶", transform=ax.transAxes, ha="center",
                fontsize=7, color="#777777")
    ax.set_xlim(start, end)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=7)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    h, lab = ax.get_legend_handles_labels()
    ax.legend(h + lines, lab + labels, fontsize=5.5, loc="best", framealpha=0.7)
    return fig


def _figure(draw, css_class: str, model) -> None:
    """Draw ``draw()`` (a matplotlib Figure) as a PNG, again only when the model or its step changed."""
    key = [id(model), model.steps]
    fig = solara.use_memo(draw, key)
    with solara.Column(classes=["spiral-figure", css_class], style={"padding": "4px"}):
        solara.FigureMatplotlib(fig, format="png", dependencies=key, pil_kwargs={"compress_level": 1})


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
        if model.comparison_label:
            solara.Text(f"dashed lines on the charts: {model.comparison_label} (same seed and parameters, "
                        "run to the end)", classes=["spiral-comparison"])


@solara.component
def MapView(model):
    update_counter.get()
    _figure(lambda: draw_map(model), "spiral-map", model)
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
    _figure(lambda: _chart(model, "Tension and trust", {
        "tension": "tension", "trust_russia_in_nato": "Russia's trust in NATO",
        "trust_nato_in_russia": "NATO's trust in Russia"}, "0 … 1"), "spiral-chart", model)


@solara.component
def InsecurityChart(model):
    update_counter.get()
    parts = ("russia_insecurity_military", "russia_insecurity_status", "russia_insecurity_sphere",
             "russia_insecurity_regime")
    _figure(lambda: _chart(model, "Russia's insecurity by component", {
        "russia_insecurity_military": "military", "russia_insecurity_status": "status",
        "russia_insecurity_sphere": "sphere", "russia_insecurity_regime": "regime",
        "russia_insecurity": "total"}, "insecurity", stacked=parts), "spiral-chart", model)


@solara.component
def BurdenChart(model):
    update_counter.get()
    _figure(lambda: _chart(model, "Military burden (% of GDP)", {
        "russia_burden": "Russia", "us_burden": "USA", "nato_europe_burden": "NATO Europe"},
        "% of GDP", scale=100.0, size=(5.3, 2.6)), "spiral-chart", model)


@solara.component
def OrderChart(model):
    update_counter.get()
    _figure(lambda: _chart(model, "NATO's centrality and membership", {
        "centrality": "centrality of NATO in the order", "russia_voice": "Russia's voice"},
        "0 … 1", twin={"nato_members": "NATO members"}, size=(5.3, 2.6)), "spiral-chart", model)


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


@solara.component
def Page():
    # one model per browser session (a module-level model would be shared by every tab)
    model = solara.use_memo(lambda: DashboardModel(**initial_arguments()), [])
    SolaraViz(model, components=COMPONENTS, model_params=model_params(), play_interval=150,
              name="NATO–Russia security spiral")


__all__ = ["DashboardModel", "Page", "scenario_catalogue", "scenario_path"]
