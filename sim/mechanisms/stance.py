"""M5 Stance: cooperate or defect toward the rival, by type (docs/theory.md §4 (M5)).

Security seeker (Kydd 2005, assurance game): cooperate iff trust 1 − b ≥ p̄ = c / (1 + c − t), with c the
cost of being exploited, rising with the threat the rival poses (Jervis 1978 offense dominance), and t < 1
the temptation.

Order revisionist (Sushentsov & Wohlforth 2020): cooperates only while cooperation moves the order toward its preference,
judged by its *expected* centrality Ĉ against a reference it adapts slowly: Russia (C* = 0) cooperates
while Ĉ falls below its reference — it can cooperate in the early 1990s *because* it expects NATO to
atrophy — and turns when Ĉ rises; the leader (C* = 1) the reverse. Its security part still counts, with
weight 1 − ω.

Greedy expansionist (Sushentsov & Wohlforth 2020; Glaser 2010): a security seeker whose temptation is raised by greed times
perceived opportunity (the rival's and its clients' weakness), so it rarely cooperates when it can gain.

Every rule returns a *margin* (≥ 0 cooperates); decision noise is added by the caller from a named stream.
"""

from __future__ import annotations

import numpy as np


def assurance_threshold(cost, temptation):
    """p̄ = c / (1 + c − t): minimum trust for a security seeker to cooperate (Kydd 2005)."""
    cost = np.asarray(cost, dtype=float)
    return cost / (1.0 + cost - temptation)


def exploitation_cost(threat, base_cost: float, threat_cost: float):
    """c rises with the threat the rival poses."""
    return base_cost + threat_cost * np.asarray(threat, dtype=float)


def security_margin(trust, threat, p: dict, temptation=None):
    t = p["temptation"] if temptation is None else temptation
    return np.asarray(trust) - assurance_threshold(exploitation_cost(threat, p["exploitation_cost"], p["threat_cost"]), t)


def order_gain(expected_c, reference_c, preferred_c, scale):
    """tanh((reference − Ĉ)/scale) for C* = 0, its negative for C* = 1: > 0 while the expected order
    moves toward the preference."""
    direction = np.where(np.asarray(preferred_c) < 0.5, 1.0, -1.0)
    return np.tanh(direction * (reference_c - expected_c) / scale)


def revisionist_margin(trust, threat, gain, order_weight, p: dict):
    return (1.0 - order_weight) * security_margin(trust, threat, p) + order_weight * gain


def greedy_margin(trust, threat, greed, opportunity, p: dict):
    t = np.minimum(p["max_temptation"], p["temptation"] + greed * opportunity)
    return security_margin(trust, threat, p, temptation=t)


def stance_margin(motive, trust, threat, gain, opportunity, p: dict):
    """The margin of the actor's private type: ``motive.order_weight`` and ``motive.greed`` may be arrays
    (one type per run); each element takes its own type's rule."""
    ow, greed = np.asarray(motive.order_weight), np.asarray(motive.greed)
    return np.where(ow > 0, revisionist_margin(trust, threat, gain, ow, p),
                    np.where(greed > 0, greedy_margin(trust, threat, greed, opportunity, p),
                             security_margin(trust, threat, p)))


def acceptance_margin(voice, centrality, requires_consent: bool, stance_margin_value, gain_if_accepted, order_weight,
                      p: dict):
    """Should a great power accept an offered seat in an institution? (Steinel 2007: voice for consent)

    The status gap it closes is worth w_status·C·voice; a share of its current stance margin is added
    (``acceptance_stance_share``: hostile states refuse offers); if joining implies consent to the other
    side's order, an order revisionist pays ``consent_cost``·ω·max(0, −gain), where gain is its current order
    gain (negative while the expected order moves against it). ``order_weight`` may be ``[R]`` (the actor's
    type) or ``[R, 3]`` (every type, for observers, with ``stance_margin_value`` and ``gain`` as ``[R, 3]``).
    """
    value = p["status_weight"] * centrality * voice + p["acceptance_stance_share"] * stance_margin_value
    if requires_consent:  # an attribute of the institution, not state
        value = value - p["consent_cost"] * np.asarray(order_weight) * np.maximum(0.0, -gain_if_accepted)
    return value


def margins_by_type(trust, threat, gain, opportunity, order_weight3, greed3, p: dict):
    """The stance margins of the three types (S, R, G) side by side, ``[..., 3]``: what an observer computes
    when it asks how each type would act in the situation it sees (M4 over M5's rules). ``p`` entries may be
    floats or ``[R]`` arrays; the other arguments ``[R]``; ``order_weight3``/``greed3`` ``[R, 3]``."""
    sec = security_margin(trust, threat, p)
    rev = revisionist_margin(trust, threat, gain, order_weight3[..., 1], p)
    gre = greedy_margin(trust, threat, greed3[..., 2], opportunity, p)
    return np.stack([sec, rev, gre], axis=-1)


def proposes_inclusive_order(cooperating, order_weight, centrality, status_part, quarters_since_last, p: dict):
    """Does Russia propose an inclusive order (CSCE/OSCE primacy, a pan-European treaty) this quarter?
    Only while cooperating, when its order motive — order weight × C plus the status part of its insecurity
    — reaches ``proposal_threshold``, and not more often than ``proposal_cooldown`` (Sushentsov & Wohlforth 2020, Ratti 2009).
    Returns (proposes, order motive)."""
    motive = order_weight * centrality + status_part
    return (np.asarray(cooperating, dtype=bool) & (motive >= p["proposal_threshold"])
            & (quarters_since_last >= p["proposal_cooldown"])), motive
