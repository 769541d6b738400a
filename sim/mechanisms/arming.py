"""M6 Arming — a Richardson reaction process (Richardson 1960, *Arms and Insecurity*).

Effort e (share of GDP) moves toward a target that rises with insecurity S and — for revisionist and
greedy types — with perceived opportunity, scaled by fiscal capacity (Chamberlain 2013), while fatigue pulls
it back to its peacetime floor:

    e* = e_floor + capacity · (r · S + r_opp · opportunity)      (bounded to [e_floor/2, max_burden])
    e' = e + λ (e* − e) − λ f (e − e_floor)

so that in Richardson's form de = k·(the rival's effort) − α·e + g the self-restraint ("fatigue") term is
α = λ(1 + f), and the reaction term k = λ ∂e*/∂e_rival.

Stability diagnostic of the two-sided linearised process: stable iff α_A·α_B > k_A·k_B (Richardson 1960).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip


def target_effort(insecurity, opportunity, capacity, floor, p: dict):
    drive = p["arming_reaction"] * np.asarray(insecurity) + p["opportunity_reaction"] * np.asarray(opportunity)
    target = floor + np.asarray(capacity) * drive
    return clip(target, 0.5 * floor, p["max_burden"])


def adjust_effort(effort, target, speed, fatigue, floor):
    """e' = e + λ(e* − e) − λ f (e − e_floor): adjustment toward the target, fatigue back to the floor."""
    return effort + speed * (target - effort) - speed * fatigue * (effort - floor)


def fatigue_term(speed, fatigue):
    """Richardson's α: the per-quarter pull of a side's effort back on itself, λ(1 + f)."""
    return speed * (1.0 + fatigue)


def reaction_term(speed, reaction, capacity, w_military, exponent, threat_base, share_other, effort_other):
    """Linearised Richardson reaction of a side's effort to the other side's effort, per quarter:
    λ · r · capacity · w_mil · a · T · (1 − s) / e_other — from e' = e + λ(e* − e), e* = floor + r·S,
    T ∝ s^a with s the other's share of the dyad's power, and a capability stock proportional to effort
    in the steady state (d ln K / d e = 1/e)."""
    return speed * reaction * capacity * w_military * exponent * threat_base * (1.0 - share_other) / np.maximum(effort_other, 1e-6)


def richardson_margin(reaction_a, reaction_b, fatigue_a, fatigue_b):
    """α_A·α_B − k_A·k_B (fatigue terms from :func:`fatigue_term`): > 0 means the arms race is stable,
    < 0 that it runs away (Richardson 1960)."""
    return fatigue_a * fatigue_b - reaction_a * reaction_b
