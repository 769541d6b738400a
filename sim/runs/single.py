"""One run of the model, as tidy pandas frames (layer 4).

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
from sim.mechanisms.security import LADDER_NAMES
from sim.model import SpiralModel
from sim.scenario import Scenario, load_scenario

TABLES = ("observables", "states", "beliefs", "events")
STATE_COLUMNS = ("alignment", "demand", "burden", "capability", "insecurity", "stance", "belief_about_russia",
                 "threat_from_russia")


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


def observable_columns(model: SpiralModel) -> dict[str, np.ndarray]:
    """The observables of a finished run as columns (step, date, year, then every model reporter): the
    arrays behind :attr:`RunResult.observables`, without building a frame (sweeps keep thousands)."""
    s, T = model.spiral_scenario, model.steps
    step, date, year = _calendar(s.start, T)
    cols = {"step": step, "date": date, "year": year}
    for name, values in model.datacollector.model_vars.items():
        text = bool(values) and isinstance(values[0], str)
        cols[name] = np.asarray(values[:T], dtype=object if text else None)
    return cols


def collect(model: SpiralModel, keep=TABLES) -> RunResult:
    """Turn a finished model into frames."""
    s = model.spiral_scenario
    T = model.steps
    ident = {"world": model.world_name, "scenario": s.name, "seed": model.seed}
    _, labels, _ = _calendar(s.start, T)
    out = RunResult()
    if "observables" in keep:
        out.observables = pd.DataFrame({**{k: [v] * T for k, v in ident.items()}, **observable_columns(model)})
    if "states" in keep:
        rs = model.rec_states
        n = model.cw.n
        exists = rs["exists"][:T].astype(bool).ravel()
        data = {**{k: np.repeat([v], T * n) for k, v in ident.items()},
                "step": np.repeat(np.arange(T), n), "date": np.repeat(labels, n),
                "iso3": np.tile(model.cw.iso3, T)}
        for col in STATE_COLUMNS:
            data[col] = rs[col][:T].ravel()
        data["tie_to_nato"] = np.array(LADDER_NAMES, dtype=object)[rs["ladder"][:T].astype(int).ravel()]
        df = pd.DataFrame(data)[exists].reset_index(drop=True)
        df["stance"] = np.where(df["stance"] > 0.5, "cooperate", "defect")
        out.states = df
    if "beliefs" in keep:
        rs = model.rec_states
        n = model.cw.n
        exists = rs["exists"][:T].astype(bool).ravel()
        about_r = pd.DataFrame({**{k: np.repeat([v], T * n) for k, v in ident.items()},
                                "step": np.repeat(np.arange(T), n), "date": np.repeat(labels, n),
                                "observer": np.tile(model.cw.iso3, T), "subject": "RUS",
                                "belief": rs["belief_about_russia"][:T].ravel()})[exists]
        about_w = pd.DataFrame({**{k: [v] * T for k, v in ident.items()}, "step": np.arange(T), "date": labels,
                                "observer": "RUS", "subject": "WEST", "belief": model.rec_belief_west[:T]})
        about_r = about_r[about_r["observer"] != "RUS"]
        out.beliefs = pd.concat([about_w, about_r], ignore_index=True).sort_values(
            ["step", "subject", "observer"], kind="stable").reset_index(drop=True)
    if "events" in keep:
        cols = ["step", "date", "kind", "actor", "target", "scripted", "cause", "event_id"]
        ev = pd.DataFrame(model.event_log, columns=cols)
        for k, v in reversed(list(ident.items())):
            ev.insert(0, k, v)
        out.events = ev
        dec = pd.DataFrame(model.decision_logliks, columns=["event_id", "step", "loglik", "yes", "members"])
        for k, v in reversed(list(ident.items())):
            dec.insert(0, k, v)
        out.decisions = dec
    return out


def run_model(scenario, world: str = "revisionist_spiral", seed: int = 0,
              parameters: dict | None = None) -> SpiralModel:
    """Build and run one model (without the Mesa network) to the end of its scenario."""
    return SpiralModel(_as_scenario(scenario), world=world, seed=seed, parameters=parameters, network=False).run()


def run_single(scenario, world: str = "revisionist_spiral", seed: int = 0, parameters: dict | None = None,
               keep=TABLES) -> RunResult:
    """Build and run one model to the end of its scenario; return the kept tables."""
    return collect(run_model(scenario, world, seed, parameters), keep)
