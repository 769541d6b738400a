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


def pressure(stake, importance, regime_memory, greed, protection, in_sphere, frozen, balance, p: dict):
    """Pressure per state (0 outside Russia's sphere). A frozen conflict already holds the target.

    stake·importance (the loss Russia can still prevent: security) + ``regime_pressure``·regime memory·
    importance (Western-backed regime change) + ``greed_pressure``·greed·importance·opportunity, where the
    opportunity is the target's weakness: unprotected (1 − protection) and Russia's share of the local
    ``balance`` — a greedy type presses where it can gain (Glaser 2010), not everywhere at once."""
    opportunity = (1.0 - protection) * balance
    raw = (stake * importance + p["regime_pressure"] * regime_memory * importance
           + p["greed_pressure"] * greed * importance * opportunity)
    return raw * in_sphere * (1.0 - frozen)


def local_balance(russia_power, target_power, protection, nato_power):
    """Russia's share of the local balance against the target and whatever protects it now."""
    defence = target_power + protection * nato_power
    return russia_power / (russia_power + defence)


def coercion_instrument(energy_dependence: float, is_member: bool, dependence_threshold: float = 0.5) -> str:
    """The instrument: cyber against members; an energy cut-off where the target depends on Russian gas for at
    least half its supply, otherwise an embargo (Chamberlain 2013, ch. III–IV)."""
    if is_member:
        return "cyber"
    return "energy_cutoff" if energy_dependence >= dependence_threshold else "embargo"


def force_possible(capacity, balance_k, protection_k, quarters_since_force, p: dict):
    """The conditions under which force is open to Russia at all: capacity, the local balance, no Article 5
    protection, the refractory period passed. Public: an observer can check them too (M4)."""
    return ((capacity >= p["force_capacity_min"]) & (balance_k >= p["force_balance_min"])
            & (protection_k < p["force_protection_max"]) & (quarters_since_force >= p["refractory_quarters"]))


def force_decision(pressure_k, threshold, noise, possible):
    """Boolean per state: does Russia use force against it now? (``pressure_k`` net of the cost of force,
    which scales with the target's size: a larger target means a larger war — docs/theory.md §9; the
    threshold is drawn once per run; ``noise`` is this quarter's decision noise)."""
    return (pressure_k + noise >= threshold) & possible


def coercion_possible(capacity, active, p: dict):
    """Coercion needs some capacity (``coercion_capacity_min``) and is not already under way."""
    return (capacity >= p["coercion_capacity_min"]) & ~active


def coercion_decision(pressure_k, threshold, noise, possible):
    """Coercion starts when pressure (plus decision noise) crosses the threshold."""
    return (pressure_k + noise >= threshold) & possible


def decay(x, half_life_quarters):
    return x * 0.5 ** (1.0 / np.maximum(half_life_quarters, 1e-9))


def act_signal(force_signal, size, closeness):
    """Harm every observer reads into a Russian use of force (``size`` = 1 + the target's importance) or
    coercion (``size`` = ``coercion_share``): it scales with the size of the act and with how close the target
    lies to the observer's core (docs/theory.md §4 (M9): consequences feed back; §9: threat scales with the force)."""
    return force_signal * size * (0.5 + 0.5 * closeness)


def offense_after_force(force_memory, force_offense):
    """Russia's offense posture as others perceive it: raised by a recent use of force (decaying memory)."""
    return 1.0 + force_offense * force_memory
