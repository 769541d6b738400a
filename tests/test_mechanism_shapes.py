"""Every mechanism broadcasts over a leading runs axis: its result on ``[R, N]`` inputs (parameters as
``[R, 1]`` columns, per-run quantities as ``[R]`` or ``[R, 1]``) equals the stack of its results on each
run's ``[N]`` inputs (issue "One engine for one run or a million")."""
from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import (alliance, arming, beliefs, capacity, coercion, observables, order, paradigms,
                            randomness, security, small_states, stance, threat)
from sim.params import PARAMETERS, defaults
from sim.worlds import Motive, type_motives

R, N = 5, 7
rng = np.random.default_rng(42)


def per_run_params(r):
    p = defaults()
    return {k: v * (1.0 + 0.1 * r) for k, v in p.items()}


def batched_params(column=True):
    runs = [per_run_params(r) for r in range(R)]
    return {k: np.array([p[k] for p in runs])[:, None] if column else np.array([p[k] for p in runs])
            for k in runs[0]}


def U(*shape, lo=0.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape)


LADDER = rng.integers(0, 7, size=(R, N))
EU = rng.integers(0, 3, size=(R, N))
X = {name: U(R, N) for name in "abcdefgh"}
S = {name: U(R) for name in "abcdefgh"}


def check(fn_single, fn_batched):
    single = np.stack([np.asarray(fn_single(r), dtype=float) for r in range(R)])
    batched = np.asarray(fn_batched(), dtype=float)
    np.testing.assert_allclose(batched, single, rtol=1e-14, atol=1e-15)


P1, PB, PR = per_run_params, batched_params(True), batched_params(False)
MOT_R = Motive("x", np.array([0.0, 0.5, 0.0, 0.5, 0.0]), 0.0, np.array([0.0, 0.0, 0.5, 0.0, 0.5]))


def motive_of(r):
    return Motive("x", float(MOT_R.order_weight[r]), 0.0, float(MOT_R.greed[r]))


