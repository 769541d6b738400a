"""Calibration specifications: ``experiments/calibration*.yaml`` (issue 11), read and validated.

:func:`load_calibration` reads a spec with the line-tracking YAML loader of scenarios and sweeps
(:func:`sim.scenario.yamlsafe.load_yaml`, via :func:`sim.runs.sweep.spec._load_located`); every problem is a
:class:`~sim.runs.sweep.spec.SpecError` whose message is one line, ``file:line: problem``, with the nearest
name where a name is misspelt.

What a spec fixes, the same for every world (docs/theory.md §7, "equal terms"):

- the scenario and the training window (``train_end``; anything after 2013Q4 is refused: 2014-2025 are held
  out, and the scenario is cut there, so no later quarter is even simulated);
- the worlds (the four presets, plus ``null``, the null model of :mod:`sim.runs.calibrate.null`), and models
  ``world+switch`` (:func:`sim.worlds.split_model`) — listed, or made by ``switches``: each switch crossed with
  every plain world of the list (seed 000's claims (b) and (c), the M10 modules: docs/theory.md §2, §7);
- the budget: ``draws`` prior parameter vectors × ``seeds`` seeds, identical in every world (there is no
  per-world budget to set);
- the prior (``prior``): which parameters are free (``all`` = every parameter of :data:`sim.params.PARAMETERS`
  except the switches and the type presets ``order_weight`` and ``greed``, which stay at their defaults: a
  world is a hypothesis, not a knob), each uniform on its ``[low, high]`` range, or on ``scale`` times the
  distance from the default to each end (``scale`` 0.5: a narrower prior around the defaults; 1, the
  widest, is every range in full: values outside a range are refused by sim/params.py); ``shape: arcsine``
  puts Beta(1/2, 1/2) on each interval instead of the uniform — variance 1/8 of the squared width against
  1/12, more mass near the ends: the wider prior the ranges allow (prior sensitivity, docs/calibration.md);
- fixed parameter values (``parameters``: e.g. a switch, for seed 000's claims (b) and (c));
- the design (``sampler`` sobol or lhs, ``design_seed``) and the engine's batch size (``chunk``);
- the record's features with their tolerances (``record``; one rule for every model) and the pre-registered
  held-out file (``heldout``), whose SHA-256 goes into the manifest.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.calendar import parse_quarter, quarter_label
from sim.runs.sweep.spec import TOP_KEYS as SWEEP_KEYS
from sim.runs.sweep.spec import SpecError, _Located, _load_located, _nearest
from sim.worlds import MODEL_SEP, check_switch, split_model

FORMAT = "spiral-calibration/1"
REPO_ROOT = Path(__file__).resolve().parents[3]
TRAIN_END_MAX = "2013Q4"  # the last training quarter (docs/theory.md §6): 2014 on is held out
NULL_WORLD = "null"
TYPE_PRESETS = ("order_weight", "greed")  # a type is never a free parameter (docs/theory.md §2)
SAMPLERS = ("sobol", "lhs")
# runs per engine call: on prior draws of the historical replay to 2013Q4, chunks of 256, 512 and 1024 runs cost
# the same CPU per run within the noise of the shared machine (7-9 ms), 2048 and 4096 more (cache); 512 keeps a
# chunk's loss on a kill to a few seconds (docs/performance.md, "Calibration")
DEFAULT_CHUNK = 512
MAX_CHUNK = 4096
DEFAULT_RECORD = REPO_ROOT / "sim" / "data" / "record_features_1992_2013.csv"
DEFAULT_HELDOUT = REPO_ROOT / "docs" / "heldout.md"
TOP_KEYS = ("name", "description", "scenario", "train_end", "worlds", "switches", "draws", "seeds", "design_seed", "sampler",
            "prior", "parameters", "chunk", "record", "heldout")
PRIOR_KEYS = ("only", "exclude", "scale", "shape")
PRIOR_SHAPES = ("uniform", "arcsine")


def agent_worlds() -> tuple[str, ...]:
    from sim.worlds import WORLDS

    return tuple(WORLDS)


def free_candidates() -> tuple[str, ...]:
    """The parameters a prior may free: every parameter but the switches and the type presets."""
    from sim.params import PARAMETERS, SWITCHES

    return tuple(n for n in PARAMETERS if n not in SWITCHES and n not in TYPE_PRESETS)


@dataclass
class CalibrationSpec:
    path: Path
    name: str
    description: str
    scenario_path: str          # as written in the spec
    scenario: Any               # the compiled scenario, cut at train_end (sim.scenario.until)
    scenario_full_hash: str     # content hash of the scenario before the cut
    train_end: int              # absolute quarter
    worlds: tuple[str, ...]     # in spec order; may hold NULL_WORLD
    draws: int
    seeds: int
    design_seed: int
    sampler: str
    free: tuple[str, ...]       # free parameters, in sim.params order
    bounds: dict                # name -> (low, high) of its uniform prior
    scale: float
    shape: str                  # "uniform" on each interval, or "arcsine" (Beta(1/2, 1/2): more mass at the ends)
    fixed: dict                 # name -> value for every run of every world
    chunk: int
    record: Path
    heldout: Path | None
    spec_sha256: str
    source: _Located = field(repr=False)

    @property
    def agent_worlds(self) -> tuple[str, ...]:
        return tuple(w for w in self.worlds if w != NULL_WORLD)

    @property
    def has_null(self) -> bool:
        return NULL_WORLD in self.worlds

    @property
    def runs_per_world(self) -> int:
        return self.draws * self.seeds

    @property
    def n_runs(self) -> int:
        return len(self.worlds) * self.runs_per_world

    def identity(self) -> dict:
        """Everything that decides the reference table (not the name, description, record or paths)."""
        return {"format": FORMAT, "scenario": [self.scenario.name, self.scenario.hash],
                "train_end": quarter_label(self.train_end), "worlds": list(self.worlds), "draws": self.draws,
                "seeds": self.seeds, "design_seed": self.design_seed, "sampler": self.sampler,
                "prior": {n: list(self.bounds[n]) for n in self.free}, "fixed": dict(self.fixed),
                "chunk": self.chunk, **({"prior_shape": self.shape} if self.shape != "uniform" else {})}

    def describe(self) -> str:
        w = ", ".join(self.worlds)
        return (f"calibration {self.name}: {len(self.worlds)} models ({w}) x {self.draws} draws x {self.seeds} "
                f"seeds = {self.n_runs:,} runs ({self.runs_per_world:,} per model), {len(self.free)} free "
                f"parameters (prior {self.shape}, scale {self.scale:g}, {self.sampler}), scenario {self.scenario.name} to "
                f"{quarter_label(self.train_end)}, chunks of {self.chunk}")


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _path(spec_path: Path, text: str) -> Path:
    """A path as written in a spec: relative to the spec's folder, else to the repository."""
    p = Path(text)
    if p.is_absolute():
        return p
    near = spec_path.parent / p
    return near if near.exists() else REPO_ROOT / p


