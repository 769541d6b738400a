"""M4 over three types (sim.mechanisms.beliefs): Kydd's updating from the types' own decision rules.

Each test states the claim of the theory it checks (docs/theory.md §4 (M4); Kydd 2000, 2001, 2005; Jervis
1976) and would fail if the mechanism broke it.
"""

import numpy as np
import pytest

from sim.mechanisms import arming, beliefs, coercion, stance
from sim.params import defaults
from sim.worlds import type_motives

P = defaults()


def test_prior_vector_splits_non_security_seeking_mass_evenly():
    p = beliefs.prior_vector(np.array([0.4, 0.2]))
    assert p.shape == (2, 3)
    assert p.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert beliefs.not_security_seeker(p) == pytest.approx([0.4, 0.2])
    assert p[0, 1] == p[0, 2]


def test_update_is_bayes_when_within_the_bound():
    p = np.array([0.5, 0.25, 0.25])
    ll = np.log(np.array([0.6, 0.3, 0.3]))  # ratios 0.5 to S: |log| = 0.69 < L = 1
    post = beliefs.update(p, ll, 1.0)
    exact = p * np.exp(ll) / (p * np.exp(ll)).sum()
    assert post == pytest.approx(exact)
    # two types: the same as the two-type formula b' = b σ_N / (b σ_N + (1 − b) σ_S)
    b2 = beliefs.bayes_update(0.5, 0.3, 0.6)
    assert beliefs.not_security_seeker(post) == pytest.approx(b2)


def test_a_quarter_moves_odds_at_most_by_the_bound_and_never_locks():
    p = np.array([0.5, 0.25, 0.25])
    post = beliefs.update(p, np.array([0.0, 50.0, 50.0]), 0.5)
    odds_before = (1 - p[0]) / p[0]
    odds_after = (1 - post[0]) / post[0]
    assert odds_after == pytest.approx(odds_before * np.exp(0.5))
    # pushed to the bound every quarter, with the prediction step, a belief settles well inside (0, 1)
    q = p.copy()
    for _ in range(400):
        q = beliefs.update(beliefs.predict(q, p, P["type_switch_hazard"]), np.array([0.0, 9.0, 9.0]), P["max_log_lr"])
    assert 0.02 < q[0] < 0.1


def test_prediction_step_pulls_toward_the_prior():
    prior = np.array([0.6, 0.2, 0.2])
    p = np.array([0.1, 0.45, 0.45])
    out = beliefs.predict(p, prior, 0.1)
    assert out == pytest.approx(prior + 0.9 * (p - prior))
    assert beliefs.predict(p, prior, 0.0) == pytest.approx(p)


def test_choice_likelihoods_are_probabilities_and_follow_the_margin():
    m = np.array([-0.3, 0.0, 0.3])
    took = np.exp(beliefs.choice_loglik(m, True, 0.1))
    left = np.exp(beliefs.choice_loglik(m, False, 0.1))
    assert took + left == pytest.approx(np.ones(3))
    assert np.all(np.diff(took) > 0)
    assert took[1] == pytest.approx(0.5)


def test_empathy_decides_how_much_of_the_actor_insecurity_the_observer_sees():
    assert beliefs.estimated_insecurity(0.8, 0.3, 1.0) == pytest.approx(0.8)
    assert beliefs.estimated_insecurity(0.8, 0.3, 0.0) == pytest.approx(0.3)
    assert beliefs.estimated_insecurity(0.2, 0.3, 0.0) == pytest.approx(0.2)  # capped at the actual
    assert beliefs.estimated_insecurity(0.2, 0.6, 0.0, cap=False) == pytest.approx(0.6)


def test_misperception_over_reads_hostile_acts_only():
    assert beliefs.misperception_bias(0.1, 0.0, 2.0) == 0.0
    assert beliefs.misperception_bias(-0.1, 1.0, 2.0) == 0.0
    assert beliefs.misperception_bias(0.1, 1.0, 2.0) == pytest.approx(0.2)


def test_costly_reassurance_works_only_when_single_crossing_holds():
    """Kydd 2000: a reassuring act raises trust only if a security seeker is more willing to pay it than a
    revisionist. An offer that costs NATO centrality (δC < 0) is less likely from an order revisionist;
    one that costs nothing is as likely from every type; one that gains centrality reveals a revisionist."""
    p0 = beliefs.prior_vector(0.45)
    costly = beliefs.update(p0, beliefs.west_act_loglik(-0.05, 0.0, P), P["max_log_lr"])
    free = beliefs.update(p0, beliefs.west_act_loglik(0.0, 0.0, P), P["max_log_lr"])
    gaining = beliefs.update(p0, beliefs.west_act_loglik(+0.05, 0.0, P), P["max_log_lr"])
    assert costly[0] > p0[0]                     # trust rises
    assert free == pytest.approx(p0)             # no cost, no information
    assert gaining[0] < p0[0]                    # the condition fails the other way: trust falls
    # a sphere gain reveals greed, not order revisionism
    grabbing = beliefs.update(p0, beliefs.west_act_loglik(0.0, 0.05, P), P["max_log_lr"])
    assert grabbing[2] > p0[2] and grabbing[1] < p0[1] + 1e-12