CASES = {
    "threat.perceived_threat": (lambda r: threat.perceived_threat(X["a"][r], X["b"][r], 1.0, X["c"][r], P1(r)["kappa"]),
                                lambda: threat.perceived_threat(X["a"], X["b"], 1.0, X["c"], PB["kappa"])),
    "threat.relative_power": (lambda r: threat.relative_power(S["a"][r], X["a"][r], P1(r)["power_exponent"]),
                              lambda: threat.relative_power(S["a"][:, None], X["a"], PB["power_exponent"])),
    "threat.bloc_power": (lambda r: threat.bloc_power(X["a"][r], X["b"][r] > 0.5, 2, P1(r)["alliance_cohesion"]),
                          lambda: threat.bloc_power(X["a"], X["b"] > 0.5, 2, PR["alliance_cohesion"])),
    "threat.exposure": (lambda r: threat.exposure(U(N, N) * 0 + KM, None, X["a"][r], X["b"][r], 0.5),
                        lambda: threat.exposure(KM, None, X["a"], X["b"], 0.5)),
    "threat.exposure_row": (lambda r: threat.exposure_row(KM[0] * X["c"][r], X["a"][r]),
                            lambda: threat.exposure_row(KM[0] * X["c"], X["a"])),
    "security.western_drift": (lambda r: security.western_drift(LADDER[r], EU[r], X["a"][r] * 2 - 1),
                               lambda: security.western_drift(LADDER, EU, X["a"] * 2 - 1)),
    "security.stakes": (lambda r: security.stakes(LADDER[r], EU[r], X["a"][r]),
                        lambda: security.stakes(LADDER, EU, X["a"])),
    "security.sphere_loss": (lambda r: security.sphere_loss(X["a"][r], X["b"][r], X["c"][r] > 0.5, X["d"][r] > 0.2),
                             lambda: security.sphere_loss(X["a"], X["b"], X["c"] > 0.5, X["d"] > 0.2)),
    "security.regime_threat": (lambda r: security.regime_threat(X["a"][r], X["b"][r], X["c"][r]),
                               lambda: security.regime_threat(X["a"], X["b"], X["c"])),
    "security.status_gap": (lambda r: security.status_gap(S["a"][r], S["b"][r]),
                            lambda: security.status_gap(S["a"], S["b"])),
    "security.insecurity": (lambda r: security.insecurity(S["a"][r], S["b"][r], S["c"][r], S["d"][r], P1(r))["total"],
                            lambda: security.insecurity(S["a"], S["b"], S["c"], S["d"], PR)["total"]),
    "security.west_holding": (lambda r: security.west_holding(LADDER[r], X["a"][r]),
                              lambda: security.west_holding(LADDER, X["a"])),
    "beliefs.update (three types)": (
        lambda r: beliefs.update(beliefs.prior_vector(X["a"][r]), np.stack([X["b"][r], X["c"][r], X["d"][r]], -1) * 3,
                                 P1(r)["max_log_lr"]),
        lambda: beliefs.update(beliefs.prior_vector(X["a"]), np.stack([X["b"], X["c"], X["d"]], -1) * 3,
                               PR["max_log_lr"])),
    "beliefs.predict": (lambda r: beliefs.predict(X["a"][r], X["b"][r], P1(r)["type_switch_hazard"]),
                        lambda: beliefs.predict(X["a"], X["b"], PB["type_switch_hazard"])),
    "beliefs.predict (vectors)": (
        lambda r: beliefs.predict(beliefs.prior_vector(X["a"][r]), beliefs.prior_vector(X["b"][r]),
                                  P1(r)["type_switch_hazard"]),
        lambda: beliefs.predict(beliefs.prior_vector(X["a"]), beliefs.prior_vector(X["b"]), PR["type_switch_hazard"])),
    "beliefs.choice_loglik": (lambda r: beliefs.choice_loglik(X["a"][r] - 0.5, X["b"][r] > 0.5, P1(r)["decision_noise"]),
                              lambda: beliefs.choice_loglik(X["a"] - 0.5, X["b"] > 0.5, PB["decision_noise"])),
    "beliefs.estimated_insecurity": (lambda r: beliefs.estimated_insecurity(X["a"][r], S["a"][r], P1(r)["empathy"]),
                                     lambda: beliefs.estimated_insecurity(X["a"], S["a"][:, None], PB["empathy"])),
    "beliefs.misperception_bias": (
        lambda r: beliefs.misperception_bias(X["a"][r] - 0.5, P1(r)["misperception"], P1(r)["distinguishability"]),
        lambda: beliefs.misperception_bias(X["a"] - 0.5, PB["misperception"], PB["distinguishability"])),
    "beliefs.west_act_loglik": (lambda r: beliefs.west_act_loglik(S["a"][r] - 0.5, S["b"][r] * 0.1, P1(r)),
                                lambda: beliefs.west_act_loglik(S["a"] - 0.5, S["b"] * 0.1, PR)),
    "beliefs.atrophy_belief": (lambda r: beliefs.atrophy_belief(S["a"][r], S["b"][r] > 0.5, P1(r)),
                               lambda: beliefs.atrophy_belief(S["a"], S["b"] > 0.5, PR)),
    "stance.security_margin": (lambda r: stance.security_margin(X["a"][r], X["b"][r], P1(r)),
                               lambda: stance.security_margin(X["a"], X["b"], PB)),
    "stance.order_gain": (lambda r: stance.order_gain(S["a"][r], S["b"][r], 0.0, P1(r)["order_scale"]),
                          lambda: stance.order_gain(S["a"], S["b"], 0.0, PR["order_scale"])),
    "stance.stance_margin (a type per run)": (
        lambda r: stance.stance_margin(motive_of(r), S["a"][r], S["b"][r], S["c"][r] - 0.5, S["d"][r], P1(r)),
        lambda: stance.stance_margin(MOT_R, S["a"], S["b"], S["c"] - 0.5, S["d"], PR)),
    "stance.acceptance_margin": (
        lambda r: stance.acceptance_margin(0.3, S["a"][r], True, S["b"][r] - 0.5, S["c"][r] - 0.5,
                                           MOT_R.order_weight[r], P1(r)),
        lambda: stance.acceptance_margin(0.3, S["a"], True, S["b"] - 0.5, S["c"] - 0.5, MOT_R.order_weight, PR)),
    "stance.margins_by_type": (
        lambda r: stance.margins_by_type(S["a"][r], S["b"][r], S["c"][r] - 0.5, S["d"][r], *type_motives(P1(r)), P1(r)),
        lambda: stance.margins_by_type(S["a"], S["b"], S["c"] - 0.5, S["d"], *type_motives(PR), PR)),
    "stance.proposes_inclusive_order": (
        lambda r: stance.proposes_inclusive_order(S["a"][r] > 0.3, MOT_R.order_weight[r], S["b"][r], S["c"][r],
                                                  S["d"][r] * 20, P1(r))[0],
        lambda: stance.proposes_inclusive_order(S["a"] > 0.3, MOT_R.order_weight, S["b"], S["c"], S["d"] * 20, PR)[0]),
    "arming.target_effort": (lambda r: arming.target_effort(X["a"][r] * 2, X["b"][r], X["c"][r], 0.02, P1(r)),
                             lambda: arming.target_effort(X["a"] * 2, X["b"], X["c"], 0.02, PB)),
    "arming.adjust_effort": (lambda r: arming.adjust_effort(X["a"][r], X["b"][r], P1(r)["arming_speed"],
                                                            P1(r)["arming_fatigue"], 0.02),
                             lambda: arming.adjust_effort(X["a"], X["b"], PB["arming_speed"], PB["arming_fatigue"], 0.02)),
    "arming.reaction_term": (
        lambda r: arming.reaction_term(0.05, 0.015, S["a"][r], 1.0, 1.0, S["b"][r], S["c"][r], S["d"][r] * 0.05),
        lambda: arming.reaction_term(0.05, 0.015, S["a"], 1.0, 1.0, S["b"], S["c"], S["d"] * 0.05)),
    "capacity.accumulate": (lambda r: capacity.accumulate(X["a"][r], X["b"][r], X["c"][r], P1(r)["depreciation"]),
                            lambda: capacity.accumulate(X["a"], X["b"], X["c"], PB["depreciation"])),
    "capacity.fiscal_capacity": (lambda r: capacity.fiscal_capacity(X["a"][r], X["b"][r], X["c"][r] + 0.5, 0.15),
                                 lambda: capacity.fiscal_capacity(X["a"], X["b"], X["c"] + 0.5, 0.15)),
    "capacity.initial_capability": (lambda r: capacity.initial_capability(X["a"][r], X["b"][r], X["c"][r], 1,
                                                                          P1(r)["depreciation"]),
                                    lambda: capacity.initial_capability(X["a"], X["b"], X["c"], 1, PR["depreciation"])),
    "coercion.pressure": (lambda r: coercion.pressure(X["a"][r], X["b"][r], X["c"][r], S["a"][r], X["d"][r],
                                                      X["e"][r] > 0.5, X["f"][r], X["g"][r], P1(r)),
                          lambda: coercion.pressure(X["a"], X["b"], X["c"], S["a"][:, None], X["d"], X["e"] > 0.5,
                                                    X["f"], X["g"], PB)),
    "coercion.local_balance": (lambda r: coercion.local_balance(S["a"][r], X["a"][r], X["b"][r], S["b"][r]),
                               lambda: coercion.local_balance(S["a"][:, None], X["a"], X["b"], S["b"][:, None])),
    "coercion.force_decision": (
        lambda r: coercion.force_decision(X["a"][r], 0.5, X["d"][r] * 0.1,
                                          coercion.force_possible(S["a"][r], X["b"][r], X["c"][r], S["b"][r] * 20, P1(r))),
        lambda: coercion.force_decision(X["a"], 0.5, X["d"] * 0.1,
                                        coercion.force_possible(S["a"][:, None], X["b"], X["c"], S["b"][:, None] * 20, PB))),
    "coercion.coercion_decision": (
        lambda r: coercion.coercion_decision(X["a"][r], P1(r)["coercion_threshold"], X["d"][r] * 0.1,
                                             coercion.coercion_possible(S["a"][r], X["b"][r] > 0.5, P1(r))),
        lambda: coercion.coercion_decision(X["a"], PB["coercion_threshold"], X["d"] * 0.1,
                                           coercion.coercion_possible(S["a"][:, None], X["b"] > 0.5, PB))),
    "coercion.decay": (lambda r: coercion.decay(X["a"][r], P1(r)["frozen_conflict_years"] * 4),
                       lambda: coercion.decay(X["a"], PB["frozen_conflict_years"] * 4)),
    "coercion.act_signal": (lambda r: coercion.act_signal(P1(r)["force_signal"], 1.3, X["a"][r]),
                            lambda: coercion.act_signal(PB["force_signal"], 1.3, X["a"])),
    "small_states.membership_demand": (
        lambda r: small_states.membership_demand(X["a"][r], X["b"][r], X["c"][r], X["d"][r], P1(r), X["e"][r]),
        lambda: small_states.membership_demand(X["a"], X["b"], X["c"], X["d"], PB, X["e"])),
    "small_states.retaliation_cost": (
        lambda r: small_states.retaliation_cost(S["a"][r], X["a"][r], X["b"][r], X["c"][r] > 0.5),
        lambda: small_states.retaliation_cost(S["a"][:, None], X["a"], X["b"], X["c"] > 0.5)),
    "small_states.alignment_target": (
        lambda r: small_states.alignment_target(X["a"][r], X["b"][r], X["c"][r], X["d"][r] * 2 - 1),
        lambda: small_states.alignment_target(X["a"], X["b"], X["c"], X["d"] * 2 - 1)),
    "small_states.accepts_partnership": (
        lambda r: small_states.accepts_partnership(X["a"][r] * 2 - 1, X["b"][r] > 0.7),
        lambda: small_states.accepts_partnership(X["a"] * 2 - 1, X["b"] > 0.7)),
    "order.centrality": (lambda r: order.centrality(X["a"][r], LADDER[r], X["b"][r] > 0.2, S["a"][r]),
                         lambda: order.centrality(X["a"], LADDER, X["b"] > 0.2, S["a"])),
    "order.expected_centrality": (
        lambda r: order.expected_centrality(X["a"][r], LADDER[r], X["c"][r], X["b"][r] > 0.2, S["a"][r], S["b"][r]),
        lambda: order.expected_centrality(X["a"], LADDER, X["c"], X["b"] > 0.2, S["a"], S["b"])),
    "order.function_from_voice": (lambda r: order.function_from_voice(S["a"][r], S["b"][r], P1(r)),
                                  lambda: order.function_from_voice(S["a"], S["b"], PR)),
    "paradigms.identity_update": (
        lambda r: paradigms.identity_update(S["a"][r], 3, S["b"][r] * 0.1, float(r % 2)),
        lambda: paradigms.identity_update(S["a"], np.full(R, 3), S["b"] * 0.1, np.arange(R) % 2)),
    "paradigms.constructivist_empathy": (lambda r: paradigms.constructivist_empathy(0.3, S["a"][r], float(r % 2)),
                                         lambda: paradigms.constructivist_empathy(0.3, S["a"], np.arange(R) % 2)),
    "paradigms.liberal_threat_discount": (
        lambda r: paradigms.liberal_threat_discount(X["a"][r], S["a"][r], float(r % 2)),
        lambda: paradigms.liberal_threat_discount(X["a"], S["a"][:, None], (np.arange(R) % 2)[:, None])),
    "observables.tension": (lambda r: observables.tension(S["a"][r], S["b"][r], S["c"][r] > 0.5, S["d"][r] > 0.5,
                                                          S["e"][r] * 0.2, S["f"][r] * 0.2),
                            lambda: observables.tension(S["a"], S["b"], S["c"] > 0.5, S["d"] > 0.5, S["e"] * 0.2,
                                                        S["f"] * 0.2)),
    "observables.regime_code": (lambda r: observables.regime_code(S["a"][r] > 0.5, S["b"][r] > 0.5, S["c"][r] * 20,
                                                                  S["d"][r] > 0.5),
                                lambda: observables.regime_code(S["a"] > 0.5, S["b"] > 0.5, S["c"] * 20, S["d"] > 0.5)),
    "alliance.member_votes": (
        lambda r: alliance.member_votes(X["a"][r], 0.7, X["b"][r], X["c"][r], X["d"][r], P1(r)),
        lambda: alliance.member_votes(X["a"], 0.7, X["b"], X["c"], X["d"], PB)),
    "alliance.aggregate (consensus)": (lambda r: alliance.aggregate(X["a"][r] - 0.3, X["b"][r], "consensus",
                                                                    X["c"][r] > 0.3)[0],
                                       lambda: alliance.aggregate(X["a"] - 0.3, X["b"], "consensus", X["c"] > 0.3)[0]),
    "alliance.aggregate (majority)": (lambda r: alliance.aggregate(X["a"][r] - 0.3, X["b"][r], "majority",
                                                                   X["c"][r] > 0.3)[0],
                                      lambda: alliance.aggregate(X["a"] - 0.3, X["b"], "majority", X["c"] > 0.3)[0]),
    "alliance.decision_loglik": (lambda r: alliance.decision_loglik(X["a"][r] - 0.3, True, P1(r)["vote_noise"],
                                                                    members=X["c"][r] > 0.3),
                                 lambda: alliance.decision_loglik(X["a"] - 0.3, True, PR["vote_noise"],
                                                                  members=X["c"] > 0.3)),
    "alliance.decision_loglik (majority, withheld)": (
        lambda r: alliance.decision_loglik(X["a"][r] - 0.3, False, P1(r)["vote_noise"], X["c"][r] > 0.3, X["b"][r],
                                           "majority"),
        lambda: alliance.decision_loglik(X["a"] - 0.3, False, PR["vote_noise"], X["c"] > 0.3, X["b"], "majority")),
    "alliance.leader_bonus": (lambda r: alliance.leader_bonus(MOT_R.order_weight[r], MOT_R.greed[r], S["a"][r] * 0.1,
                                                              S["b"][r] * 0.1, P1(r)),
                              lambda: alliance.leader_bonus(MOT_R.order_weight, MOT_R.greed, S["a"] * 0.1, S["b"] * 0.1,
                                                            PR)),
}
KM = np.triu(U(N, N) > 0.6, 1) * U(N, N) * 500
KM = KM + KM.T

