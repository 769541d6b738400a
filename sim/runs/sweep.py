"""Parameter sweeps: specification, sampling, execution on any executor, chunked Parquet results, resume.

A sweep is described by a YAML file in ``experiments/`` (format: docs/sweeps.md). :func:`load_spec`
validates it (one-line errors naming the file, the line and the problem) and :func:`plan_sweep` turns it
into a :class:`SweepPlan`: an ordered list of runs, each identified by its *key* (scenario, world, design
point, replicate), grouped into fixed chunks. :func:`run_sweep` runs the chunks that are not yet on disk on a
``concurrent.futures`` executor (local process pool or Dask, :mod:`sim.runs.executors`), a bounded number at a
time, and commits each finished chunk as Parquet part files (written to a temporary name, then renamed).

Guarantees:

- **Nothing lost, nothing repeated.** A run is finished iff its row is in a committed part
  (``summary/part-NNNNNN.parquet``). Re-running the same command after an interruption (Ctrl-C, a crash,
  ``kill -9``) runs only the chunks without a committed part.
- **Deterministic.** Each run's seed is derived from the sweep seed and the run's key
  (:func:`derive_seed`, SHA-256 + ``numpy.random.SeedSequence``), never from the order in which runs
  finish, the executor or the number of workers; a part's content depends only on its chunk. Data files
  hold no timestamps or versions, so identical sweeps give byte-identical parts. Provenance (versions,
  spec and scenario hashes, commands, timings) lives in ``manifest.json`` beside them.
- **Flat memory.** The main process holds the design and the results of the chunks in flight, never the
  whole result table.

The model is pluggable (``model:`` in the spec): ``spiral`` (the default, :mod:`sim.runs.single`) or ``toy``
(:class:`ToyModel`, a tiny deterministic stand-in used by the tests and for trying the machinery out).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import difflib
import fcntl
import functools
import hashlib
import importlib.metadata
import io
import itertools
import json
import math
import os
import pickle
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.calendar import parse_quarter, quarter_label
from sim.errors import SpiralError
from sim.runs.executors import release_free_memory

FORMAT = "spiral-sweep/1"
REPO_ROOT = Path(__file__).resolve().parents[2]

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


def _nearest(word: str, choices: Sequence[str]) -> str:
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


# ----------------------------------------------------------------------------------------------------------
# YAML with line numbers
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _Located:
    """A loaded YAML document plus the line of every key and value, addressed by path tuples."""

    path: Path
    data: Any
    lines: dict[tuple, int]

    def line(self, where: tuple) -> int:
        while where and where not in self.lines:
            where = where[:-1]
        return self.lines.get(where, 1)

    def error(self, where: tuple, message: str) -> SpecError:
        return SpecError(f"{self.path}:{self.line(where)}: {message}")


def _load_located(path: Path) -> _Located:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from None
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise SpecError(
                    f"{path}:{event.start_mark.line + 1}: YAML anchors and aliases are not allowed in a spec"
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        context = ""
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            context = f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        raise SpecError(f"{path}:{line}: YAML syntax error: {exc.problem or exc.context}{context}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}:1: YAML error: {exc}") from None
    if node is None:
        raise SpecError(f"{path}:1: the file is empty")
    constructor = yaml.SafeLoader("")
    lines: dict[tuple, int] = {}

    def convert(n: yaml.Node, where: tuple) -> Any:
        lines.setdefault(where, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in n.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SpecError(f"{path}:{key_node.start_mark.line + 1}: a mapping key must be a plain name")
                key = constructor.construct_object(key_node)
                if key in out:
                    raise SpecError(f"{path}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
                lines[where + (key,)] = key_node.start_mark.line + 1
                out[key] = convert(value_node, where + (key,))
            return out
        if isinstance(n, yaml.SequenceNode):
            return [convert(item, where + (i,)) for i, item in enumerate(n.value)]
        return constructor.construct_object(n)

    return _Located(path, convert(node, ()), lines)


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
    """What a sweep needs from a model. Subclasses are module-level and stateless (picklable by name)."""

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

    def model_class(self):
        """The Mesa model class (for the mesa.batch_run baseline of the benchmark)."""
        raise NotImplementedError


# --- the toy model -----------------------------------------------------------------------------------------

TOY_WORLDS = ("security_dilemma", "deterrence", "provocation", "revisionist_spiral")
# (greedy West, greedy Russia, revisionist pair): the toy's crude reading of the four types
_TOY_TYPES = {
    "security_dilemma": (0.0, 0.0, 0.0),
    "deterrence": (0.0, 1.0, 0.0),
    "provocation": (1.0, 0.0, 0.0),
    "revisionist_spiral": (0.0, 0.0, 1.0),
}
TOY_PARAMETERS = {
    "misperception": ParamSpec(0.3, 0.0, 1.0, "hostile acts read as more revealing than they are"),
    "distinguishability": ParamSpec(0.5, 0.0, 1.0, "how informative postures are"),
    "empathy": ParamSpec(0.5, 0.0, 1.0, "discount of acts that the other's insecurity explains"),
    "greed": ParamSpec(0.5, 0.0, 1.0, "weight of greed in greedy types"),
    "status_weight": ParamSpec(0.5, 0.0, 1.0, "weight of status in insecurity"),
    "noise": ParamSpec(0.05, 0.0, 0.5, "sd of the quarterly shock"),
    "delay": ParamSpec(0.0, 0.0, 10.0, "seconds each run sleeps (tests of interruption)"),
    "work": ParamSpec(0, 0, 100000, "extra arithmetic per step (benchmarks: emulate a costlier model)"),
    "inert": ParamSpec(0.5, 0.0, 1.0, "a dummy with no effect at all (checks of sensitivity methods)"),
    "fail": ParamSpec(0.0, 0.0, 1.0, "1 = the run raises (tests of failure reporting)"),
}
# dated 'enlargement' pulses of the toy (quarters), a stand-in for scripted history
_TOY_PULSES = {parse_quarter(q): v for q, v in
               {"1994Q1": 0.3, "1999Q1": 0.5, "2004Q2": 0.4, "2008Q2": 0.6, "2014Q1": 0.5}.items()}


def _mesa():
    import mesa

    return mesa


def _make_toy_model_class():
    mesa = _mesa()

    class ToyModel(mesa.Model):
        """A two-actor toy of beliefs and tension — *not* the theory; a deterministic stand-in for tests.

        Each quarter both sides update a belief that the other is hostile from its arming, amplified by
        misperception and discounted by empathy; dated pulses (enlargement-like) hit Russia's insecurity,
        weighted by ``status_weight``; greedy types arm more. Tension is the mean of the two beliefs and the
        normalised arming. Randomness: one stream, the Mesa model's ``rng``.
        """

        def __init__(self, world="revisionist_spiral", misperception=0.3, distinguishability=0.5, empathy=0.5,
                     greed=0.5, status_weight=0.5, noise=0.05, delay=0.0, work=0, inert=0.5, fail=0.0,
                     start="1992Q1", end="2025Q4", rng=None):
            super().__init__(rng=rng)
            if fail >= 1:
                raise RuntimeError("the toy model was asked to fail (fail=1)")
            if world not in _TOY_TYPES:
                raise ValueError(f"unknown world {world!r}")
            self.world = world
            self.greedy_west, self.greedy_russia, self.revisionist = _TOY_TYPES[world]
            self.misperception, self.distinguishability, self.empathy = misperception, distinguishability, empathy
            self.greed, self.status_weight, self.noise = greed, status_weight, noise
            self.delay, self.work = float(delay), int(work)
            self.quarter = parse_quarter(start)
            self.end = parse_quarter(end)
            self.b_russia = 0.35  # Russia's belief that NATO is hostile
            self.b_nato = 0.35
            self.arms_russia = 0.3
            self.arms_nato = 0.3
            self.insecurity = 0.2
            self.tension = 0.0
            self.datacollector = mesa.DataCollector(model_reporters={
                "date": lambda m: quarter_label(m.quarter),
                "year": lambda m: m.quarter / 4.0,
                "tension": "tension",
                "trust_russia_in_nato": lambda m: 1.0 - m.b_russia,
                "trust_nato_in_russia": lambda m: 1.0 - m.b_nato,
                "russia_insecurity": "insecurity",
                "russia_arming": "arms_russia",
            })
            if self.delay:
                time.sleep(self.delay)

        def step(self):
            if self.quarter > self.end:
                self.running = False
                return
            r = self.rng
            pulse = _TOY_PULSES.get(self.quarter, 0.0)
            self.insecurity += -0.05 * self.insecurity + self.status_weight * pulse * (1 + self.revisionist)
            lr = 1.0 + self.distinguishability * (self.arms_nato - 0.3) + self.misperception * 0.5
            lr *= 1.0 - 0.5 * self.empathy * self.insecurity / (1 + self.insecurity)
            lr_n = 1.0 + self.distinguishability * (self.arms_russia - 0.3) + self.misperception * 0.5
            self.b_russia = _clip(self.b_russia * lr / (self.b_russia * lr + (1 - self.b_russia)), 0.01, 0.99)
            self.b_nato = _clip(self.b_nato * lr_n / (self.b_nato * lr_n + (1 - self.b_nato)), 0.01, 0.99)
            # type switching keeps beliefs from locking (THEORY.md §9)
            self.b_russia = 0.35 + 0.9 * (self.b_russia - 0.35)
            self.b_nato = 0.35 + 0.9 * (self.b_nato - 0.35)
            target_r = 0.2 + 0.5 * self.b_russia + 0.3 * self.insecurity + self.greed * self.greedy_russia * 0.4
            target_n = 0.2 + 0.5 * self.b_nato + self.greed * self.greedy_west * 0.4
            self.arms_russia += 0.2 * (target_r - self.arms_russia) + self.noise * float(r.normal())
            self.arms_nato += 0.2 * (target_n - self.arms_nato) + self.noise * float(r.normal())
            self.tension = (self.b_russia + self.b_nato) / 2 + 0.25 * math.tanh(self.arms_russia + self.arms_nato - 0.6)
            if self.work:
                acc = 0.0
                for i in range(self.work):
                    acc += math.sin(i * self.tension)
                self.tension += acc * 1e-18
            self.datacollector.collect(self)
            self.quarter += 1
            if self.quarter > self.end:
                self.running = False

    return ToyModel


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


_TOY_CLASS = None


def toy_model_class():
    """The toy's Mesa model class, built on first use so that importing this module does not import Mesa."""
    global _TOY_CLASS
    if _TOY_CLASS is None:
        _TOY_CLASS = _make_toy_model_class()
        _TOY_CLASS.__module__ = __name__
        _TOY_CLASS.__qualname__ = "ToyModel"
    return _TOY_CLASS


