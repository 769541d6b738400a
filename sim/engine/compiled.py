"""A scenario turned into arrays once (cached by its hash): the static world the engine runs on.

No simulation logic: quarterly GDP and existence matrices, the border matrix, indices of the great
powers, masks for Europe and Russia's sphere, and the events grouped by step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.mechanisms.capacity import extend_path, interpolate_path
from sim.mechanisms.randomness import key_of
from sim.mechanisms.threat import core_weights
from sim.scenario.schema import Scenario

NON_EUROPEAN = ("RUS", "USA", "CAN")


@dataclass(frozen=True)
class CompiledWorld:
    scenario: Scenario
    n: int
    iso3: tuple[str, ...]
    index: dict
    agent_keys: np.ndarray        # stable per-state keys for random streams
    positions: np.ndarray         # [N, 2] lon, lat
    rus: int
    usa: int
    european: np.ndarray          # [N] float mask
    in_sphere: np.ndarray         # [N] float mask (Russia's claimed sphere)
    sphere_idx: np.ndarray        # indices of the claimed states
    importance: np.ndarray
    energy_dependence: np.ndarray
    exists: np.ndarray            # [T, N] bool
    gdp: np.ndarray               # [T, N] real GDP, bn 2021 international $ (PPP): the exogenous path, before damage
    us_burden: np.ndarray | None  # [T] share of GDP, or None (then the US arms endogenously)
    border_km: np.ndarray         # [N, N]
    core_weight: np.ndarray       # [N, N]
    neighbours: np.ndarray        # [N, N] bool (land or sea border)
    border_weighted: np.ndarray   # [N, N] border_km * core_weight (M2 exposure weights)
    neighbour_count: np.ndarray   # [N] number of neighbours (at least 1)
    events_by_step: dict          # step -> tuple of EventSpec (unconditional)
    conditional: tuple            # EventSpec with requires


@lru_cache(maxsize=32)
def _compile(scenario: Scenario) -> CompiledWorld:
    s = scenario
    iso3 = s.iso3s
    n = len(iso3)
    index = {c: i for i, c in enumerate(iso3)}
    quarters = np.arange(s.start, s.end + 1)
    T = len(quarters)
    exists = np.ones((T, n), dtype=bool)
    gdp = np.zeros((T, n))
    for i, st in enumerate(s.states):
        if st.exists_from is not None:
            exists[quarters < st.exists_from, i] = False
        if st.exists_until is not None:
            exists[quarters > st.exists_until, i] = False
        path = s.gdp_paths.get(st.iso3)
        if path and st.iso3 in s.gdp_trend:  # rule T1: the pre-2014 trend continues the path (docs/economy.md)
            path = extend_path(dict(path), s.gdp_trend[st.iso3], s.end // 4 + 1)
        gdp[:, i] = interpolate_path(dict(path), quarters) if path else st.gdp
    us = next(i for i, st in enumerate(s.states) if st.role == "leader")
    rus = next(i for i, st in enumerate(s.states) if st.role == "russia")
    us_path = s.burden_paths.get(iso3[us])
    us_burden = interpolate_path(dict(us_path), quarters) / 100.0 if us_path else None

    km = np.zeros((n, n))
    for b in s.borders:
        i, j = index[b.a], index[b.b]
        km[i, j] = km[j, i] = km[i, j] + b.km
    positions = np.array([st.position for st in s.states], dtype=float)
    sphere = np.zeros(n)
    for member in s.spheres.get(iso3[rus], ()):
        sphere[index[member]] = 1.0
    european = np.array([0.0 if c in NON_EUROPEAN else 1.0 for c in iso3])

    by_step: dict[int, list] = {}
    conditional = []
    for e in s.events:
        if e.requires is not None:
            conditional.append(e)
        else:
            by_step.setdefault(e.date - s.start, []).append(e)
    return CompiledWorld(
        scenario=s, n=n, iso3=iso3, index=index,
        agent_keys=np.array([key_of(c) for c in iso3], dtype=np.uint64),
        positions=positions, rus=rus, usa=us, european=european, in_sphere=sphere,
        sphere_idx=np.flatnonzero(sphere),
        importance=np.array([st.importance_to_russia for st in s.states]),
        energy_dependence=np.array([st.energy_dependence for st in s.states]),
        exists=exists, gdp=gdp, us_burden=us_burden, border_km=km, core_weight=core_weights(positions),
        neighbours=km > 0, border_weighted=km * core_weights(positions),
        neighbour_count=np.maximum((km > 0).sum(axis=1), 1).astype(float), events_by_step={k: tuple(v) for k, v in by_step.items()},
        conditional=tuple(conditional),
    )


def compile_world(scenario: Scenario) -> CompiledWorld:
    return _compile(scenario)
