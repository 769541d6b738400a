"""M4 Beliefs and trust — Kydd's Bayesian realism over three types (Kydd 2005, *Trust and Mistrust in
International Relations*; Kydd 2000 on costly reassurance; Kydd 2001 on enlargement), with the fixes of
docs/theory.md §9.

An observer holds a belief over the actor's three possible types, p = (P(S), P(R), P(G)) — security
seeker, order revisionist, greedy expansionist (docs/theory.md §2). The reported belief is b = 1 − P(S)
("the actor is not a security seeker") and trust is P(S) = 1 − b (Kydd 2005). Each quarter:

1. prediction step (types may change with hazard h): p̂ = p₀ + (1 − h)(p − p₀) — exact Bayes for a
   Markov type that resets to the prior with probability h; it keeps beliefs from saturating;
2. update on what the actor did: p'_τ ∝ p̂_τ · σ_τ(a), where σ_τ(a) is the probability that an actor of
   type τ takes act a *in that situation*, obtained by applying type τ's own decision rule (M5 stance, M6
   arming, M8 votes, M9 coercion and force, acceptances of offers) with the decision noise the model
   already has, to what the observer can see. Acts not taken when they could have been count as well.

What the observer can see: never the actor's true type or private beliefs. The actor's insecurity
(which drives a security seeker's defections and arming) is estimated as
empathy × (its actual insecurity) + (1 − empathy) × (the part the observer's own side did not cause) —
:func:`estimated_insecurity` (Izzo 2022: the West "did not accord due importance to the perspective of its
counterpart"; Booth & Wheeler 2008). With empathy 0 an observer reads a security seeker's defection under
a threat it caused itself as if nothing explained it — Jervis's spiral (Jervis 1976).

Misperception (Jervis 1976): the other side's hostile acts are read as more revealing than they are — the
observer believes a security seeker less likely to take an act that harms it than the rule says, by
``misperception × distinguishability × harm`` in log-odds (:func:`misperception_bias`); 0 is exact Kydd.

Ratios are bounded: every type's log-likelihood ratio to S, summed over a quarter's acts, is clipped to
[−L, L] (``max_log_lr``), so that no single quarter can lock a belief (docs/theory.md §4 (M4)).
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

from sim.mechanisms.fastmath import clip

EPS = 1e-4  # each type's probability is kept in [EPS, 1 − EPS] (beliefs never lock at 0 or 1)
S, R, G = 0, 1, 2  # positions of the types in a belief vector (sim.worlds.TYPES)


def prior_vector(b0):
    """The prior over (S, R, G) from a prior b₀ = P(not a security seeker): the non-security-seeking mass is
    split evenly between the two non-security-seeking types (principle of indifference; docs/model.md)."""
    b0 = np.asarray(b0, dtype=float)
    return np.stack([1.0 - b0, 0.5 * b0, 0.5 * b0], axis=-1)


def not_security_seeker(p):
    """The reported belief b = 1 − P(S) (Kydd 2005)."""
    return 1.0 - np.asarray(p)[..., S]


def predict(p, prior, hazard):
    """Type-switching prediction step p̂ = p₀ + (1 − h)(p − p₀); ``hazard`` (float or ``[R]``) broadcasts
    against the leading axes of ``p`` (a scalar b or a belief vector)."""
    h = 1.0 - np.asarray(hazard, dtype=float)
    while h.ndim and h.ndim < np.ndim(p):
        h = h[..., None]
    return prior + h * (np.asarray(p) - prior)


def bayes_update(b, sigma_n, sigma_s):
    """Exact two-type Bayes: b' = b σ_N / (b σ_N + (1 − b) σ_S) (docs/theory.md §4 (M4))."""
    b = np.asarray(b, dtype=float)
    return b * sigma_n / (b * sigma_n + (1.0 - b) * sigma_s)


def update(p, loglik, max_log_lr):
    """Bayes over the types: p'_τ ∝ p_τ · exp(ℓ_τ − ℓ_S), each ratio to S bounded to [−L, L]; ``loglik`` is
    ``[..., 3]``, the quarter's summed log-likelihood of what the actor did under each type; ``max_log_lr``
    a float or ``[R]``."""
    L = np.asarray(max_log_lr, dtype=float)
    while L.ndim and L.ndim < np.ndim(loglik):
        L = L[..., None]
    lr = clip(loglik - loglik[..., S:S + 1], -L, L)
    w = np.asarray(p, dtype=float) * np.exp(lr)
    w = clip(w / w.sum(axis=-1, keepdims=True), EPS, 1.0 - EPS)
    return w / w.sum(axis=-1, keepdims=True)


