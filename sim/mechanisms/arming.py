"""M6 Arming — a Richardson reaction process (Richardson 1960, *Arms and Insecurity*).

Effort e (share of GDP) moves toward a target that rises with insecurity and — for revisionist and greedy
types — with perceived opportunity, falls with cost (fiscal capacity, Chamberlain 2013) and fatigue:

    e* = e_floor + capacity · (r · S + r_opp · opportunity) / (1 + f · max(0, S − 1))   (bounded to [e_floor/2, 0.15])

(fiscal capacity limits the insecurity-driven part of the effort, not the peacetime floor)
    e' = e + λ (e* − e)

Stability diagnostic of the two-sided linearised process: stable iff the product of fatigue terms exceeds
the product of reaction terms (Richardson 1960).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip


def target_effort(insecurity, opportunity, capacity, floor, p: dict):
    drive = p["arming_reaction"] * np.asarray(insecurity) + p["opportunity_reaction"] * np.asarray(opportunity)
    drive = drive / (1.0 + p["arming_fatigue"] * np.maximum(0.0, np.asarray(insecurity) - 1.0))
    target = floor + np.asarray(capacity) * drive
    return clip(target, 0.5 * floor, 0.15)


def adjust_effort(effort, target, speed):
    return effort + speed * (target - effort)


def reaction_term(speed, reaction, capacity, w_military, exponent, threat_base, share_other, effort_other):
    """Linearised Richardson reaction of a side's effort to the other side's effort, per quarter:
    λ · r · capacity · w_mil · a · T · (1 − s) / e_other — from e' = e + λ(e* − e), e* = floor + r·S,
    T ∝ s^a with s the other's share of the dyad's power, and a capability stock proportional to effort
    in the steady state (d ln K / d e = 1/e)."""
    return speed * reaction * capacity * w_military * exponent * threat_base * (1.0 - share_other) / np.maximum(effort_other, 1e-6)


def richardson_margin(reaction_a, reaction_b, fatigue_a, fatigue_b):
    """fatigue_a·fatigue_b − reaction_a·reaction_b: > 0 means the arms race is stable."""
    return fatigue_a * fatigue_b - reaction_a * reaction_b
