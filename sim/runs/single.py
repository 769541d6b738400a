"""Runs of the model as tidy pandas frames (layer 5). Every run goes through the batched engine
(:func:`sim.engine.simulate`); one run is a batch of one.

>>> from sim.runs.single import run_single
>>> result = run_single("scenarios/historical.yaml", "revisionist_spiral", seed=1)
>>> result.observables[["date", "tension", "regime"]]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calendar import quarter_label
from sim.engine import BatchResult, simulate
from sim.engine.record import DECISION_COLUMNS, OBSERVABLES
from sim.mechanisms.observables import REGIMES
from sim.mechanisms.security import LADDER_NAMES
from sim.scenario import Scenario, load_scenario

TABLES = ("observables", "states", "beliefs", "events")
STATE_COLUMNS = ("alignment", "demand", "burden", "capability", "insecurity", "stance", "belief_about_russia",
                 "threat_from_russia")
_REGIME_NAMES = np.array(REGIMES, dtype=object)
_LADDER_NAMES = np.array(LADDER_NAMES, dtype=object)


@dataclass
class RunResult:
    observables: pd.DataFrame | None = None
    states: pd.DataFrame | None = None
    beliefs: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    decisions: pd.DataFrame | None = None

    def table(self, name: str) -> pd.DataFrame | None:
        return getattr(self, name)


def _as_scenario(scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario))


@lru_cache(maxsize=64)
def _calendar(start: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """step, date label and decimal year of n quarters from ``start`` (shared, read-only)."""
    out = (np.arange(n), np.array([quarter_label(start + k) for k in range(n)], dtype=object),
           (start + np.arange(n)) / 4.0)
    for a in out:
        a.flags.writeable = False
    return out


def observable_columns(res: BatchResult, r: int = 0) -> dict[str, np.ndarray]:
    """The observables of run ``r`` of a batch as columns (step, date, year, then every observable): the
    arrays behind :attr:`RunResult.observables`, without building a frame (sweeps keep thousands)."""
    step, date, year = _calendar(res.scenario.start, res.steps)
    cols = {"step": step, "date": date, "year": year}
    for name in OBSERVABLES:
        v = res.observables[name][r]
        cols[name] = _REGIME_NAMES[v] if name == "regime" else v
    return cols


def _ident(res: BatchResult, repeat: int) -> dict[str, np.ndarray]:
    """world, scenario and seed columns for ``repeat`` rows per run."""
    return {"world": np.repeat(np.array(res.worlds, dtype=object), repeat),
            "scenario": np.full(res.R * repeat, res.scenario.name, dtype=object),
            "seed": np.repeat(res.seeds, repeat)}


def frames(res: BatchResult, keep=TABLES) -> RunResult:
    """All runs of a batch as frames, run after run (in the batch's order), built column-wise."""
    R, T = res.R, res.steps
    n = len(res.iso3)
    step, labels, year = _calendar(res.scenario.start, T)
    out = RunResult()
    if "observables" in keep:
        data = {**_ident(res, T), "step": np.tile(step, R), "date": np.tile(labels, R), "year": np.tile(year, R)}
        for name in OBSERVABLES:
            v = res.observables[name].ravel()
            data[name] = _REGIME_NAMES[v] if name == "regime" else v
        out.observables = pd.DataFrame(data)
    if ("states" in keep or "beliefs" in keep) and res.states is None:
        raise ValueError("this batch kept no per-state tables (keep_states=False)")
    for name, table in (state_tables(res, keep) if res.states is not None else {}).items():
        setattr(out, name, table.to_pandas())
    if "events" in keep:
        ev = res.events
        runs = ev["run"]
        ident = _ident(res, 1)
        out.events = pd.DataFrame({"world": ident["world"][runs], "scenario": res.scenario.name,
                                   "seed": ident["seed"][runs], "step": ev["step"],
                                   "date": labels[ev["step"]] if len(runs) else np.array([], dtype=object),
                                   **{c: ev[c] for c in ("kind", "actor", "target", "scripted", "cause", "event_id")}})
        dec = res.decisions
        runs = dec["run"]
        out.decisions = pd.DataFrame({"world": ident["world"][runs], "scenario": res.scenario.name,
                                      "seed": ident["seed"][runs],
                                      **{c: dec[c] for c in DECISION_COLUMNS if c != "run"}})
    return out


def _strings(codes, names) -> "pa.Array":
    """A string column from integer codes into ``names`` (built in Arrow, no Python string per row)."""
    import pyarrow as pa
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                          pa.array(list(names), pa.string())).cast(pa.string())


