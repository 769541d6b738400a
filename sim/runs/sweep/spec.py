"""Sweep specifications: the YAML file (format: docs/sweeps.md), its validation, and what it names.

:func:`load_spec` reads a spec with the line-tracking YAML loader that scenarios use
(:func:`sim.scenario.yamlsafe.load_yaml`) and validates it; every problem is a :class:`SpecError` whose message
is one line naming the file, the line and the problem. Also here: the summary expressions a spec keeps
(``tension@2008``: :func:`parse_summary`, :func:`compute_summaries`), the errors of the sweep machinery, and
the models a spec may name (``model:``), each described by a :class:`Backend`: ``spiral``, the project's model
(the default), and whatever else is registered with :func:`register_model` (the tests register a toy).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.calendar import parse_quarter, quarter_label
from sim.errors import SpiralError
from sim.scenario.yamlsafe import LineDict, LineList, ScenarioError, load_yaml, nearest

if TYPE_CHECKING:
    from sim.runs.sweep.plan import Run

FORMAT = "spiral-sweep/1"

# columns that identify a run, in every table
KEY_COLUMNS = ("scenario", "world", "point", "replicate")
SAMPLERS = ("grid", "latin", "sobol", "morris")
TOP_KEYS = (
    "name",
    "description",
    "model",
    "scenario",
    "scenarios",
    "worlds",
    "parameters",
    "sampler",
    "seeds",
    "seed",
    "horizon",
    "keep",
    "chunk_size",
)
MAX_CHUNK_SIZE = 500


class SpecError(SpiralError, ValueError):
    """A sweep specification is invalid. The message is one line: ``file:line: problem``."""


class SweepError(SpiralError, RuntimeError, ValueError):
    """A sweep could not go on (a run failed, a worker died, the output directory holds another sweep).
    Also a ValueError, so that a command line reporting ValueErrors as one-line errors reports this too."""


class RunFailed(RuntimeError):
    """A model run raised. Carries the run's key so that the failure can be reproduced alone."""


class UnknownObservable(KeyError):
    """A summary names a column that the model's observables do not have (raised in a worker)."""

    def __init__(self, name: str, available: Sequence[str], problem: str = ""):
        super().__init__(name)
        self.name = name
        self.available = list(available)
        self.problem = problem

    def __reduce__(self):
        return (type(self), (self.name, self.available, self.problem))



_nearest = nearest  # " (did you mean 'x'?)" or ""


# ----------------------------------------------------------------------------------------------------------
# YAML with line numbers (the scenarios' loader)
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _Located:
    """A loaded YAML document (plain dicts and lists) plus the line of every key and value, addressed by
    path tuples (``("keep", "summaries", 1)``)."""

    path: Path
    data: Any
    lines: dict[tuple, int]

    def line(self, where: tuple) -> int:
        while where and where not in self.lines:
            where = where[:-1]
        return self.lines.get(where, 1)

    def error(self, where: tuple, message: str) -> SpecError:
        return SpecError(f"{self.path}:{self.line(where)}: {message}")


def _spec_message(message: str) -> str:
    """The scenario loader's wording of a YAML problem, said of a sweep spec."""
    if message.startswith("invalid YAML: "):
        return "YAML syntax error: " + message[len("invalid YAML: "):]
    if message.startswith(("YAML anchors", "YAML aliases")):
        return "YAML anchors and aliases are not allowed in a spec"
    return message