def __getattr__(name):  # sim.runs.sweep.ToyModel, resolved lazily (and for pickle)
    if name == "ToyModel":
        return toy_model_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_toy(world: str, seed: int, parameters: Mapping[str, Any] | None = None,
            start: str = "1992Q1", end: str = "2025Q4") -> pd.DataFrame:
    """One run of the toy model -> observables (one row per quarter)."""
    model = toy_model_class()(world=world, rng=seed, start=start, end=end, **dict(parameters or {}))
    while model.running:
        model.step()
    obs = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    obs.insert(0, "step", np.arange(len(obs), dtype=np.int64))
    return obs


class ToyBackend(Backend):
    name = "toy"

    def worlds(self):
        return TOY_WORLDS

    def parameters(self):
        return TOY_PARAMETERS

    def observables(self):
        return ("step", "date", "year", "tension", "trust_russia_in_nato", "trust_nato_in_russia",
                "russia_insecurity", "russia_arming")

    def needs_scenario(self):
        return False

    def load_scenario(self, path):
        if path is not None:
            raise SpecError(f"{path}: the toy model takes no scenario")
        return LoadedScenario(None, "toy", "toy-v1", "", parse_quarter("1992Q1"), parse_quarter("2025Q4"))

    def run(self, scenario, world, seed, parameters, horizon):
        return run_toy(world, seed, parameters, end=quarter_label(horizon) if horizon else "2025Q4")

    def model_class(self):
        return toy_model_class()