def test_enlargement_bites_most_when_trust_is_in_the_middle_band():
    """Kydd 2001: the same evidence moves a middling belief more than a confident one."""
    ll = beliefs.west_act_loglik(0.03, 0.03, P)
    moves = []
    for b0 in (0.05, 0.5, 0.95):
        p = beliefs.prior_vector(b0)
        moves.append(abs(beliefs.not_security_seeker(beliefs.update(p, ll, P["max_log_lr"])) - b0))
    assert moves[1] > moves[0] and moves[1] > moves[2]


def test_a_security_seekers_defection_under_threat_is_less_revealing_to_an_empathetic_observer():
    """Jervis 1976 / Kydd 2005: whether a defection reveals a non-security-seeker depends on whether the
    observer sees the threat that explains it."""
    ow3, g3 = type_motives(P)
    sd = beliefs.observer_noise(P["decision_noise"], P["private_uncertainty"])

    def llr_of_defection(empathy):
        threat_hat = beliefs.estimated_insecurity(0.9, 0.1, empathy)
        m = stance.margins_by_type(0.6, threat_hat, 0.0, 0.3, ow3, g3, P)
        ll = beliefs.choice_loglik(m, False, sd)
        return ll[1:] - ll[0]

    assert np.all(llr_of_defection(1.0) < llr_of_defection(0.0))


def test_margins_by_type_follow_each_types_rule():
    ow3, g3 = type_motives(P)
    m = stance.margins_by_type(0.6, 0.3, 0.5, 0.5, ow3, g3, P)
    assert m[0] == pytest.approx(stance.security_margin(0.6, 0.3, P))
    assert m[1] == pytest.approx(stance.revisionist_margin(0.6, 0.3, 0.5, P["order_weight"], P))
    assert m[2] < m[0]  # greed raises the temptation when there is an opportunity
    no_opp = stance.margins_by_type(0.6, 0.3, 0.5, 0.0, ow3, g3, P)
    assert no_opp[2] == pytest.approx(no_opp[0])


def test_atrophy_belief_learns_from_natos_acts():
    a0 = 0.45
    acted = beliefs.atrophy_belief(a0, True, P)
    quiet = beliefs.atrophy_belief(a0, False, P)
    assert acted < a0 < quiet
    a = np.full(3, a0)
    for _ in range(200):
        a = beliefs.atrophy_belief(a, np.array([True, False, True]), P)
    assert np.all((a > beliefs.EPS - 1e-12) & (a < 1 - beliefs.EPS + 1e-12))
    assert a[0] < a0 < a[1]


def test_greedy_pressure_rises_with_opportunity_not_as_a_constant():
    base = dict(stake=0.2, importance=1.0, regime_memory=0.0, in_sphere=1.0, frozen=0.0, p=P)
    weak = coercion.pressure(greed=0.5, protection=0.0, balance=0.9, **base)
    strong = coercion.pressure(greed=0.5, protection=0.0, balance=0.2, **base)
    protected = coercion.pressure(greed=0.5, protection=1.0, balance=0.9, **base)
    seeker = coercion.pressure(greed=0.0, protection=0.0, balance=0.9, **base)
    assert weak > strong > seeker
    assert protected == pytest.approx(seeker)


def test_richardson_margin_uses_fatigue_and_can_report_instability():
    lam = P["arming_speed"]
    calm = arming.richardson_margin(0.01, 0.01, arming.fatigue_term(lam, 0.5), arming.fatigue_term(lam, 0.5))
    tired = arming.richardson_margin(0.01, 0.01, arming.fatigue_term(lam, 1.0), arming.fatigue_term(lam, 1.0))
    assert tired > calm > 0
    race = arming.richardson_margin(0.2, 0.2, arming.fatigue_term(lam, 0.1), arming.fatigue_term(lam, 0.1))
    assert race < 0
    # fatigue pulls effort back to the floor
    e = arming.adjust_effort(0.05, 0.05, lam, 1.0, 0.02)
    assert e < 0.05