def _load_located(path: Path) -> _Located:
    """Read a spec with :func:`sim.scenario.yamlsafe.load_yaml` (safe constructors only, no anchors or
    aliases, no duplicate keys, the line of everything); its errors become one-line :class:`SpecError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from None
    try:
        data = load_yaml(path)
    except ScenarioError as exc:
        raise SpecError(f"{path}:{exc.line or 1}: {_spec_message(exc.message)}") from None
    if isinstance(data, LineDict) and not data and not any(
            ln.strip() and not ln.lstrip().startswith(("#", "---", "...")) for ln in text.splitlines()):
        raise SpecError(f"{path}:1: the file is empty")
    lines: dict[tuple, int] = {}

    def plain(value: Any, where: tuple, line: int) -> Any:
        lines.setdefault(where, getattr(value, "line", 0) or line)
        if isinstance(value, LineDict):
            out = {}
            for key, item in value.items():
                lines[where + (key,)] = value.line_of(key)
                out[key] = plain(item, where + (key,), value.line_of(key))
            return out
        if isinstance(value, LineList):
            return [plain(item, where + (i,), value.line_of(i)) for i, item in enumerate(value)]
        return value

    return _Located(path, plain(data, (), 1), lines)


# ----------------------------------------------------------------------------------------------------------
# Summaries: "tension@2008", "tension@2008Q3", "tension@mean(1992-1998)", "tension@final"
# ----------------------------------------------------------------------------------------------------------

SUMMARY_AGGREGATES = ("mean", "min", "max", "sd", "first", "last")
_SUMMARY = re.compile(r"^(?P<var>[A-Za-z_][A-Za-z0-9_]*)@(?P<when>.+)$")
_RANGE = re.compile(r"^(?P<agg>[a-z]+)\((?P<a>[^-()\s]+)(?:-(?P<b>[^-()\s]+))?\)$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Summary:
    """One number per run computed from the observables (one row per quarter).

    ``var@YYYY`` — mean over the quarters of that year present in the run; ``var@YYYYQn`` — the value in
    that quarter; ``var@agg(A-B)`` — ``agg`` (mean, min, max, sd, first, last) over the quarters from A to B
    inclusive, A and B years or quarters (``mean(1992-1998)``, ``max(2004Q1-2008Q4)``); ``var@agg(all)`` — over
    the whole run; ``var@final`` — the value in the last quarter simulated.
    """

    text: str
    var: str
    agg: str
    first_q: int | None  # absolute quarters, inclusive; None = open end
    last_q: int | None

    @property
    def column(self) -> str:
        return self.text


def parse_summary(text: str) -> Summary:
    """Parse a summary expression; raises ValueError with a readable message."""
    if not isinstance(text, str):
        raise ValueError(f"a summary is a string like 'tension@2008', not {text!r}")
    s = text.strip().replace(" ", "")
    m = _SUMMARY.match(s)
    if not m:
        raise ValueError(f"{text!r} is not a summary like 'tension@2008' or 'tension@mean(1992-1998)'")
    var, when = m.group("var"), m.group("when")
    if when in ("final", "last"):
        return Summary(s, var, "last", None, None)
    if _YEAR.match(when):
        y = int(when)
        return Summary(s, var, "mean", y * 4, y * 4 + 3)
    if re.match(r"^\d{4}Q[1-4]$", when):
        q = parse_quarter(when)
        return Summary(s, var, "mean", q, q)
    r = _RANGE.match(when)
    if not r:
        raise ValueError(
            f"{text!r}: after '@' write a year (2008), a quarter (2008Q3), final, or agg(A-B) / agg(all) "
            f"with agg one of {', '.join(SUMMARY_AGGREGATES)}"
        )
    agg = r.group("agg")
    if agg not in SUMMARY_AGGREGATES:
        raise ValueError(f"{text!r}: unknown aggregate {agg!r}{_nearest(agg, SUMMARY_AGGREGATES)}")
    a, b = r.group("a"), r.group("b")
    if a == "all" and b is None:
        return Summary(s, var, agg, None, None)
    if b is None:
        b = a

    def bound(t: str, end: bool) -> int:
        if _YEAR.match(t):
            return int(t) * 4 + (3 if end else 0)
        try:
            return parse_quarter(t)
        except ValueError:
            raise ValueError(f"{text!r}: {t!r} is neither a year (2008) nor a quarter (2008Q3)") from None

    lo, hi = bound(a, False), bound(b, True)
    if lo > hi:
        raise ValueError(f"{text!r}: the period runs backwards ({a} after {b})")
    return Summary(s, var, agg, lo, hi)


def _columns(obs: pd.DataFrame | Mapping[str, Any]) -> dict[str, np.ndarray]:
    """A run's observables as columns (from a frame, or already a dict of arrays)."""
    if isinstance(obs, pd.DataFrame):
        return {str(c): obs[c].to_numpy() for c in obs.columns}
    return {c: np.asarray(v) for c, v in obs.items()}