# --- the spiral model ---------------------------------------------------------------------------------------


class SpiralBackend(Backend):
    """The project's model, through :func:`sim.runs.single.run_single`."""

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
        from sim.scenario import ScenarioError, load_scenario

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
        from sim.runs.single import observable_columns, run_model

        return observable_columns(run_model(scenario, world, seed, parameters=dict(parameters)))

    def model_class(self):
        from sim.model import SpiralModel

        return SpiralModel


BACKENDS: dict[str, Backend] = {"spiral": SpiralBackend(), "toy": ToyBackend()}


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
            raise err((key,), f"unknown key {key!r}{_nearest(key, TOP_KEYS)}")

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


# ----------------------------------------------------------------------------------------------------------
# Seeds and the design
# ----------------------------------------------------------------------------------------------------------


def derive_seed(sweep_seed: int, *key: Any) -> int:
    """A run's seed from the sweep seed and the run's key: stable across processes, machines and
    ``PYTHONHASHSEED`` (SHA-256 of the key text, then ``numpy.random.SeedSequence``). 32-bit, non-negative."""
    digest = hashlib.sha256("\x1f".join(str(k) for k in key).encode("utf-8")).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return int(np.random.SeedSequence(entropy=int(sweep_seed), spawn_key=words).generate_state(1, np.uint32)[0])


def _salib_problem(ranges: Mapping[str, Range]) -> dict:
    names = list(ranges)
    return {"num_vars": len(names), "names": names, "bounds": [[ranges[n].low, ranges[n].high] for n in names]}


def sample_design(spec: SweepSpec) -> np.ndarray:
    """The sampled part of the design: one row per sample, one column per ranged parameter (spec order)."""
    if spec.sampler == "grid":
        return np.zeros((1, 0))
    problem = _salib_problem(spec.ranges)
    design_seed = derive_seed(spec.seed, "design", spec.sampler)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec.sampler == "latin":
            from SALib.sample import latin

            x = latin.sample(problem, spec.samples, seed=design_seed)
        elif spec.sampler == "sobol":
            from SALib.sample import sobol

            x = sobol.sample(problem, spec.samples, calc_second_order=spec.second_order, seed=design_seed)
        else:
            from SALib.sample import morris

            x = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=design_seed)
    return np.asarray(x, dtype=float)