# Per-run parameters drawn inside their ranges (ladder tables stay monotone): the functions that read their
# numbers from ``p`` and the ladder tables of each run (``security.ladder_tables`` of ``[R]`` arrays: ``[R, L]``).
_LP = [{k: float(rng.uniform(v.low, v.high)) for k, v in PARAMETERS.items()} for _ in range(R)]
LR = {k: np.array([p[k] for p in _LP]) for k in _LP[0]}   # [R]
LB = {k: v[:, None] for k, v in LR.items()}               # [R, 1]
TAB = security.ladder_tables(LR)                           # name -> [R, L]


def L1(r):
    return _LP[r]


def T1(r):
    return security.ladder_tables(_LP[r])


POS = U(N, 2) * np.array([40.0, 25.0]) + np.array([-5.0, 40.0])
CASES.update({
    "security.ladder_value": (lambda r: security.ladder_value(T1(r)["protection"], LADDER[r]),
                              lambda: security.ladder_value(TAB["protection"], LADDER)),
    "security.western_drift (per-run tables)": (
        lambda r: security.western_drift(LADDER[r], EU[r], X["a"][r] * 2 - 1, T1(r), L1(r)),
        lambda: security.western_drift(LADDER, EU, X["a"] * 2 - 1, TAB, LB)),
    "security.stakes (per-run tables)": (lambda r: security.stakes(LADDER[r], EU[r], X["a"][r], T1(r), L1(r)),
                                         lambda: security.stakes(LADDER, EU, X["a"], TAB, LB)),
    "security.west_holding (per-run tables)": (lambda r: security.west_holding(LADDER[r], X["a"][r], T1(r), L1(r)),
                                               lambda: security.west_holding(LADDER, X["a"], TAB, LB)),
    "order.centrality (per-run tables)": (
        lambda r: order.centrality(X["a"][r], LADDER[r], X["b"][r] > 0.2, S["a"][r], T1(r)),
        lambda: order.centrality(X["a"], LADDER, X["b"] > 0.2, S["a"], TAB)),
    "order.expected_centrality (per-run tables)": (
        lambda r: order.expected_centrality(X["a"][r], LADDER[r], X["c"][r], X["b"][r] > 0.2, S["a"][r], S["b"][r],
                                            T1(r)),
        lambda: order.expected_centrality(X["a"], LADDER, X["c"], X["b"] > 0.2, S["a"], S["b"], TAB)),
    "order.signal_credibility": (lambda r: order.signal_credibility("intention", L1(r)),
                                 lambda: order.signal_credibility("intention", LR)),
    "order.operation_effect": (lambda r: order.operation_effect("alliance", False, L1(r)),
                               lambda: order.operation_effect("alliance", False, LR)),
    "small_states.membership_demand (p)": (
        lambda r: small_states.membership_demand(X["a"][r], X["b"][r], X["c"][r], X["d"][r], L1(r), X["e"][r]),
        lambda: small_states.membership_demand(X["a"], X["b"], X["c"], X["d"], LB, X["e"])),
    "small_states.ally_availability": (lambda r: small_states.ally_availability(X["a"][r], X["b"][r] > 0.5, L1(r)),
                                       lambda: small_states.ally_availability(X["a"], X["b"] > 0.5, LB)),
    "small_states.western_pull": (lambda r: small_states.western_pull(X["a"][r], X["b"][r] * 2 - 1, L1(r)),
                                  lambda: small_states.western_pull(X["a"], X["b"] * 2 - 1, LB)),
    "small_states.retaliation_cost (p)": (
        lambda r: small_states.retaliation_cost(S["a"][r], X["a"][r], X["b"][r], X["c"][r] > 0.5, L1(r)),
        lambda: small_states.retaliation_cost(S["a"][:, None], X["a"], X["b"], X["c"] > 0.5, LB)),
    "small_states.alignment_target (p)": (
        lambda r: small_states.alignment_target(X["a"][r], X["b"][r], X["c"][r], X["d"][r] * 2 - 1, L1(r)),
        lambda: small_states.alignment_target(X["a"], X["b"], X["c"], X["d"] * 2 - 1, LB)),
    "small_states.frozen_conflict_damping": (lambda r: small_states.frozen_conflict_damping(X["a"][r], X["b"][r], L1(r)),
                                             lambda: small_states.frozen_conflict_damping(X["a"], X["b"], LB)),
    "small_states.accepts_partnership (p)": (
        lambda r: small_states.accepts_partnership(X["a"][r] * 2 - 1, X["b"][r] > 0.7, L1(r)),
        lambda: small_states.accepts_partnership(X["a"] * 2 - 1, X["b"] > 0.7, LB)),
    "paradigms.identity_update (p)": (
        lambda r: paradigms.identity_update(S["a"][r], 3, S["b"][r] * 0.1, float(r % 2), L1(r)),
        lambda: paradigms.identity_update(S["a"], np.full(R, 3), S["b"] * 0.1, np.arange(R) % 2, LR)),
    "paradigms.liberal_threat_discount (p)": (
        lambda r: paradigms.liberal_threat_discount(X["a"][r], S["a"][r], 1.0, L1(r)),
        lambda: paradigms.liberal_threat_discount(X["a"], S["a"][:, None], 1.0, LB)),
    "paradigms.liberal_harm_damping": (lambda r: paradigms.liberal_harm_damping(S["a"][r], 1.0, L1(r)),
                                       lambda: paradigms.liberal_harm_damping(S["a"], 1.0, LR)),
    "paradigms.constructivist_prior": (lambda r: paradigms.constructivist_prior(X["a"][r], S["a"][r], 1.0, L1(r)),
                                       lambda: paradigms.constructivist_prior(X["a"], S["a"][:, None], 1.0, LB)),
    "paradigms.constructivist_empathy (p)": (
        lambda r: paradigms.constructivist_empathy(0.3, S["a"][r], 1.0, L1(r)),
        lambda: paradigms.constructivist_empathy(0.3, S["a"], 1.0, LR)),
    "threat.core_weights (a scale per run)": (
        lambda r: threat.core_weights(POS, L1(r)["core_distance_km"]),
        lambda: threat.core_weights(POS, LR["core_distance_km"][:, None, None])),
    "randomness.lognormal_factor": (
        lambda r: randomness.lognormal_factor(r + 11, np.arange(N, dtype=np.uint64), "importance",
                                              L1(r)["importance_jitter"]),
        lambda: randomness.lognormal_factor(np.arange(R)[:, None] + 11, np.arange(N, dtype=np.uint64), "importance",
                                            LR["importance_jitter"][:, None])),
})


@pytest.mark.parametrize("name", sorted(CASES))
def test_batched_equals_stacked(name):
    single, batched = CASES[name]
    check(single, batched)


def test_random_draws_of_a_batch_are_each_runs_own():
    from sim.mechanisms.randomness import normal
    agents = np.arange(N, dtype=np.uint64) * 977
    seeds = np.array([3, 1, 4, 1, 5])
    batch = normal(seeds[:, None], agents, "stance", 17)
    for r, seed in enumerate(seeds):
        assert np.array_equal(batch[r], normal(int(seed), agents, "stance", 17))
