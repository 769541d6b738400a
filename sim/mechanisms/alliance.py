"""M8 Alliance decisions: members vote on an applicant, the rule aggregates (docs/theory.md §4 (M8)).

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


def aggregate(votes, weights, rule: str, members=None):
    """Returns (decided, split) over the last axis (the members). Consensus: all yes. Majority:
    capability-weighted majority. ``members`` (bool, same shape) marks who votes; default everyone."""
    votes = np.asarray(votes, dtype=float)
    members = np.ones(votes.shape, dtype=bool) if members is None else np.asarray(members, dtype=bool)
    yes = (votes > 0) & members
    no = ~(votes > 0) & members
    split = yes.any(axis=-1) & no.any(axis=-1)
    if rule == "consensus":
        return ~no.any(axis=-1) & members.any(axis=-1), split
    w = np.where(members, weights, 0.0)
    return (w * yes).sum(axis=-1) > 0.5 * w.sum(axis=-1), split


def pivotal_margin(votes, weights, rule: str, members=None):
    """The margin on which the decision hangs, over the last axis: under consensus the least willing member's
    (every member must say yes); under a capability-weighted majority the weighted median member's."""
    votes = np.asarray(votes, dtype=float)
    members = np.ones(votes.shape, dtype=bool) if members is None else np.asarray(members, dtype=bool)
    if rule == "consensus":
        return np.where(members, votes, np.inf).min(axis=-1)
    order = np.argsort(np.where(members, votes, np.inf), axis=-1)
    v = np.take_along_axis(votes, order, axis=-1)
    w = np.take_along_axis(np.where(members, np.broadcast_to(weights, votes.shape), 0.0), order, axis=-1)
    cum = np.cumsum(w, axis=-1)
    k = np.argmax(cum >= 0.5 * cum[..., -1:], axis=-1)
    return np.take_along_axis(v, k[..., None], axis=-1)[..., 0]


def decision_probability(votes, weights, rule: str, noise, members=None):
    """P(the alliance takes the decision): a common logistic shock of scale ``vote_noise`` — the summit's
    bargaining, which moves every member alike — added to the pivotal member's margin
    (:func:`pivotal_margin`). Members' positions are correlated in consensus bargaining, so the decision
    hangs on its least willing member rather than on the product of independent votes (which would make any
    unanimous decision of 16–30 members all but impossible): design choice, docs/model.md (M8)."""
    z = pivotal_margin(votes, weights, rule, members) / np.maximum(np.asarray(noise, dtype=float), 1e-6)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def decision_loglik(votes, decided, noise, members=None, weights=1.0, rule: str = "consensus"):
    """Log-likelihood of an observed decision (taken or withheld) under the members' vote margins
    (:func:`decision_probability`): evidence about the West's type (docs/theory.md §4 (M8)). ``noise`` is a
    float or an ``[R, 1]`` column."""
    noise = np.asarray(noise, dtype=float)
    noise = noise[..., 0] if noise.ndim and noise.shape[-1] == 1 else noise
    p = decision_probability(votes, weights, rule, noise, members)
    p = np.where(decided, p, 1.0 - p)
    return np.log(np.maximum(p, 1e-12))


def applicant_gain(added_share, borders_applicant, p: dict):
    """Security gain of admitting an applicant for each member: a base value (``applicant_base_gain``), the
    capability it adds relative to the alliance's, and a bonus for members it borders (``border_shield_gain``:
    it shields them) — Walt 1987 (aggregate power, proximity)."""
    return p["applicant_base_gain"] + added_share + p["border_shield_gain"] * np.asarray(borders_applicant, dtype=float)


def provocation_of(in_sphere, importance):
    """How much admitting the applicants provokes Russia: their place in its sphere, by importance."""
    return np.mean(np.asarray(in_sphere) * (1.0 + np.asarray(importance)), axis=-1)


def leader_bonus(order_weight, greed, delta_c, delta_sphere, p: dict):
    """The leader's type in the vote (docs/theory.md §4 (M8)): an order revisionist values the gain in NATO's
    centrality the decision brings (``delta_c``, in units of ``order_scale``), a greedy one the sphere it takes
    from Russia (``delta_sphere``, the rise of Russia's sphere loss, in units of ``sphere_scale``); a security
    seeker neither. The same scales measure what the types value in M5 (Sushentsov & Wohlforth 2020)."""
    return (np.asarray(order_weight) * np.asarray(delta_c) / p["order_scale"]
            + np.asarray(greed) * np.asarray(delta_sphere) / p["sphere_scale"])
