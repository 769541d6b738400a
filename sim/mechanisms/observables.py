"""Observables whose formulas are fixed before any calibration (THEORY.md §5).

Tension index (both sides): mean of (i) mutual belief — the mean of Russia's belief that the West is not a
security seeker and NATO's capability-weighted belief about Russia; (ii) the share of defect stances
(Russia toward NATO, NATO toward Russia); (iii) normalised arming — the mean of Russia's and NATO-Europe's
burden, each over 10 % of GDP. A Russia-only index uses Russia's belief, stance and burden alone, and is
always reported beside it (THEORY §9: NATO's scripted stance would otherwise nearly script the index).

Relationship regime (from stances and events, not from a tension threshold): war if Russia used force in
the last 4 quarters; crisis if it used force in the last 12 quarters or coerces now while both sides
defect; confrontation if both defect; cold peace if one defects; cooperation if both cooperate.
"""

from __future__ import annotations

REGIMES = ("cooperation", "cold_peace", "confrontation", "crisis", "war")
BURDEN_SCALE = 0.10


def tension(b_russia_about_west: float, b_nato_about_russia: float, russia_defects: bool, nato_defects: bool,
            russia_burden: float, nato_burden: float) -> float:
    belief = 0.5 * (b_russia_about_west + b_nato_about_russia)
    defect = 0.5 * (float(russia_defects) + float(nato_defects))
    arming = 0.5 * (min(1.0, russia_burden / BURDEN_SCALE) + min(1.0, nato_burden / BURDEN_SCALE))
    return (belief + defect + arming) / 3.0


def tension_russia(b_russia_about_west: float, russia_defects: bool, russia_burden: float) -> float:
    return (b_russia_about_west + float(russia_defects) + min(1.0, russia_burden / BURDEN_SCALE)) / 3.0


def relationship_regime(russia_defects: bool, nato_defects: bool, quarters_since_force: float,
                        coercing_now: bool) -> str:
    if quarters_since_force < 4:
        return "war"
    if quarters_since_force < 12 or (coercing_now and russia_defects and nato_defects):
        return "crisis"
    if russia_defects and nato_defects:
        return "confrontation"
    if russia_defects or nato_defects:
        return "cold_peace"
    return "cooperation"
