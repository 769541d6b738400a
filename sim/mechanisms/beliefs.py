"""M4 Beliefs and trust — Kydd's Bayesian realism (Kydd 2005, *Trust and Mistrust in International
Relations*; Kydd 2001 on enlargement), with the fixes of docs/theory.md §9.

b_ij = P(j is not a security seeker) as i sees it. Each quarter:

1. prediction step (types may change with hazard h): b̂ = b₀ + (1 − h)(b − b₀) — exact Bayes for a
   two-state Markov type that resets to the prior; it keeps beliefs from saturating;
2. update on what j did: b' = b̂·σ_N / (b̂·σ_N + (1 − b̂)·σ_S), done in log-odds with a bounded ratio.

The likelihood ratio σ_N/σ_S is derived from the model's own logit decision rule rather than set per
event: a non-security-seeker gains from an act in proportion to the harm it does the observer (greed,
order), a security seeker does not, so σ_N/σ_S = exp(d · harm), d = distinguishability (Glaser 1997;
Jervis 1978). Harm is the rise in the observer's insecurity the act causes, amplified by misperception
(Jervis 1976: others' hostile acts read as more revealing) and discounted by empathy where the actor's
own insecurity explains the act (Izzo 2022: the West "did not accord due importance to the perspective of
its counterpart"). Reassurance (harm < 0: the act lowered the observer's insecurity, e.g. a seat with
voice that costs NATO centrality, a cancelled deployment) lowers b; it is not amplified by misperception.
The model does not separately check that the act was costly to the actor: any act that lowers the
observer's insecurity counts (docs/model.md, known limitations).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip

EPS = 1e-4  # beliefs are kept in [EPS, 1 - EPS]


def bayes_update(b, sigma_n, sigma_s):
    """Exact Bayes: b' = b σ_N / (b σ_N + (1 − b) σ_S)."""
    b = np.asarray(b, dtype=float)
    return b * sigma_n / (b * sigma_n + (1.0 - b) * sigma_s)


def predict(b, prior, hazard: float):
    """Type-switching prediction step b̂ = b₀ + (1 − h)(b − b₀)."""
    return prior + (1.0 - hazard) * (b - prior)


def log_likelihood_ratio(harm, distinguishability: float, misperception: float, empathy: float,
                         actor_insecurity, max_log_lr: float, noise=0.0):
    """log(σ_N/σ_S) for an act of given harm, bounded to [−L, L].

    Hostile acts (harm > 0) are amplified by (1 + misperception); empathy discounts them by the share of
    the act the actor's own insecurity explains, s/(1 + s). Reassuring acts (harm < 0) are not amplified.
    """
    harm = np.asarray(harm, dtype=float)
    explained = np.asarray(actor_insecurity, dtype=float)
    explained = explained / (1.0 + np.abs(explained))
    # hostile part amplified, reassuring part as it is (a sum of two exact halves: no branch per element)
    eff = np.maximum(harm, 0.0) * (1.0 + misperception) * (1.0 - empathy * explained) + np.minimum(harm, 0.0)
    return clip(distinguishability * eff + noise, -max_log_lr, max_log_lr)


def update(b, log_lr):
    """b' from b and a log likelihood ratio (log-odds form of :func:`bayes_update`), bounded."""
    b = clip(np.asarray(b, dtype=float), EPS, 1 - EPS)
    logit = np.log(b / (1 - b)) + log_lr
    return clip(1.0 / (1.0 + np.exp(-logit)), EPS, 1 - EPS)


def trust(b):
    """Trust is 1 − b (Kydd 2005)."""
    return 1.0 - np.asarray(b)


STANCE_SIGNAL = 0.1  # harm read into a rival's defection, per unit of the cost of being exploited


def stance_harm(defects, exploitation_cost: float):
    """Harm an observer reads into its rival's stance this quarter (Kydd 2005): a defection does it
    ``STANCE_SIGNAL``·c of harm; cooperating while one could defect is a mild reassurance, half that."""
    return np.where(defects, STANCE_SIGNAL * exploitation_cost, -0.5 * STANCE_SIGNAL * exploitation_cost)
