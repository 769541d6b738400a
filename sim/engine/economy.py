"""The economy of a batch of runs, one quarter on (M1; docs/economy.md): damage, GDP, fiscal capacity and
capability. Called once per quarter by :func:`sim.engine.step.evolve`, after the quarter's decisions.

GDP is the scenario's exogenous real path (PPP; for Russia and its claimed sphere after 2013 the pre-2014
trend, rule T1) times what the modelled acts have not destroyed: a use of force this quarter
(``s.force_target``) hurts its target's output (and, by ``force_gdp_cost_attacker``, Russia's); sanctions in
force (``s.sanctions``, 0..1) hurt the sanctioned state's; the damage recovers with a half-life. Fiscal
capacity is measured on this GDP, and capability accumulates real spending e·Y.
"""

from __future__ import annotations

import numpy as np

from sim.engine.state import Batch, State
from sim.mechanisms import capacity


def force_hits(b: Batch, s: State) -> np.ndarray:
    """``[R, N]`` share of GDP a use of force destroys this quarter: ``force_gdp_damage`` for the state Russia
    used force against, ``force_gdp_cost_attacker`` for Russia in the same runs, 0 elsewhere."""
    hit = np.zeros_like(s.gdp)
    rows = np.flatnonzero(s.force_target >= 0)
    if len(rows):
        hit[rows, s.force_target[rows]] = b.pr["force_gdp_damage"][rows]
        hit[rows, b.cw.rus] = b.pr["force_gdp_cost_attacker"][rows]
    return hit


def evolve_economy(b: Batch, s: State, k: int) -> None:
    """Damage, GDP, the fiscal reference (``s.gdp_peak``), fiscal capacity and capability of every run after
    quarter ``k``."""
    cw, ps = b.cw, b.ps
    s.gdp_damage = np.where(s.exists, capacity.gdp_damage(s.gdp_damage, force_hits(b, s), s.sanctions,
                                                          ps["sanctions_gdp_cost"], ps["gdp_damage_half_life"]),
                            0.0)
    s.gdp = cw.gdp[k][None, :] * (1.0 - s.gdp_damage)
    s.gdp_peak = capacity.fiscal_reference(s.gdp_peak, s.gdp, ps["fiscal_reference_years"])
    s.capacity = capacity.fiscal_capacity(s.capacity, s.gdp, s.gdp_peak, ps["fiscal_memory"])
    s.capability = capacity.accumulate(s.capability, s.effort, s.gdp, ps["depreciation"])
