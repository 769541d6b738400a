"""M8 Alliance decisions: members vote on an applicant, the rule aggregates (THEORY.md §4 M8).

Each member weighs the applicant's security gain (a base value, the capability added relative to the
alliance's, and a bonus if the applicant borders the member) against provoking Russia: the provocation
(the applicant's place in Russia's sphere and importance) times the member's trust in Russia (1 − b) times
(1 − the threat it already perceives) — frontline members, who already face the threat, fear provoking it
less. The leader's type adds its motive: an order revisionist values the centrality gain, a greedy one
the sphere gain. Consensus needs every yes (veto players): a Bucharest-style split arises when some
members are for and others against.
"""

from __future__ import annotations

import numpy as np


def member_votes(gain_security, provocation, belief_about_russia, exposure_to_russia, leader_bonus, p: dict):
    """Net value of admitting the applicant for each member (> 0 means yes)."""
    fear_of_provoking = p["provocation_aversion"] * provocation * (1.0 - belief_about_russia) * (1.0 - exposure_to_russia)
    return gain_security + leader_bonus - fear_of_provoking


def aggregate(votes: np.ndarray, weights: np.ndarray, rule: str) -> tuple[bool, bool]:
    """Returns (decided, split). Consensus: all yes. Majority: capability-weighted majority."""
    yes = votes > 0
    split = bool(yes.any() and (~yes).any())
    if rule == "consensus":
        return bool(yes.all()) and len(votes) > 0, split
    return bool((weights * yes).sum() > 0.5 * weights.sum()), split


def decision_loglik(votes: np.ndarray, decided: bool, noise: float = 0.3) -> float:
    """Log-likelihood of an observed consensus decision under the members' vote margins (probit-like
    logistic noise): evidence about the West's type (THEORY.md §4 M8)."""
    p_yes = 1.0 / (1.0 + np.exp(-votes / max(noise, 1e-6)))
    p_all = float(np.prod(p_yes))
    p = p_all if decided else 1.0 - p_all
    return float(np.log(max(p, 1e-12)))


def applicant_gain(added_share: float, borders_applicant) -> np.ndarray:
    """Security gain of admitting an applicant for each member: a base value, the capability it adds
    relative to the alliance's, and a bonus for members it borders (it shields them)."""
    return 0.2 + added_share + 0.3 * np.asarray(borders_applicant, dtype=float)


def provocation_of(in_sphere, importance) -> float:
    """How much admitting the applicants provokes Russia: their place in its sphere, by importance."""
    return float(np.mean(np.asarray(in_sphere) * (1.0 + np.asarray(importance))))


def leader_bonus(order_weight: float, greed: float, added_share: float, provocation: float) -> float:
    """The leader's type in the vote (THEORY §4 M8): an order revisionist values the centrality gain (the
    capability brought under NATO), a greedy one the sphere gain taken from Russia."""
    return order_weight * added_share * 5.0 + greed * provocation