def load_calibration(path: str | os.PathLike) -> CalibrationSpec:
    """Read and validate a calibration spec; raises :class:`SpecError` (one line) on any problem."""
    from sim.params import PARAMETERS, SWITCHES
    from sim.scenario import ScenarioError, load_scenario, until

    path = Path(path)
    src = _load_located(path)
    d, err = src.data, src.error
    if not isinstance(d, dict):
        raise err((), "a calibration spec is a mapping of keys (name, scenario, worlds, draws, seeds, prior, ...)")
    for key in d:
        if key not in TOP_KEYS:
            other = " — a sweep's key: run this file with 'spiral sweep'" if key in SWEEP_KEYS else ""
            raise err((key,), f"unknown key {key!r}{_nearest(key, TOP_KEYS)}{other}")

    def need(key, what):
        if key not in d:
            raise err((), f"missing required key {key!r} ({what})")
        return d[key]

    name = need("name", "a slug naming the calibration")
    if not isinstance(name, str) or not re.match(r"^[a-z0-9][a-z0-9_\-]*$", name):
        raise err(("name",), f"name must be a slug (lower-case letters, digits, '_' or '-'), not {name!r}")
    description = d.get("description", "")
    if not isinstance(description, str):
        raise err(("description",), "description must be a string")

    # scenario and training window
    scen_text = need("scenario", "a path to a scenario YAML")
    if not isinstance(scen_text, str):
        raise err(("scenario",), f"scenario is a path to a YAML file, not {scen_text!r}")
    spath = _path(path, scen_text)
    if not spath.is_file():
        raise err(("scenario",), f"scenario file not found: {scen_text} (relative to {path.parent} or the repository)")
    try:
        full = load_scenario(spath)
    except ScenarioError as exc:
        raise err(("scenario",), f"scenario {scen_text}: {exc}") from None
    te_text = d.get("train_end", TRAIN_END_MAX)
    try:
        train_end = parse_quarter(str(te_text))
    except ValueError as exc:
        raise err(("train_end",), f"train_end: {exc}") from None
    if train_end > parse_quarter(TRAIN_END_MAX):
        raise err(("train_end",), f"train_end {quarter_label(train_end)} is after {TRAIN_END_MAX}: the years from "
                                  "2014 on are held out (docs/theory.md §6) and may not reach a calibration")
    if not full.start <= train_end <= full.end:
        raise err(("train_end",), f"train_end {quarter_label(train_end)} lies outside the scenario's period "
                                  f"({quarter_label(full.start)}-{quarter_label(full.end)})")
    scenario = until(full, train_end)

    # worlds
    known = agent_worlds() + (NULL_WORLD,)
    raw = d.get("worlds", "all")
    if raw == "all":
        worlds = known
    else:
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise err(("worlds",), "the list of worlds is empty")
        out = []
        for i, w in enumerate(items):
            where = ("worlds", i) if isinstance(raw, list) else ("worlds",)
            w = NULL_WORLD if w is None else w  # YAML reads a bare `null` as nothing: the null model is meant
            if not isinstance(w, str):
                raise err(where, f"a world is a name, not {w!r}")
            base = w.split(MODEL_SEP)[0]
            if base not in known:
                raise err(where, f"unknown world {base!r}{_nearest(base, known)}; the worlds are "
                                 f"{', '.join(known)} (or 'all'; a model is world+switch)")
            if w != base:
                if base == NULL_WORLD:
                    raise err(where, "the null model takes no switches")
                try:
                    split_model(w)
                except ValueError as e:
                    raise err(where, str(e)) from None
            if w in out:
                raise err(where, f"world {w!r} is listed twice")
            out.append(w)
        worlds = tuple(out)
    # seed 000's claims and the M10 modules crossed with the worlds: each agent world alone and with each switch
    raw_sw = d.get("switches")
    if raw_sw is not None:
        items = raw_sw if isinstance(raw_sw, list) else [raw_sw]
        crossed = []
        for i, sw in enumerate(items):
            where = ("switches", i) if isinstance(raw_sw, list) else ("switches",)
            if not isinstance(sw, str) or not sw:
                raise err(where, f"a switch is a name (or switch+switch), not {sw!r}")
            try:
                for part in sw.split(MODEL_SEP):
                    check_switch(part)
            except ValueError as e:
                raise err(where, str(e)) from None
            if sw in crossed:
                raise err(where, f"switch {sw!r} is listed twice")
            crossed.append(sw)
        plain = [w for w in worlds if w != NULL_WORLD and MODEL_SEP not in w]
        extra = [f"{w}{MODEL_SEP}{sw}" for sw in crossed for w in plain]
        worlds = tuple(w for w in worlds if w != NULL_WORLD) + tuple(x for x in extra if x not in worlds) + (
            (NULL_WORLD,) if NULL_WORLD in worlds else ())

    # budget: one for every world
    draws = need("draws", "prior parameter draws, the same in every world")
    if not _whole(draws) or draws < 1:
        raise err(("draws",), f"draws must be a positive whole number, not {draws!r}")
    seeds = need("seeds", "seeds per draw, the same in every world")
    if not _whole(seeds) or seeds < 1:
        raise err(("seeds",), f"seeds must be a positive whole number, not {seeds!r}")
    design_seed = need("design_seed", "the seed of the prior design and of the runs' seeds")
    if not _whole(design_seed) or design_seed < 0:
        raise err(("design_seed",), f"design_seed must be a non-negative whole number, not {design_seed!r}")
    sampler = d.get("sampler", "sobol")
    if sampler not in SAMPLERS:
        raise err(("sampler",), f"unknown sampler {sampler!r}{_nearest(str(sampler), SAMPLERS)}; choose one of "
                                f"{', '.join(SAMPLERS)}")

    # fixed parameters
    fixed_raw = d.get("parameters", {}) or {}
    if not isinstance(fixed_raw, dict):
        raise err(("parameters",), "parameters is a mapping: name -> one value for every run of every world")
    fixed = {}
    for pname, v in fixed_raw.items():
        where = ("parameters", pname)
        if pname not in PARAMETERS:
            raise err(where, f"unknown parameter {pname!r}{_nearest(pname, list(PARAMETERS))}")
        if not _number(v):
            raise err(where, f"parameter {pname!r} takes a number, not {v!r}")
        info = PARAMETERS[pname]
        if pname in SWITCHES and v not in (0, 1):
            raise err(where, f"parameter {pname!r} is a switch: 0 or 1, not {v!r}")
        if pname not in SWITCHES and not info.low <= v <= info.high:
            raise err(where, f"{pname} = {v} is outside its range [{info.low}, {info.high}]")
        fixed[pname] = float(v)

    # prior
    candidates = free_candidates()
    praw = need("prior", "'all', or {only: [...], exclude: [...], scale: 1.0}")
    only = exclude = None
    scale, shape = 1.0, "uniform"
    if praw == "all":
        pass
    elif isinstance(praw, dict):
        for k in praw:
            if k not in PRIOR_KEYS:
                raise err(("prior", k), f"unknown key {k!r} in prior{_nearest(k, PRIOR_KEYS)}; a prior is 'all' "
                                        "or {only: [...], exclude: [...], scale: 1.0}")
        if "only" in praw and "exclude" in praw:
            raise err(("prior", "exclude"), "give either 'only' or 'exclude' in prior, not both")
        for k in ("only", "exclude"):
            if k in praw:
                lst = praw[k]
                if not isinstance(lst, list) or not lst:
                    raise err(("prior", k), f"prior.{k} is a non-empty list of parameter names")
                for i, pname in enumerate(lst):
                    where = ("prior", k, i)
                    if pname in TYPE_PRESETS:
                        raise err(where, f"{pname!r} sets a type preset: a type is never a free parameter "
                                         "(docs/theory.md §2)")
                    if pname in SWITCHES:
                        raise err(where, f"{pname!r} is a switch, not a free parameter: fix it under 'parameters'")
                    if pname not in PARAMETERS:
                        raise err(where, f"unknown parameter {pname!r}{_nearest(str(pname), candidates)}")
                    if lst.count(pname) > 1:
                        raise err(where, f"parameter {pname!r} is listed twice")
                if k == "only":
                    only = list(lst)
                else:
                    exclude = list(lst)
        scale = praw.get("scale", 1.0)
        if not _number(scale) or scale <= 0:
            raise err(("prior", "scale"), f"prior.scale must be a positive number, not {scale!r}")
        if scale > 1:
            raise err(("prior", "scale"), f"prior.scale {scale} would reach outside the parameters' plausible "
                                          "ranges, which sim/params.py refuses: scale 1 is the widest prior (every "
                                          "range in full); a narrower one is a scale below 1")
        scale = float(scale)
        shape = praw.get("shape", "uniform")
        if shape not in PRIOR_SHAPES:
            raise err(("prior", "shape"), f"prior.shape is one of {', '.join(PRIOR_SHAPES)}, not {shape!r}"
                                          f"{_nearest(str(shape), PRIOR_SHAPES)}")
    else:
        raise err(("prior",), "prior is 'all' or a mapping {only: [...], exclude: [...], scale: 1.0}")
    free = tuple(n for n in candidates if (only is None or n in only) and (exclude is None or n not in exclude))
    for w in worlds:
        clash = [n for n in (split_model(w)[1] if w != NULL_WORLD else {}) if n in fixed]
        if clash:
            raise err(("parameters", clash[0]), f"switch {clash[0]!r} is fixed here and set by model {w!r}: "
                                                "drop one of them")
    both = [n for n in free if n in fixed]
    if both:
        raise err(("parameters", both[0]), f"parameter {both[0]!r} is fixed here and free in the prior: "
                                           "exclude it from the prior or drop the fixed value")
    if not free:
        raise err(("prior",), "the prior frees no parameter")
    bounds = {}
    for n in free:
        info = PARAMETERS[n]
        lo = info.default - scale * (info.default - info.low)
        hi = info.default + scale * (info.high - info.default)
        bounds[n] = (float(lo), float(hi))  # (scale <= 1: inside the range)

    chunk = d.get("chunk", DEFAULT_CHUNK)
    if not _whole(chunk) or not 1 <= chunk <= MAX_CHUNK:
        raise err(("chunk",), f"chunk must be a whole number from 1 to {MAX_CHUNK}, not {chunk!r}")

    record = DEFAULT_RECORD
    if "record" in d:
        if not isinstance(d["record"], str):
            raise err(("record",), "record is a path to the record's features (CSV: feature, value, tolerance, source)")
        record = _path(path, d["record"])
    if not record.is_file():
        raise err(("record",), f"record features not found: {record}")
    heldout = DEFAULT_HELDOUT
    if "heldout" in d:
        if not isinstance(d["heldout"], str):
            raise err(("heldout",), "heldout is a path to the pre-registration (docs/heldout.md)")
        heldout = _path(path, d["heldout"])

    return CalibrationSpec(
        path=path, name=name, description=description.strip(), scenario_path=scen_text, scenario=scenario,
        scenario_full_hash=full.hash,
        train_end=train_end, worlds=worlds, draws=draws, seeds=seeds, design_seed=design_seed, sampler=sampler,
        free=free, bounds=bounds, scale=scale, shape=shape, fixed=fixed, chunk=chunk, record=record,
        heldout=heldout if heldout.is_file() else None,
        spec_sha256=hashlib.sha256(path.read_bytes()).hexdigest(), source=src)


__all__ = ["CalibrationSpec", "DEFAULT_CHUNK", "FORMAT", "NULL_WORLD", "SpecError", "TRAIN_END_MAX", "TYPE_PRESETS",
           "free_candidates", "load_calibration"]