def state_tables(res: BatchResult, keep=("states", "beliefs")) -> dict:
    """The per-state tables of a batch (``states``: one row per run, quarter and existing state;
    ``beliefs``: every observer's belief about Russia and Russia's about the West) as Arrow tables, run after
    run. Built from codes column by column: the large tables of a many-run command cost little."""
    import pyarrow as pa
    R, T, n = res.R, res.steps, len(res.iso3)
    step, labels, _ = _calendar(res.scenario.start, T)
    worlds = list(dict.fromkeys(res.worlds))
    world_code = np.array([worlds.index(w) for w in res.worlds])
    out = {}
    exists = res.states["exists"].astype(bool)  # [R, T, N]
    if "states" in keep:
        run, k, i = np.nonzero(exists)
        cols = {"world": _strings(world_code[run], worlds), "scenario": _strings(np.zeros(len(run)), [res.scenario.name]),
                "seed": pa.array(res.seeds[run]), "step": pa.array(step[k]), "date": _strings(k, labels),
                "iso3": _strings(i, res.iso3)}
        for col in STATE_COLUMNS:
            v = res.states[col][run, k, i].astype(float)
            cols[col] = _strings(v > 0.5, ("defect", "cooperate")) if col == "stance" else pa.array(v)
        cols["tie_to_nato"] = _strings(res.states["ladder"][run, k, i], LADDER_NAMES)
        out["states"] = pa.table(cols)
    if "beliefs" in keep:
        rus = res.iso3.index("RUS")
        order = np.argsort(np.array(res.iso3), kind="stable")  # observers by name within a quarter
        ex = exists[:, :, order].copy()
        ex[:, :, np.flatnonzero(order == rus)] = False
        # per quarter: the observers' beliefs about Russia (by name), then Russia's about the West
        m = np.concatenate([ex, np.ones((R, T, 1), dtype=bool)], axis=2)
        run, k, j = np.nonzero(m)
        about_west = j == n
        values = np.concatenate([res.states["belief_about_russia"][:, :, order], res.belief_west[:, :, None]],
                                axis=2)[run, k, j]
        observers = [res.iso3[o] for o in order] + ["RUS"]
        out["beliefs"] = pa.table({"world": _strings(world_code[run], worlds),
                                   "scenario": _strings(np.zeros(len(run)), [res.scenario.name]),
                                   "seed": pa.array(res.seeds[run]), "step": pa.array(step[k]),
                                   "date": _strings(k, labels), "observer": _strings(j, observers),
                                   "subject": _strings(about_west, ("RUS", "WEST")), "belief": pa.array(values)})
    return out


def run_batch(scenario, worlds, seeds, parameters=None, keep=TABLES) -> RunResult:
    """Run a batch (worlds and parameters: one for all or one per seed) and return its frames."""
    need_states = "states" in keep or "beliefs" in keep
    return frames(simulate(_as_scenario(scenario), worlds, seeds, parameters, keep_states=need_states), keep)


def run_batch_for_store(scenario, worlds, seeds, parameters=None, keep=TABLES) -> tuple[RunResult, dict]:
    """Like :func:`run_batch`, but the per-state tables come as Arrow tables (for writing), not frames."""
    need_states = "states" in keep or "beliefs" in keep
    res = simulate(_as_scenario(scenario), worlds, seeds, parameters, keep_states=need_states)
    return frames(res, tuple(t for t in keep if t not in ("states", "beliefs"))), (
        state_tables(res, keep) if need_states else {})


def run_model(scenario, world: str = "revisionist_spiral", seed: int = 0, parameters: dict | None = None):
    """Build and run one :class:`~sim.model.SpiralModel` (without the Mesa network) to the end of its
    scenario — the Mesa face; :func:`run_single` gives the same run as frames."""
    from sim.model import SpiralModel
    return SpiralModel(_as_scenario(scenario), world=world, seed=seed, parameters=parameters, network=False).run()


def run_single(scenario, world: str = "revisionist_spiral", seed: int = 0, parameters: dict | None = None,
               keep=TABLES) -> RunResult:
    """Run one run to the end of its scenario; return the kept tables."""
    return run_batch(scenario, world, [seed], parameters, keep)