def choice_loglik(margin, took, noise):
    """log P(the observed binary choice) when the actor takes the act iff margin + noise·ε ≥ 0, ε ~ N(0, 1)
    (the probit of the model's own decision noise). ``took`` may be bool or 0/1; the noise is floored so
    that no likelihood is exactly 0 or 1."""
    z = np.asarray(margin, dtype=float) / np.maximum(np.asarray(noise, dtype=float), 1e-3)
    return np.where(np.asarray(took, dtype=bool), log_ndtr(z), log_ndtr(-z))


def observer_noise(decision_noise, private_uncertainty):
    """The spread an observer attributes to a rival's choice: the rival's own decision noise and what the
    observer cannot see of its margin (private values and information), sqrt(σ_d² + σ_u²)."""
    return np.sqrt(np.asarray(decision_noise) ** 2 + np.asarray(private_uncertainty) ** 2)


def gaussian_loglik(observed, predicted, sd):
    """log N(observed; predicted, sd²) up to a constant shared by every type (continuous acts: arming)."""
    d = (np.asarray(observed) - np.asarray(predicted)) / np.asarray(sd)
    return -0.5 * d * d


def estimated_insecurity(actual, uncaused, empathy, cap: bool = True):
    """The observer's estimate of the actor's insecurity: empathy × actual + (1 − empathy) × the part the
    observer's own side did not cause (``uncaused``: what the actor felt before anything the observer's side
    did in the run; capped at the actual). The same estimate serves for the actor's trust in the observer
    (``cap=False``; ``uncaused`` = the actor's prior trust): an observer without empathy assumes it is trusted
    as it was at the start, whatever it has done since (Kydd 2005; Izzo 2022)."""
    actual = np.asarray(actual, dtype=float)
    return empathy * actual + (1.0 - empathy) * (np.minimum(actual, uncaused) if cap else uncaused)


def misperception_bias(harm, misperception, distinguishability):
    """Jervis's bias in log-odds, added to every non-security-seeking type's log-likelihood: an act that did
    the observer harm (> 0) is read as less likely from a security seeker than it is. 0 for reassuring
    acts and when misperception is 0."""
    return misperception * distinguishability * np.maximum(np.asarray(harm, dtype=float), 0.0)


def west_act_loglik(delta_c, delta_sphere, p: dict):
    """log σ_τ of a Western act (an offer of a seat, an operation, a recognition, a posture change) under the
    three leader types (S, R, G), ``[..., 3]``. The leader takes an act of common value ``act_value`` plus
    what its type values — an order revisionist the centrality the act brings NATO (``delta_c`` in units of
    ``order_scale``), a greedy one the sphere it takes from Russia (``delta_sphere`` in units of
    ``sphere_scale``) — with noise ``act_noise`` (the M8 leader bonus, :func:`sim.mechanisms.alliance.leader_bonus`).

    Costly reassurance (Kydd 2000): an offer that costs NATO centrality (``delta_c`` < 0) is less likely
    from a revisionist than from a security seeker, so it raises trust; one that costs nothing
    (single-crossing fails) is as likely from every type and changes nothing.
    """
    from sim.mechanisms.alliance import leader_bonus
    from sim.worlds import type_motives

    ow, greed = type_motives(p)
    dc = np.asarray(delta_c, dtype=float)[..., None]
    ds = np.asarray(delta_sphere, dtype=float)[..., None]
    scale = {k: _col(p[k], dc) for k in ("order_scale", "sphere_scale")}
    value = _col(p["act_value"], dc) + leader_bonus(ow, greed, dc, ds, scale)
    return choice_loglik(value, True, _col(p["act_noise"], dc))


def _col(x, like):
    """A parameter (float or ``[R]``) broadcast against ``[..., 3]`` arrays."""
    x = np.asarray(x, dtype=float)
    return x[..., None] if x.ndim and x.ndim < np.ndim(like) else x


def atrophy_belief(a, acted, p: dict):
    """Russia's belief that NATO is atrophying (Sushentsov & Wohlforth 2020: its cooperation was premised on
    NATO atrophying or being subordinated to inclusive institutions), learnt from evidence rather than a
    clock: a quarter in which NATO extends its role (``acted``) is likely if NATO persists (``nato_act_rate``)
    and unlikely if it atrophies (``atrophy_act_rate``); a quiet quarter is the reverse. Bayes after the same
    prediction step as the type beliefs, toward the prior ``atrophy_prior``; kept in [EPS, 1 − EPS]."""
    a = predict(a, p["atrophy_prior"], p["type_switch_hazard"])
    acted = np.asarray(acted, dtype=bool)
    l_a = np.where(acted, p["atrophy_act_rate"], 1.0 - p["atrophy_act_rate"])
    l_p = np.where(acted, p["nato_act_rate"], 1.0 - p["nato_act_rate"])
    return clip(bayes_update(a, l_a, l_p), EPS, 1.0 - EPS)