def design_size_formula(spec: SweepSpec) -> str:
    d = len(spec.ranges)
    n = spec.samples
    if spec.sampler == "sobol":
        return (f"N·(2D+2) = {n}·(2·{d}+2) = {n * (2 * d + 2)}" if spec.second_order
                else f"N·(D+2) = {n}·({d}+2) = {n * (d + 2)}")
    if spec.sampler == "morris":
        return f"N·(D+1) = {n}·({d}+1) = {n * (d + 1)}"
    if spec.sampler == "latin":
        return f"N = {n}"
    return "1"


@dataclass(frozen=True)
class Run:
    index: int
    scenario: int  # index into plan.scenarios
    world: str
    point: int
    cell: int
    sample: int
    replicate: int
    seed: int
    parameters: dict


class SweepPlan:
    """The ordered runs of a sweep, computed by index (never all materialised), and their chunks.

    Order: scenario, world, design point (grid cell, then sample), replicate. Chunk ``c`` holds runs
    ``c*chunk_size`` to ``(c+1)*chunk_size - 1``.
    """

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        self.grid_names = list(spec.grid)
        self.range_names = list(spec.ranges)
        self.cells = list(itertools.product(*spec.grid.values())) if spec.grid else [()]
        self.samples = sample_design(spec)
        self.n_samples = len(self.samples)
        self.n_points = len(self.cells) * self.n_samples
        self.n_runs = len(spec.scenarios) * len(spec.worlds) * self.n_points * spec.seeds
        self.chunk_size = spec.chunk_size or default_chunk_size(self.n_runs)
        self.n_chunks = math.ceil(self.n_runs / self.chunk_size)
        self.parameter_names = list(spec.fixed) + self.grid_names + self.range_names

    def point_parameters(self, point: int) -> tuple[int, int, dict]:
        cell, sample = divmod(point, self.n_samples)
        params = dict(self.spec.fixed)
        params.update(zip(self.grid_names, self.cells[cell]))
        params.update((n, float(v)) for n, v in zip(self.range_names, self.samples[sample]))
        return cell, sample, params

    def run(self, index: int) -> Run:
        spec = self.spec
        rest, replicate = divmod(index, spec.seeds)
        rest, point = divmod(rest, self.n_points)
        scen, w = divmod(rest, len(spec.worlds))
        world = spec.worlds[w]
        cell, sample, params = self.point_parameters(point)
        scenario_name = spec.scenarios[scen].name
        if spec.paired:
            seed = derive_seed(spec.seed, "replicate", replicate)
        else:
            seed = derive_seed(spec.seed, "run", scenario_name, world, point, replicate)
        return Run(index, scen, world, point, cell, sample, replicate, seed, params)

    def chunk(self, c: int) -> list[Run]:
        lo = c * self.chunk_size
        return [self.run(i) for i in range(lo, min(lo + self.chunk_size, self.n_runs))]

    def chunk_len(self, c: int) -> int:
        return min(self.chunk_size, self.n_runs - c * self.chunk_size)

    def describe(self) -> str:
        spec = self.spec
        parts = [f"{len(spec.scenarios)} scenario(s)", f"{len(spec.worlds)} world(s)"]
        if spec.grid:
            parts.append(f"{len(self.cells)} grid cells ({' × '.join(str(len(v)) for v in spec.grid.values())})")
        if spec.sampler != "grid":
            parts.append(f"{self.n_samples} {spec.sampler} points [{design_size_formula(spec)}, D={len(spec.ranges)}]")
        parts.append(f"{spec.seeds} seed(s) ({'paired' if spec.paired else 'independent'})")
        return (f"sweep {spec.name}: " + " × ".join(parts) + f" = {self.n_runs} runs in {self.n_chunks} chunks of "
                f"{self.chunk_size}")


def default_chunk_size(n_runs: int) -> int:
    """About 64 chunks (more for large sweeps), each of 1 to 50 runs: small enough that an interruption loses
    little (at most the chunks in flight, about 2.5 s of work each for historical runs) and that 2-32 workers
    stay busy, large enough that the per-chunk cost (a task, two Parquet files written and fsynced) stays
    near 1 % of the work. Depends only on the sweep's size, never on the executor, so that the part files do
    not either. (With ~200 chunks, 600 historical runs made 3-run chunks whose overhead was ~5 % of the work:
    docs/performance.md.)"""
    return max(1, min(50, math.ceil(n_runs / 64)))