@functools.lru_cache(maxsize=64)
def _quarters_of_labels(dates: tuple[str, ...]) -> np.ndarray:
    return np.fromiter((int(d[:4]) * 4 + int(d[5]) - 1 for d in dates), dtype=np.int64, count=len(dates))


def _quarters_of(cols: Mapping[str, np.ndarray]) -> np.ndarray:
    return _quarters_of_labels(tuple(str(d) for d in cols["date"]))


def _numeric_column(a: np.ndarray) -> bool:
    return a.dtype.kind in "biuf"


def compute_summaries(obs: pd.DataFrame | Mapping[str, Any], summaries: Sequence[Summary]) -> dict[str, float]:
    """The summaries of one run's observables (a frame, or a dict of columns, with a ``date`` column like
    ``2008Q3``)."""
    if not summaries:
        return {}
    cols = _columns(obs)
    quarters = _quarters_of(cols)
    out: dict[str, float] = {}
    for s in summaries:
        if s.var not in cols:
            raise UnknownObservable(s.var, list(cols))
        column = cols[s.var]
        if not _numeric_column(column):
            raise UnknownObservable(s.var, [c for c, a in cols.items() if _numeric_column(a)],
                                    f"observable {s.var!r} is not a number ({column.dtype}); summaries need numbers")
        values = column.astype(float)
        if s.first_q is None and s.agg == "last" and s.last_q is None:
            out[s.column] = float(values[-1]) if len(values) else math.nan
            continue
        mask = np.ones(len(values), dtype=bool)
        if s.first_q is not None:
            mask &= quarters >= s.first_q
        if s.last_q is not None:
            mask &= quarters <= s.last_q
        v = values[mask]
        if len(v) == 0:
            out[s.column] = math.nan
        elif s.agg == "mean":
            out[s.column] = float(v.mean())
        elif s.agg == "min":
            out[s.column] = float(v.min())
        elif s.agg == "max":
            out[s.column] = float(v.max())
        elif s.agg == "sd":
            out[s.column] = float(v.std(ddof=1)) if len(v) > 1 else math.nan
        elif s.agg == "first":
            out[s.column] = float(v[0])
        else:  # last
            out[s.column] = float(v[-1])
    return out


# ----------------------------------------------------------------------------------------------------------
# Models ("backends"): what a sweep runs
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamSpec:
    default: Any
    low: float | None
    high: float | None
    description: str = ""


@dataclass(frozen=True)
class LoadedScenario:
    obj: Any  # what the backend's run() takes
    name: str
    hash: str
    path: str  # as written in the spec, for the manifest
    start: int | None  # absolute quarters of the scenario's period, when known
    end: int | None



class Backend:
    """What a sweep needs from a model. Subclasses are module-level and stateless (picklable by name: the
    driver sends the backend itself to the workers, so that a worker needs no registry).

    A model runs either one run at a time (:meth:`run`) or a whole group of runs at once (:meth:`evaluate`,
    by default a loop over :meth:`run`)."""

    name = "?"

    def worlds(self) -> tuple[str, ...]:
        raise NotImplementedError

    def parameters(self) -> Mapping[str, ParamSpec]:
        raise NotImplementedError

    def observables(self) -> tuple[str, ...] | None:
        """Observable column names if known before running (for early validation of summaries)."""
        return None

    def switches(self) -> tuple[str, ...]:
        """Parameters that are on/off switches (0 or 1): listed, never sampled as ranges."""
        return ()

    def needs_scenario(self) -> bool:
        return True

    def load_scenario(self, path: Path | None) -> LoadedScenario:
        raise NotImplementedError

    def with_horizon(self, scenario: Any, horizon: int | None) -> Any:
        """The scenario object cut at ``horizon`` (absolute quarter), done once in the main process."""
        return scenario

    def run(self, scenario: Any, world: str, seed: int, parameters: dict,
            horizon: int | None) -> pd.DataFrame | dict[str, np.ndarray]:
        """One run -> its observables, one row per quarter, with at least ``date`` (``"2008Q3"``): a frame,
        or its columns as a dict of equally long arrays (cheaper: sweeps keep thousands of runs)."""
        raise NotImplementedError

    def evaluate(self, scenario: Any, runs: Sequence[Run], horizon: int | None,
                 keep_steps: bool) -> Iterable[pd.DataFrame | Mapping[str, np.ndarray]]:
        """The observables of each of ``runs`` (all of one scenario), in their order, as :meth:`run` gives
        them. An exception raised while the observables of a run are produced is reported as that run's
        failure, with its key. ``keep_steps``: whether the sweep keeps per-step rows (otherwise it only
        computes summaries from these)."""
        return (self.run(scenario, r.world, r.seed, r.parameters, horizon) for r in runs)

    def model_class(self):
        """The Mesa model class (for the mesa.batch_run baseline of the benchmark)."""
        raise NotImplementedError


