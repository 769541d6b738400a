"""M3 Broad security (Sushentsov & Wohlforth 2020) and the ladder of Western ties.

S_i = w_mil·T_i + w_status·StatusGap_i + w_sphere·SphereLoss_i + w_regime·RegimeThreat_i

StatusGap = C·(1 − voice) for a great power outside NATO (exclusion from the body that governs European
security); SphereLoss = the importance-weighted Western drift of the states i claims; RegimeThreat =
Western-backed regime change near i (Chamberlain 2013: colour revolutions). The weights are shared by every world;
``territorial_only`` sets the last three to zero. The C-driven (status) and proximity-driven (military)
parts are reported apart (docs/theory.md §2 claim b).

Ladder of ties to NATO and its weights (docs/theory.md §9 "stakes versus protection"): the expected loss to
Russia rises along partner → aspirant → pledged → MAP → invited → member; protection is what commitments
give *now* — almost nothing for a pledge, Article 5 for a member. A pledge without a MAP raises the stake
without protection; a member is no longer a target. These values are world data, listed in docs/model.md
and stress-tested like parameters.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip

# ladder levels
NONE, PARTNER, ASPIRANT, PLEDGED, MAP, INVITED, MEMBER = range(7)
LADDER_NAMES = ("none", "partner", "aspirant", "pledged", "map", "invited", "member")
EXPECTED_LOSS = np.array([0.0, 0.15, 0.35, 0.6, 0.7, 0.9, 1.0])
PROTECTION = np.array([0.0, 0.0, 0.0, 0.05, 0.25, 0.5, 1.0])
# weight of each level in NATO's coverage of Europe (centrality), and in expected membership
COVERAGE = np.array([0.0, 0.2, 0.25, 0.4, 0.5, 0.85, 1.0])
# EU ties: association, membership (Chamberlain 2013: the Ukraine association agreement set off the Maidan)
EU_LOSS = np.array([0.0, 0.3, 0.45])


def status_gap(centrality, voice):
    """C·(1 − voice): exclusion from the body that governs European security (Sushentsov & Wohlforth 2020, Steinel 2007)."""
    return centrality * (1.0 - voice)


def western_drift(ladder: np.ndarray, eu_level: np.ndarray, alignment: np.ndarray) -> np.ndarray:
    """How far each state has moved West: its strongest tie, or its alignment, whichever is larger."""
    ties = np.maximum(EXPECTED_LOSS[ladder], EU_LOSS[eu_level])
    return np.maximum(ties, clip(alignment, 0.0, 1.0) * 0.5)


def stakes(ladder: np.ndarray, eu_level: np.ndarray, alignment: np.ndarray) -> np.ndarray:
    """The loss Russia can still prevent in each state: max(0, expected loss − protection) (docs/theory.md §9)."""
    return np.maximum(0.0, western_drift(ladder, eu_level, alignment) - PROTECTION[ladder])


def sphere_loss(drift, importance, in_sphere, exists):
    """Importance-weighted mean Western drift of the states Russia claims (Chamberlain 2013, ch. II, “Realism”; Sushentsov & Wohlforth 2020)."""
    w = importance * in_sphere * exists
    total = w.sum(axis=-1)
    return np.where(total > 0, (w * drift).sum(axis=-1) / np.where(total > 0, total, 1.0), 0.0)


def regime_threat(regime_memory, importance, in_sphere):
    """Western-backed regime change near Russia, weighted by importance, saturating at 1 (Chamberlain 2013)."""
    return np.minimum(1.0, (regime_memory * importance * in_sphere).sum(axis=-1))


def insecurity(military, status, sphere, regime, p: dict) -> dict:
    """Components and total of a great power's insecurity (weights shared by all worlds)."""
    parts = {
        "military": p["w_military"] * military,
        "status": p["status_weight"] * status,
        "sphere": p["sphere_weight"] * sphere,
        "regime": p["regime_weight"] * regime,
    }
    parts["total"] = sum(parts.values())
    return parts


# How much of a state the West holds, by its tie to NATO (exposure in M2): members fully, invitees and MAP
# holders in part; named candidates count with half their expected accession (Russia looks ahead).
WEST_HOLDING = np.array([0.0, 0.0, 0.05, 0.2, 0.3, 0.7, 1.0])


def west_holding(ladder, expected_join):
    return np.maximum(WEST_HOLDING[ladder], expected_join * 0.5)