def plan_sweep(spec_path: str | os.PathLike, model: str | None = None) -> SweepPlan:
    return SweepPlan(load_spec(spec_path, model=model))


# ----------------------------------------------------------------------------------------------------------
# The worker side: one chunk -> Parquet bytes
# ----------------------------------------------------------------------------------------------------------


@dataclass
class ChunkTask:
    chunk: int
    model: str
    runs: list[Run]
    scenario_names: list[str]
    scenario_blobs: dict[int, tuple[str, bytes]]  # scenario index -> (sha256 of the blob, pickled object)
    horizon: int | None
    summaries: list[Summary]
    steps: bool | list[str]
    parameter_names: list[str]


@dataclass
class ChunkResult:
    chunk: int
    n_runs: int
    summary: bytes
    steps: bytes | None
    seconds: float  # compute time in the worker (for the manifest, not the data)


_SCENARIO_CACHE: dict[str, Any] = {}


def _scenario(hash_: str, blob: bytes):
    obj = _SCENARIO_CACHE.get(hash_)
    if obj is None:
        if len(_SCENARIO_CACHE) > 8:
            _SCENARIO_CACHE.clear()
        obj = _SCENARIO_CACHE[hash_] = pickle.loads(blob)
    return obj


def _parquet_bytes(df: pd.DataFrame | pa.Table) -> bytes:
    table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
    # no pandas metadata: it records the pandas version, and data files must not depend on versions
    table = table.replace_schema_metadata(None)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run one chunk (in a worker) and return its tables as Parquet bytes."""
    t0 = time.perf_counter()
    backend = BACKENDS[task.model]
    rows: list[dict] = []
    steps: dict[str, list[np.ndarray]] = {}  # column -> one array per run, concatenated once per chunk
    for run in task.runs:
        h, blob = task.scenario_blobs[run.scenario]
        scenario = _scenario(h, blob)
        scen_name = task.scenario_names[run.scenario]
        try:
            obs = backend.run(scenario, run.world, run.seed, run.parameters, task.horizon)
        except Exception as exc:
            raise RunFailed(
                f"run {scen_name}/{run.world}/point {run.point}/replicate {run.replicate} (seed {run.seed}, "
                f"parameters {run.parameters}) failed: {type(exc).__name__}: {exc}"
            ) from exc
        row = {"scenario": scen_name, "world": run.world, "point": run.point, "cell": run.cell,
               "sample": run.sample, "replicate": run.replicate, "seed": run.seed}
        for name in task.parameter_names:
            row[name] = run.parameters[name]
        cols = _columns(obs)
        row.update(compute_summaries(cols, task.summaries))
        rows.append(row)
        if task.steps:
            for c in ("world", "scenario", "seed"):
                cols.pop(c, None)
            if isinstance(task.steps, list):
                missing = [c for c in task.steps if c not in cols]
                if missing:
                    raise UnknownObservable(missing[0], list(cols))
                cols = {c: cols[c] for c in [c for c in ("step", "date", "year") if c in cols and c not in task.steps]
                        + list(task.steps)}
            n = len(next(iter(cols.values())))
            key = {"scenario": np.full(n, scen_name, dtype=object), "world": np.full(n, run.world, dtype=object),
                   "point": np.full(n, run.point, dtype=np.int64), "replicate": np.full(n, run.replicate, dtype=np.int64)}
            for c, a in {**key, **cols}.items():
                steps.setdefault(c, []).append(a)
    summary = _parquet_bytes(pd.DataFrame(rows))
    steps_part = _parquet_bytes(_steps_table(steps)) if task.steps else None
    del steps, rows
    release_free_memory()
    return ChunkResult(task.chunk, len(task.runs), summary, steps_part, time.perf_counter() - t0)


def _steps_table(steps: dict[str, list[np.ndarray]]) -> pa.Table:
    """One chunk's per-step rows as an Arrow table (text columns as strings, numbers as they are)."""
    arrays = {}
    for c, parts in steps.items():
        a = np.concatenate(parts)
        arrays[c] = pa.array(a, type=pa.string()) if a.dtype.kind in "OUS" else pa.array(a)
    return pa.table(arrays)


# ----------------------------------------------------------------------------------------------------------
# The output directory
# ----------------------------------------------------------------------------------------------------------