class SpiralBackend(Backend):
    """The project's model. Its runs go through :func:`sim.runs.sweep.run.evaluate_chunk`, the one place
    where a sweep runs the model."""

    name = "spiral"

    def worlds(self):
        from sim.worlds import WORLDS

        return tuple(WORLDS)

    def parameters(self):
        from sim.params import PARAMETERS

        return {
            name: ParamSpec(info.default, getattr(info, "low", None), getattr(info, "high", None),
                            getattr(info, "description", ""))
            for name, info in PARAMETERS.items()
        }

    def observables(self):
        try:
            from sim.model import MODEL_REPORTERS
        except ImportError:
            return None
        return ("step", "date", "year") + tuple(MODEL_REPORTERS)

    def switches(self):
        from sim.params import SWITCHES

        return tuple(SWITCHES)

    def load_scenario(self, path):
        from sim.scenario import load_scenario

        try:
            sc = load_scenario(path)
        except ScenarioError as exc:
            raise SpecError(str(exc)) from None
        return LoadedScenario(sc, sc.name, str(sc.hash), str(path), int(sc.start), int(sc.end))

    def with_horizon(self, scenario, horizon):
        if horizon is None or horizon == scenario.end:
            return scenario
        return dataclasses.replace(scenario, end=horizon)

    def run(self, scenario, world, seed, parameters, horizon):
        from sim.runs.sweep.plan import Run

        return next(iter(self.evaluate(scenario, [Run(0, 0, world, 0, 0, 0, 0, seed, dict(parameters))], horizon,
                                       True)))

    def evaluate(self, scenario, runs, horizon, keep_steps):
        from sim.runs.sweep.run import evaluate_chunk  # (the scenario is already cut at the horizon)

        return evaluate_chunk(scenario, runs, keep_steps)

    def model_class(self):
        from sim.model import SpiralModel

        return SpiralModel


BACKENDS: dict[str, Backend] = {"spiral": SpiralBackend()}


def register_model(backend: Backend) -> Backend:
    """Make ``backend`` a model that specs may name (``model: <backend.name>``); returns it. The tests
    register a toy model this way (tests/sweep_toy.py). A later registration of the same name replaces the
    earlier one."""
    if not isinstance(backend, Backend):
        raise TypeError(f"a sweep model is a Backend, not {backend!r}")
    BACKENDS[backend.name] = backend
    return backend


# ----------------------------------------------------------------------------------------------------------
# The specification
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    low: float
    high: float


