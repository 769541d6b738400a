"""M9 Coercion in the sphere (Chamberlain 2013, ch. II, “Realism”; docs/theory.md §4 (M9) and §9).

Russia's pressure on a claimed state k is its stake there — the loss it can still prevent,
max(0, expected loss − protection) — weighted by k's importance, plus recent Western-backed regime change
in k, plus greed (a greedy type values control beyond what security needs). Triggers read only the
*state of the world* (ties, pledges, regime, alignment), never which event produced it.

- coercion short of force (energy cut-off where k depends on Russian gas, otherwise an embargo; cyber
  against members) when pressure ≥ the coercion threshold and Russia has the capacity;
- force when pressure ≥ a threshold drawn once per run, capacity allows, the local balance favours Russia,
  k is not protected by Article 5, and no use of force happened within the refractory period. Force
  leaves a frozen conflict that blocks k's prospects and decays (docs/theory.md §9).
"""

from __future__ import annotations

import numpy as np


def pressure(stake, importance, regime_memory, greed, protection, in_sphere, frozen):
    """Pressure per state (0 outside Russia's sphere). A frozen conflict already holds the target."""
    raw = stake * importance + 0.25 * regime_memory * importance + greed * importance * (1.0 - protection) * 0.3
    return raw * in_sphere * (1.0 - frozen)


def local_balance(russia_power, target_power, protection, nato_power):
    """Russia's share of the local balance against the target and whatever protects it now."""
    defence = target_power + protection * nato_power
    return russia_power / (russia_power + defence)


def coercion_instrument(energy_dependence: float, is_member: bool) -> str:
    if is_member:
        return "cyber"
    return "energy_cutoff" if energy_dependence >= 0.5 else "embargo"


def force_decision(pressure_k, threshold, capacity, capacity_min, balance_k, protection_k, quarters_since_force,
                   refractory):
    """Boolean per state: does Russia use force against it now? (``pressure_k`` net of the cost of force,
    which scales with the target's size: a larger target means a larger war — docs/theory.md §9)"""
    return ((pressure_k >= threshold) & (capacity >= capacity_min) & (balance_k >= 0.6)
            & (protection_k < 0.5) & (quarters_since_force >= refractory))


def coercion_decision(pressure_k, threshold, capacity, active):
    """Coercion starts when pressure crosses the threshold (with half the capacity needed for force)."""
    return (pressure_k >= threshold) & (capacity >= 0.3) & ~active


def decay(x, half_life_quarters):
    return x * 0.5 ** (1.0 / np.maximum(half_life_quarters, 1e-9))


COERCION_SHARE = 0.3  # coercion short of force is read as this share of a use of force


def act_signal(force_signal, size, closeness):
    """Harm every observer reads into a Russian use of force (``size`` = 1 + the target's importance) or
    coercion (``size`` = COERCION_SHARE): it scales with the size of the act and with how close the target
    lies to the observer's core (docs/theory.md §4 (M9): consequences feed back; §9: threat scales with the force)."""
    return force_signal * size * (0.5 + 0.5 * closeness)


def offense_after_force(force_memory):
    """Russia's offense posture as others perceive it: raised by a recent use of force (decaying memory)."""
    return 1.0 + 0.5 * force_memory