def _part_name(c: int) -> str:
    return f"part-{c:06d}.parquet"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def committed_chunks(out: Path) -> set[int]:
    """Chunks whose summary part is on disk (a run is finished iff its row is in one of these)."""
    done = set()
    d = out / "summary"
    if d.is_dir():
        for p in d.iterdir():
            m = re.match(r"^part-(\d{6})\.parquet$", p.name)
            if m:
                done.add(int(m.group(1)))
    return done


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("mesa", "numpy", "pandas", "pyarrow", "SALib", "dask", "distributed", "PyYAML", "networkx"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def code_fingerprint() -> str:
    """SHA-256 over the model's code and data under sim/ (not the faces: CLI, dashboard, reports)."""
    h = hashlib.sha256()
    root = REPO_ROOT / "sim"
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if (not p.is_file() or "__pycache__" in rel or rel.startswith("faces/") or rel == "runs/analyze.py"
                or p.suffix not in (".py", ".csv", ".yaml", ".yml", ".json")):
            continue
        h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _git_commit() -> dict:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "sim"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10)
        return {"commit": head.stdout.strip() or None if head.returncode == 0 else None,
                "dirty": bool(dirty.stdout.strip()) if dirty.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def _sweep_hash(spec: SweepSpec) -> str:
    return hashlib.sha256(json.dumps(spec.identity(), sort_keys=True, default=str).encode()).hexdigest()


def _write_manifest(out: Path, manifest: dict) -> None:
    _atomic_write(out / "manifest.json", (json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n").encode())


def read_manifest(run_dir: str | os.PathLike) -> dict:
    p = Path(run_dir) / "manifest.json"
    if not p.is_file():
        raise SweepError(f"{run_dir}: not a sweep directory (no manifest.json)")
    return json.loads(p.read_text())


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _new_manifest(plan: SweepPlan, out: Path) -> dict:
    spec = plan.spec
    return {
        "format": FORMAT,
        "name": spec.name,
        "description": spec.description,
        "spec_path": str(spec.path),
        "spec_sha256": spec.spec_sha256,
        "sweep_hash": _sweep_hash(spec),
        "spec": spec.identity(),
        "scenarios": [{"name": s.name, "hash": s.hash, "path": s.path} for s in spec.scenarios],
        "design": {
            "sampler": spec.sampler,
            "n": spec.samples,
            "D": len(spec.ranges),
            "size_formula": design_size_formula(spec),
            "ranged": {k: [v.low, v.high] for k, v in spec.ranges.items()},
            "grid": spec.grid,
            "fixed": spec.fixed,
            "cells": len(plan.cells),
            "samples_per_cell": plan.n_samples,
            "points": plan.n_points,
            "second_order": spec.second_order,
            "levels": spec.levels,
            "problem": _salib_problem(spec.ranges) if spec.ranges else None,
        },
        "parameters": plan.parameter_names,
        "summaries": [s.text for s in spec.summaries],
        "steps": spec.steps,
        "runs": plan.n_runs,
        "chunk_size": plan.chunk_size,
        "chunks": plan.n_chunks,
        "describe": plan.describe(),
        "provenance": {"versions": _versions(), "code_fingerprint": code_fingerprint(), "git": _git_commit(),
                       "platform": platform.platform()},
        "sessions": [],
        "status": "incomplete",
        "runs_done": 0,
    }


class _DirLock:
    def __init__(self, out: Path):
        self.path = out / ".lock"
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(self.fd, 64, 0).decode(errors="replace").strip()
            os.close(self.fd)
            raise SweepError(f"another sweep (pid {other or '?'}) is writing {self.path.parent}; wait for it "
                             "or choose another --out") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _prepare_out(plan: SweepPlan, out: Path, on_code_change: str) -> dict:
    """Create the directory or check that it holds this same sweep; clean half-written files."""
    spec = plan.spec
    out.mkdir(parents=True, exist_ok=True)
    mpath = out / "manifest.json"
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise SweepError(f"{mpath}: unreadable manifest ({exc}); delete {out} to start again") from None
        if manifest.get("format") != FORMAT:
            raise SweepError(f"{out} holds something else than a {FORMAT} sweep; choose another --out")
        if manifest.get("sweep_hash") != _sweep_hash(spec):
            old, new = manifest.get("spec", {}), spec.identity()
            diff = sorted(k for k in set(old) | set(new) if json.dumps(old.get(k), default=str)
                          != json.dumps(new.get(k), default=str))
            raise SweepError(f"{out} holds a different sweep ({manifest.get('name')!r}; differs in: "
                             f"{', '.join(diff) or 'the spec'}); choose another --out or delete it")
        fp = code_fingerprint()
        if manifest["provenance"].get("code_fingerprint") != fp:
            if on_code_change == "error":
                raise SweepError(f"the model's code under sim/ changed since {out} was started, so its runs would "
                                 "mix two versions; choose another --out, delete it, or allow the code change")
            manifest["provenance"].setdefault("code_changes", []).append({"at": _now(), "code_fingerprint": fp})
    else:
        if any(p.name != ".lock" for p in out.iterdir()):
            raise SweepError(f"{out} is not empty and holds no sweep manifest; choose another --out")
        manifest = _new_manifest(plan, out)
    for sub in ("summary", "steps"):
        (out / sub).mkdir(exist_ok=True)
        for p in (out / sub).iterdir():
            if p.name.startswith(".") and ".tmp-" in p.name:
                p.unlink()  # a part that was being written when the sweep was interrupted
    # a steps part without its summary part is not committed: it will be rewritten
    return manifest


# ----------------------------------------------------------------------------------------------------------
# The driver
# ----------------------------------------------------------------------------------------------------------


def default_out(spec: SweepSpec) -> Path:
    return Path("runs") / "sweeps" / spec.name


def run_sweep(
    spec_path: str | os.PathLike,
    executor: str | cf.Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | os.PathLike | None = None,
    progress: bool = True,
    *,
    model: str | None = None,
    on_code_change: str = "error",
    command: str | None = None,
    max_chunks: int | None = None,
) -> Path:
    """Run (or finish) the sweep described by ``spec_path``; return the output directory.

    ``executor``: ``"local"`` (process pool, ``workers`` processes, default all cores), ``"dask"`` (a new
    LocalCluster of ``workers`` processes, or the scheduler at ``scheduler``), or any
    ``concurrent.futures.Executor``. ``out`` defaults to ``runs/sweeps/<name>``. Chunks already committed in
    ``out`` are not run again. ``model`` overrides the spec's model (``"toy"`` for tests);
    ``on_code_change="continue"`` resumes even though the code under sim/ changed (recorded in the manifest);
    ``max_chunks`` stops after that many new chunks (tests, trial runs). Raises :class:`SpecError`,
    :class:`SweepError` (one-line messages) or ``KeyboardInterrupt`` (after saving what finished).
    """
    from sim.runs.executors import open_executor

    plan = plan_sweep(spec_path, model=model)
    spec = plan.spec
    out = Path(out) if out is not None else default_out(spec)
    out.mkdir(parents=True, exist_ok=True)
    with _DirLock(out):
        manifest = _prepare_out(plan, out, on_code_change)
        done = committed_chunks(out)
        if spec.steps:
            done = {c for c in done if (out / "steps" / _part_name(c)).exists()}
        done = {c for c in done if c < plan.n_chunks}
        todo = [c for c in range(plan.n_chunks) if c not in done]
        if max_chunks is not None:
            todo = todo[:max_chunks]
        runs_before = sum(plan.chunk_len(c) for c in done)
        session = {"started": _now(), "command": command or " ".join(sys.argv), "executor": None,
                   "runs_before": runs_before, "runs_after": runs_before, "status": "running", "seconds": None,
                   "compute_seconds": 0.0}
        manifest["sessions"].append(session)
        _write_manifest(out, manifest)
        t0 = time.perf_counter()
        status = "failed"
        bar = _progress_bar(plan, runs_before, progress)
        try:
            if not todo:
                status = "complete"
            else:
                # keyed by the blob's own digest: a long-lived (Dask) worker caches the unpickled scenario, and
                # the same scenario cut at another horizon by another sweep must not hit that cache
                scen_blobs = {}
                for i, s in enumerate(spec.scenarios):
                    blob = pickle.dumps(s.obj, protocol=pickle.HIGHEST_PROTOCOL)
                    scen_blobs[i] = (hashlib.sha256(blob).hexdigest(), blob)
                with open_executor(executor, workers, scheduler) as handle:
                    session["executor"] = handle.description
                    _write_manifest(out, manifest)
                    session["runs_after"] = _drive(plan, out, todo, handle, scen_blobs, bar, session)
                status = "complete" if len(committed_chunks(out)) >= plan.n_chunks else "partial"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            bar.close()
            session["seconds"] = round(time.perf_counter() - t0, 3)
            session["finished"] = _now()
            session["status"] = status
            finished = committed_chunks(out)
            manifest["runs_done"] = sum(plan.chunk_len(c) for c in finished if c < plan.n_chunks)
            manifest["status"] = "complete" if manifest["runs_done"] == plan.n_runs else "incomplete"
            session["runs_after"] = manifest["runs_done"]
            _write_manifest(out, manifest)
            if status == "interrupted":
                print(f"\ninterrupted: {manifest['runs_done']} of {plan.n_runs} runs are saved in {out}; run the "
                      "same command again to finish", file=sys.stderr)
    return out


def _progress_bar(plan: SweepPlan, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=plan.n_runs, initial=initial, unit="run", desc=plan.spec.name, disable=not enabled,
                dynamic_ncols=True, smoothing=0.1, file=sys.stderr)


def _drive(plan: SweepPlan, out: Path, todo: list[int], handle, scen_blobs, bar, session) -> int:
    spec = plan.spec
    ex = handle.executor
    names = [s.name for s in spec.scenarios]
    pending = iter(todo)
    in_flight: dict[cf.Future, int] = {}
    runs_done = session["runs_before"]

    def submit_more():
        cap = 2 * handle.capacity()
        while len(in_flight) < cap:
            c = next(pending, None)
            if c is None:
                return
            runs = plan.chunk(c)
            used = {r.scenario for r in runs}
            task = ChunkTask(c, spec.model, runs, names, {i: scen_blobs[i] for i in used}, spec.horizon,
                             spec.summaries, spec.steps, plan.parameter_names)
            in_flight[ex.submit(run_chunk, task)] = c

    try:
        submit_more()
        while in_flight:
            finished, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            for fut in sorted(finished, key=lambda f: in_flight[f]):
                c = in_flight.pop(fut)
                try:
                    res: ChunkResult = fut.result()
                except UnknownObservable as exc:
                    s = next((s for s in spec.summaries if s.var == exc.name), None)
                    line = spec.summary_line(s) if s else spec.source.line(("keep",))
                    problem = exc.problem or f"unknown observable {exc.name!r}{_nearest(exc.name, exc.available)}"
                    raise SpecError(f"{spec.path}:{line}: {problem}") from None
                except RunFailed as exc:
                    raise SweepError(str(exc)) from None
                except cf.process.BrokenProcessPool:
                    raise SweepError("a worker process died (out of memory or killed); finished chunks are saved: "
                                     "run the same command again to resume") from None
                if res.steps is not None:
                    _atomic_write(out / "steps" / _part_name(c), res.steps)
                _atomic_write(out / "summary" / _part_name(c), res.summary)  # the commit
                runs_done += res.n_runs
                session["compute_seconds"] = round(session["compute_seconds"] + res.seconds, 3)
                bar.update(res.n_runs)
            submit_more()
    except BaseException:
        for fut in in_flight:
            fut.cancel()
        raise
    return runs_done


# ----------------------------------------------------------------------------------------------------------
# Reading results
# ----------------------------------------------------------------------------------------------------------


def load_results(run_dir: str | os.PathLike, table: str = "summary", columns: Sequence[str] | None = None,
                 filters=None) -> pd.DataFrame:
    """The results of a sweep as one frame, in run order (whatever order the chunks finished in).

    ``table``: ``"summary"`` (one row per run: key, seed, parameters, summaries) or ``"steps"`` (one row
    per run and quarter). Only committed parts are read, so this works on a sweep still running.
    """
    if table not in ("summary", "steps"):
        raise ValueError(f"table is 'summary' or 'steps', not {table!r}")
    d = Path(run_dir) / table
    parts = sorted(p for p in d.glob("part-*.parquet")) if d.is_dir() else []
    if not parts:
        if not (Path(run_dir) / "manifest.json").exists():
            raise SweepError(f"{run_dir}: not a sweep directory (no manifest.json)")
        return pd.DataFrame()
    if columns:
        have = pq.read_schema(parts[0]).names
        unknown = [c for c in columns if c not in have]
        if unknown:
            near = difflib.get_close_matches(unknown[0], have, n=1)
            raise SweepError(f"{run_dir}: the {table} table has no column {unknown[0]!r}"
                             + (f" (did you mean {near[0]!r}?)" if near else "")
                             + f"; it has: {', '.join(have)}")
    frames = [pq.read_table(p, columns=list(columns) if columns else None, filters=filters).to_pandas()
              for p in parts]
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------------------------------------
# python -m sim.runs.sweep SPEC  (the same as `spiral sweep`, for tests and before the CLI has it)
# ----------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m sim.runs.sweep", description="Run or resume a parameter sweep.")
    ap.add_argument("spec")
    ap.add_argument("--executor", default="local", choices=["local", "dask"])
    ap.add_argument("--workers", type=int)
    ap.add_argument("--scheduler")
    ap.add_argument("--out")
    ap.add_argument("--model", help="override the spec's model (toy, spiral)")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--dry-run", action="store_true", help="validate and describe the sweep, run nothing")
    ap.add_argument("--allow-code-change", action="store_true")
    ap.add_argument("--max-chunks", type=int)
    args = ap.parse_args(argv)
    from sim.runs.executors import ExecutorError

    try:
        if args.dry_run:
            print(plan_sweep(args.spec, model=args.model).describe())
            return 0
        out = run_sweep(args.spec, executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                        out=args.out, progress=not args.no_progress, model=args.model,
                        on_code_change="continue" if args.allow_code_change else "error",
                        command="python -m sim.runs.sweep " + " ".join(argv if argv is not None else sys.argv[1:]),
                        max_chunks=args.max_chunks)
    except (SpecError, SweepError, ExecutorError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    m = read_manifest(out)
    print(f"{m['runs_done']} of {m['runs']} runs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