@dataclass
class SweepSpec:
    path: Path
    name: str
    description: str
    model: str
    scenarios: list[LoadedScenario]
    worlds: list[str]
    fixed: dict[str, Any]  # name -> value
    grid: dict[str, list]  # name -> values (full factorial, in spec order)
    ranges: dict[str, Range]  # name -> bounds (sampled)
    sampler: str
    samples: int | None  # n of the sampler (latin: points; sobol: base N; morris: trajectories)
    second_order: bool
    levels: int
    seeds: int
    paired: bool
    seed: int
    horizon: int | None
    summaries: list[Summary]
    steps: bool | list[str]  # False, True (all observables) or chosen columns
    chunk_size: int | None
    spec_sha256: str
    source: _Located = field(repr=False)

    @property
    def backend(self) -> Backend:
        return BACKENDS[self.model]

    def identity(self) -> dict:
        """Everything that decides the results (not the name, description or paths)."""
        return {
            "format": FORMAT,
            "model": self.model,
            "scenarios": [[s.name, s.hash] for s in self.scenarios],
            "worlds": self.worlds,
            "fixed": self.fixed,
            "grid": self.grid,
            "ranges": {k: [v.low, v.high] for k, v in self.ranges.items()},
            "sampler": self.sampler,
            "samples": self.samples,
            "second_order": self.second_order if self.sampler == "sobol" else None,
            "levels": self.levels if self.sampler == "morris" else None,
            "seeds": self.seeds,
            "paired": self.paired,
            "seed": self.seed,
            "horizon": quarter_label(self.horizon) if self.horizon is not None else None,
            "summaries": [s.text for s in self.summaries],
            "steps": self.steps,
            "chunk_size": self.chunk_size,
        }

    def summary_line(self, summary: Summary) -> int:
        for i, s in enumerate(self.summaries):
            if s is summary or s.var == summary.var:
                for where in (("keep", "summaries", i), ("keep", i)):
                    if where in self.source.lines:
                        return self.source.lines[where]
        return self.source.line(("keep",))


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def load_spec(path: str | os.PathLike, model: str | None = None) -> SweepSpec:
    """Read and validate a sweep specification. Raises :class:`SpecError` (one line) on any problem.

    ``model`` overrides the spec's ``model:`` (tests use ``"toy"``).
    """
    path = Path(path)
    src = _load_located(path)
    d = src.data
    err = src.error
    if not isinstance(d, dict):
        raise err((), "a sweep spec is a mapping of keys (name, scenario, worlds, parameters, ...)")
    for key in d:
        if key not in TOP_KEYS:
            from sim.runs.calibrate.spec import TOP_KEYS as CALIBRATION_KEYS

            other = " — a calibration's key: run this file with 'spiral calibrate'" if key in CALIBRATION_KEYS else ""
            raise err((key,), f"unknown key {key!r}{_nearest(key, TOP_KEYS)}{other}")

    def need(key):
        if key not in d:
            raise err((), f"missing required key {key!r}")
        return d[key]

    name = need("name")
    if not isinstance(name, str) or not re.match(r"^[a-z0-9][a-z0-9_\-]*$", name):
        raise err(("name",), f"name must be a slug (lower-case letters, digits, '_' or '-'), not {name!r}")
    description = d.get("description", "")
    if not isinstance(description, str):
        raise err(("description",), "description must be a string")

    model_name = model or d.get("model", "spiral")
    if model_name not in BACKENDS:
        raise err(("model",), f"unknown model {model_name!r}{_nearest(model_name, list(BACKENDS))}; "
                              f"choose one of {', '.join(BACKENDS)}")
    backend = BACKENDS[model_name]
    try:
        known_worlds = backend.worlds()
        known_params = backend.parameters()
    except ImportError as exc:
        raise err(("model",), f"model {model_name!r} is not available: {exc}") from None

    # scenarios
    if "scenario" in d and "scenarios" in d:
        raise err(("scenarios",), "give either 'scenario' or 'scenarios', not both")
    raw = d.get("scenarios", d.get("scenario"))
    key = "scenarios" if "scenarios" in d else "scenario"
    scenarios: list[LoadedScenario] = []
    if raw is None:
        if backend.needs_scenario():
            raise err((), "missing required key 'scenario' (a path to a scenario YAML, relative to this file)")
        scenarios.append(backend.load_scenario(None))
    else:
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise err((key,), "the list of scenarios is empty")
        for i, item in enumerate(items):
            where = (key, i) if isinstance(raw, list) else (key,)
            if not isinstance(item, str):
                raise err(where, f"a scenario is a path to a YAML file, not {item!r}")
            if not backend.needs_scenario():
                raise err(where, f"model {model_name!r} takes no scenario")
            spath = (path.parent / item)
            if not spath.is_file():
                raise err(where, f"scenario file not found: {item} (paths are relative to {path.parent})")
            try:
                scenarios.append(backend.load_scenario(spath))
            except SpecError as exc:
                raise err(where, f"scenario {item}: {exc}") from None
        names = [s.name for s in scenarios]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise err((key,), f"scenario {dup[0]!r} is listed twice")

    # worlds
    worlds_raw = d.get("worlds", "all")
    if worlds_raw == "all":
        worlds = list(known_worlds)
    else:
        items = worlds_raw if isinstance(worlds_raw, list) else [worlds_raw]
        if not items:
            raise err(("worlds",), "the list of worlds is empty")
        worlds = []
        for i, w in enumerate(items):
            where = ("worlds", i) if isinstance(worlds_raw, list) else ("worlds",)
            if w not in known_worlds:
                raise err(where, f"unknown world {w!r}{_nearest(w, known_worlds)}; "
                                 f"the worlds are {', '.join(known_worlds)} (or 'all')")
            if w in worlds:
                raise err(where, f"world {w!r} is listed twice")
            worlds.append(w)

    # parameters
    params_raw = d.get("parameters", {}) or {}
    if not isinstance(params_raw, dict):
        raise err(("parameters",), "parameters is a mapping: name -> value, [values] or {low:, high:}")
    fixed: dict[str, Any] = {}
    grid: dict[str, list] = {}
    ranges: dict[str, Range] = {}
    for pname, value in params_raw.items():
        where = ("parameters", pname)
        if pname not in known_params:
            raise err(where, f"unknown parameter {pname!r}{_nearest(pname, list(known_params))}")
        info = known_params[pname]

        def check_value(v, w=where, info=info, pname=pname):
            default = info.default
            if isinstance(default, bool):
                if not isinstance(v, bool):
                    raise err(w, f"parameter {pname!r} is a switch: true or false, not {v!r}")
                return v
            if _is_number(default):
                if not _is_number(v):
                    raise err(w, f"parameter {pname!r} takes a number, not {v!r}")
                if info.low is not None and v < info.low or info.high is not None and v > info.high:
                    raise err(w, f"{pname} = {v} is outside its range [{info.low}, {info.high}]")
                if isinstance(default, int):
                    if float(v) != int(v):
                        raise err(w, f"parameter {pname!r} takes a whole number, not {v!r}")
                    return int(v)
                return float(v)
            if default is not None and type(v) is not type(default):
                raise err(w, f"parameter {pname!r} takes a {type(default).__name__}, not {v!r}")
            return v

        if isinstance(value, list):
            if not value:
                raise err(where, f"parameter {pname!r}: the list of values is empty")
            vals = [check_value(v, ("parameters", pname, i)) for i, v in enumerate(value)]
            if len(set(map(repr, vals))) != len(vals):
                raise err(where, f"parameter {pname!r}: a value is listed twice")
            grid[pname] = vals
        elif isinstance(value, dict) or value == "range":
            if pname in backend.switches():
                raise err(where, f"parameter {pname!r} is a switch (0 or 1): give [0, 1], not a range")
            if isinstance(info.default, bool) or not _is_number(info.default):
                raise err(where, f"parameter {pname!r} is not real-valued: give a list of values, not a range")
            if isinstance(info.default, int):
                raise err(where, f"parameter {pname!r} takes whole numbers: give a list of values, not a range")
            spec = {} if value == "range" else value
            for k in spec:
                if k not in ("low", "high"):
                    raise err(where + (k,), f"unknown key {k!r} in a range{_nearest(k, ['low', 'high'])}: "
                                            f"a range is {{low: ..., high: ...}}")
            lo = spec.get("low", info.low)
            hi = spec.get("high", info.high)
            if lo is None or hi is None:
                raise err(where, f"parameter {pname!r} has no declared bounds: give low and high")
            lo = check_value(lo, where + ("low",))
            hi = check_value(hi, where + ("high",))
            if not lo < hi:
                raise err(where, f"parameter {pname!r}: low ({lo}) must be below high ({hi})")
            ranges[pname] = Range(float(lo), float(hi))
        else:
            fixed[pname] = check_value(value)
            if pname in backend.switches() and fixed[pname] not in (0, 1):
                raise err(where, f"parameter {pname!r} is a switch: 0 or 1, not {value!r}")

    # sampler
    sampler_raw = d.get("sampler", "grid")
    levels, second_order, samples = 4, True, None
    if isinstance(sampler_raw, str):
        method, sargs = sampler_raw, {}
        swhere = ("sampler",)
    elif isinstance(sampler_raw, dict):
        if "method" not in sampler_raw:
            raise err(("sampler",), f"sampler needs a method: one of {', '.join(SAMPLERS)}")
        method, sargs = sampler_raw["method"], {k: v for k, v in sampler_raw.items() if k != "method"}
        swhere = ("sampler", "method")
    else:
        raise err(("sampler",), "sampler is a method name or {method: ..., n: ...}")
    if method not in SAMPLERS:
        raise err(swhere, f"unknown sampler {method!r}{_nearest(method, SAMPLERS)}; choose one of {', '.join(SAMPLERS)}")
    allowed = {"grid": (), "latin": ("n",), "sobol": ("n", "second_order"), "morris": ("n", "levels")}[method]
    for k in sargs:
        if k not in allowed:
            raise err(("sampler", k), f"sampler {method!r} takes no {k!r}"
                                      + (f"; it takes {', '.join(allowed)}" if allowed else ""))
    if method == "grid":
        if ranges:
            first = next(iter(ranges))
            raise err(("parameters", first), f"parameter {first!r} is a range but the sampler is 'grid': give a "
                                             "list of values, or set sampler: {method: latin|sobol|morris, n: ...}")
    else:
        if not ranges:
            raise err(swhere, f"sampler {method!r} needs at least one parameter given as a range {{low:, high:}}")
        if "n" not in sargs:
            raise err(("sampler",), f"sampler {method!r} needs n (the number of "
                                    + {"latin": "points", "sobol": "base samples N", "morris": "trajectories"}[method]
                                    + ")")
        samples = sargs["n"]
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
            raise err(("sampler", "n"), f"n must be a positive whole number, not {samples!r}")
        if method == "sobol":
            if samples & (samples - 1):
                raise err(("sampler", "n"), f"Sobol' sequences need n a power of 2 (e.g. "
                                            f"{1 << max(0, samples.bit_length() - 1)} or {1 << samples.bit_length()}), not {samples}")
            second_order = sargs.get("second_order", True)
            if not isinstance(second_order, bool):
                raise err(("sampler", "second_order"), "second_order is true or false")
        if method == "morris":
            levels = sargs.get("levels", 4)
            if not isinstance(levels, int) or isinstance(levels, bool) or levels < 2 or levels % 2:
                raise err(("sampler", "levels"), f"levels must be an even whole number >= 2, not {levels!r}")
        if method in ("sobol", "morris") and len(ranges) < 2:
            raise err(swhere, f"sampler {method!r} needs at least two ranged parameters, found {len(ranges)}")

    # seeds
    if "seeds" not in d:
        raise err((), "missing required key 'seeds' (replicates per point, e.g. seeds: 10)")
    seeds_raw = d["seeds"]
    paired = True
    if isinstance(seeds_raw, dict):
        for k in seeds_raw:
            if k not in ("count", "paired"):
                raise err(("seeds", k), f"unknown key {k!r} in seeds{_nearest(k, ['count', 'paired'])}")
        if "count" not in seeds_raw:
            raise err(("seeds",), "seeds needs count")
        paired = seeds_raw.get("paired", True)
        if not isinstance(paired, bool):
            raise err(("seeds", "paired"), "paired is true or false")
        nseeds = seeds_raw["count"]
        swhere = ("seeds", "count")
    else:
        nseeds, swhere = seeds_raw, ("seeds",)
    if not isinstance(nseeds, int) or isinstance(nseeds, bool) or nseeds < 1:
        raise err(swhere, f"seeds must be a positive whole number, not {nseeds!r}")
    if "seed" not in d:
        raise err((), "missing required key 'seed' (the sweep seed, a whole number)")
    sweep_seed = d["seed"]
    if not isinstance(sweep_seed, int) or isinstance(sweep_seed, bool) or sweep_seed < 0:
        raise err(("seed",), f"seed must be a non-negative whole number, not {sweep_seed!r}")

    # horizon
    horizon = None
    if d.get("horizon") is not None:
        try:
            horizon = parse_quarter(d["horizon"])
        except ValueError as exc:
            raise err(("horizon",), f"horizon: {exc}") from None
        for s in scenarios:
            if s.start is not None and horizon < s.start:
                raise err(("horizon",), f"horizon {quarter_label(horizon)} is before the start of scenario "
                                        f"{s.name!r} ({quarter_label(s.start)})")
            if s.end is not None and horizon > s.end:
                raise err(("horizon",), f"horizon {quarter_label(horizon)} is after the end of scenario "
                                        f"{s.name!r} ({quarter_label(s.end)})")
        scenarios = [dataclasses.replace(s, obj=backend.with_horizon(s.obj, horizon)) for s in scenarios]

    # keep
    if "keep" not in d:
        raise err((), "missing required key 'keep': 'steps' (every step) and/or summaries like [tension@2008]")
    keep = d["keep"]
    summaries_raw: list = []
    steps: bool | list[str] = False
    sum_where: Callable[[int], tuple]
    if keep == "steps":
        steps = True
        sum_where = lambda i: ("keep",)  # noqa: E731
    elif isinstance(keep, list):
        summaries_raw = keep
        sum_where = lambda i: ("keep", i)  # noqa: E731
    elif isinstance(keep, dict):
        for k in keep:
            if k not in ("steps", "summaries"):
                raise err(("keep", k), f"unknown key {k!r} in keep{_nearest(k, ['steps', 'summaries'])}")
        summaries_raw = keep.get("summaries", []) or []
        if not isinstance(summaries_raw, list):
            raise err(("keep", "summaries"), "summaries is a list like [tension@2008, tension@mean(1992-1998)]")
        sum_where = lambda i: ("keep", "summaries", i)  # noqa: E731
        st = keep.get("steps", False)
        if st in (True, False, "all"):
            steps = st is True or st == "all"
        elif isinstance(st, list) and st and all(isinstance(c, str) for c in st):
            steps = list(st)
        else:
            raise err(("keep", "steps"), "steps is true, false, all, or a list of observable names")
    else:
        raise err(("keep",), "keep is 'steps', a list of summaries, or {steps: ..., summaries: [...]}")
    summaries: list[Summary] = []
    observables = backend.observables()
    for i, text in enumerate(summaries_raw):
        try:
            s = parse_summary(text)
        except ValueError as exc:
            raise err(sum_where(i), f"summary {exc}") from None
        if any(s.text == o.text for o in summaries):
            raise err(sum_where(i), f"summary {s.text!r} is listed twice")
        if observables is not None and s.var not in observables:
            raise err(sum_where(i), f"summary {s.text!r}: unknown observable {s.var!r}{_nearest(s.var, observables)}")
        last = horizon if horizon is not None else max((x.end for x in scenarios if x.end is not None), default=None)
        first = min((x.start for x in scenarios if x.start is not None), default=None)
        if s.first_q is not None and last is not None and s.first_q > last:
            raise err(sum_where(i), f"summary {s.text!r} starts after the runs end ({quarter_label(last)})")
        if s.last_q is not None and first is not None and s.last_q < first:
            raise err(sum_where(i), f"summary {s.text!r} ends before the runs start ({quarter_label(first)})")
        summaries.append(s)
    if isinstance(steps, list) and observables is not None:
        for j, c in enumerate(steps):
            if c not in observables:
                raise err(("keep", "steps", j), f"unknown observable {c!r}{_nearest(c, observables)}")
    if not summaries and steps is False:
        raise err(("keep",), "keep keeps nothing: give summaries and/or steps")

    chunk_size = d.get("chunk_size")
    if chunk_size is not None and (not isinstance(chunk_size, int) or isinstance(chunk_size, bool)
                                   or not 1 <= chunk_size <= MAX_CHUNK_SIZE):
        raise err(("chunk_size",), f"chunk_size must be a whole number from 1 to {MAX_CHUNK_SIZE}, not {chunk_size!r}")

    return SweepSpec(
        path=path, name=name, description=description.strip(), model=model_name, scenarios=scenarios,
        worlds=worlds, fixed=fixed, grid=grid, ranges=ranges, sampler=method, samples=samples,
        second_order=second_order, levels=levels, seeds=nseeds, paired=paired, seed=sweep_seed,
        horizon=horizon, summaries=summaries, steps=steps, chunk_size=chunk_size,
        spec_sha256=hashlib.sha256(path.read_bytes()).hexdigest(), source=src,
    )

