"""Unit tests, one group per mechanism (docs/theory.md §4). Each asserts the property the mechanism's source
states, so that it fails if the mechanism breaks."""

import numpy as np
import pytest

from sim.mechanisms import (alliance, arming, beliefs, capacity, coercion, observables, order, paradigms,
                            randomness, security, small_states, stance, threat)
from sim.params import defaults, resolve
from sim.worlds import motive

P = defaults()


# --- M1 capacity
def test_capability_accumulates_and_depreciates():
    k = np.array([100.0])
    assert capacity.accumulate(k, np.array([0.0]), np.array([1000.0]), 0.08)[0] == pytest.approx(98.0)
    assert capacity.accumulate(k, np.array([0.04]), np.array([1000.0]), 0.08)[0] == pytest.approx(108.0)
    ss = capacity.steady_state(np.array([0.04]), np.array([1000.0]), 0.08)
    assert capacity.accumulate(ss, np.array([0.04]), np.array([1000.0]), 0.08) == pytest.approx(ss)


def test_fiscal_capacity_falls_with_collapse_and_recovers():
    cap = np.array([1.0])
    for _ in range(20):
        cap = capacity.fiscal_capacity(cap, np.array([50.0]), np.array([100.0]), 0.2)
    assert cap[0] == pytest.approx(0.5, abs=0.01)
    for _ in range(30):
        cap = capacity.fiscal_capacity(cap, np.array([120.0]), np.array([120.0]), 0.2)
    assert cap[0] > 0.99


def test_gdp_path_interpolates_and_holds():
    q = np.arange(1992 * 4, 2000 * 4)
    path = capacity.interpolate_path({1992: 100.0, 1994: 200.0}, q)
    assert path[0] == pytest.approx(100.0, rel=0.05) and path[-1] == 200.0
    assert np.all(np.diff(path) >= 0)


# --- M2 threat
def test_threat_rises_with_exposure_and_power():
    t_lo = threat.perceived_threat(threat.relative_power(1.0, 1.0, 1.0), 0.2, 1.0, 0.5, 0.3)
    t_hi_exposure = threat.perceived_threat(threat.relative_power(1.0, 1.0, 1.0), 0.4, 1.0, 0.5, 0.3)
    t_hi_power = threat.perceived_threat(threat.relative_power(3.0, 1.0, 1.0), 0.2, 1.0, 0.5, 0.3)
    assert t_hi_exposure > t_lo and t_hi_power > t_lo


def test_kappa_keeps_capabilities_threatening_whatever_the_intentions():
    assert threat.perceived_threat(0.5, 0.5, 1.0, 0.0, 0.3) == pytest.approx(0.5 * 0.5 * 0.3)
    assert threat.perceived_threat(0.5, 0.5, 1.0, 0.0, 0.3) > 0


def test_exposure_accession_adds_border_even_where_bloc_already_touched():
    km = np.array([[0, 200, 300, 500], [200, 0, 0, 0], [300, 0, 0, 0], [500, 0, 0, 0]], dtype=float)
    w = np.ones_like(km)
    held_before = np.array([0.0, 1.0, 0.0, 0.0])  # the bloc already borders state 0 through state 1
    held_after = np.array([0.0, 1.0, 1.0, 0.0])
    zero = np.zeros(4)
    before = threat.exposure(km, w, held_before, zero, 0.5)[0]
    after = threat.exposure(km, w, held_after, zero, 0.5)[0]
    assert before == pytest.approx(0.2) and after == pytest.approx(0.5)


def test_core_weights_closer_capitals_weigh_more():
    pos = np.array([[37.6, 55.8], [27.6, 53.9], [-3.7, 40.4]])  # Moscow, Minsk, Madrid
    w = threat.core_weights(pos)
    assert w[0, 1] > w[0, 2] and w[0, 0] == pytest.approx(1.0)


# --- M3 broad security
def test_status_gap_and_territorial_switch():
    assert security.status_gap(0.6, 0.25) == pytest.approx(0.45)
    p = resolve(overrides={"territorial_only": 1.0})
    parts = security.insecurity(0.3, 0.5, 0.5, 0.5, p)
    assert parts["total"] == pytest.approx(p["w_military"] * 0.3)


def test_stakes_pledge_without_map_raises_stake_without_protection_and_members_are_no_target():
    ladder = np.array([security.NONE, security.PLEDGED, security.MAP, security.MEMBER])
    st = security.stakes(ladder, np.zeros(4, dtype=int), np.zeros(4))
    assert st[1] > st[0] and st[1] > st[2]
    assert st[3] == 0.0


# --- M4 beliefs
# (M4 over the three types is tested in tests/test_beliefs.py)


# --- M5 stance
def test_assurance_threshold_rule():
    c, t = 0.5, 0.3
    pbar = stance.assurance_threshold(c, t)
    assert pbar == pytest.approx(c / (1 + c - t))
    p = {**P, "exploitation_cost": c, "threat_cost": 0.0, "temptation": t}
    assert stance.security_margin(pbar + 0.01, 0.0, p) > 0 > stance.security_margin(pbar - 0.01, 0.0, p)


def test_cost_of_exploitation_rises_with_threat():
    assert stance.assurance_threshold(stance.exploitation_cost(0.5, 0.3, 1.5), 0.3) > \
        stance.assurance_threshold(stance.exploitation_cost(0.1, 0.3, 1.5), 0.3)


def test_revisionist_cooperates_while_expected_centrality_falls():
    russia = motive("order_revisionist", "russia", P)
    falling = stance.order_gain(expected_c=0.3, reference_c=0.4, preferred_c=0.0, scale=0.05)
    rising = stance.order_gain(expected_c=0.5, reference_c=0.4, preferred_c=0.0, scale=0.05)
    assert stance.stance_margin(russia, 0.4, 0.2, falling, 0.0, P) > 0 > stance.stance_margin(russia, 0.4, 0.2, rising, 0.0, P)
    leader = motive("order_revisionist", "leader", P)
    assert stance.order_gain(0.5, 0.4, leader.preferred_centrality, 0.05) > 0


def test_greed_lowers_cooperation():
    g = motive("greedy_expansionist", "russia", P)
    s = motive("security_seeker", "russia", P)
    assert stance.stance_margin(g, 0.6, 0.2, 0.0, 0.8, P) < stance.stance_margin(s, 0.6, 0.2, 0.0, 0.8, P)


# --- M6 arming
def test_arming_target_rises_with_insecurity_and_is_capped_by_capacity():
    lo = arming.target_effort(np.array([0.2]), np.array([0.0]), np.array([1.0]), 0.02, P)
    hi = arming.target_effort(np.array([1.0]), np.array([0.0]), np.array([1.0]), 0.02, P)
    poor = arming.target_effort(np.array([1.0]), np.array([0.0]), np.array([0.5]), 0.02, P)
    assert hi > lo and poor < hi
    assert arming.richardson_margin(0.1, 0.1, 0.5, 0.5) > 0 > arming.richardson_margin(0.8, 0.8, 0.5, 0.5)


# --- M7 small states
def test_demand_rises_with_threat_falls_with_retaliation_cost():
    d_lo = small_states.membership_demand(0.1, 0.5, 0.2, 0.0, P)
    d_hi = small_states.membership_demand(0.5, 0.5, 0.2, 0.0, P)
    d_cost = small_states.membership_demand(0.5, 0.5, 0.8, 0.0, P)
    assert d_hi > d_lo and d_cost < d_hi


def test_bandwagoning_when_threat_overwhelming_and_no_ally():
    protected = small_states.alignment_target(0.5, 0.9, 1.0, 0.0)
    alone = small_states.alignment_target(0.5, 0.9, 0.0, 0.0)
    assert alone < 0 <= protected


# --- M8 alliance decisions
def test_consensus_needs_every_yes_and_reports_splits():
    decided, split = alliance.aggregate(np.array([0.5, 0.2, -0.1]), np.ones(3), "consensus")
    assert not decided and split
    decided, split = alliance.aggregate(np.array([0.5, 0.2, -0.1]), np.array([5.0, 1.0, 1.0]), "majority")
    assert decided and split


def test_frontline_members_fear_provocation_less():
    votes = alliance.member_votes(np.array([0.3, 0.3]), 1.0, np.array([0.3, 0.3]), np.array([0.0, 0.9]), 0.0, P)
    assert votes[1] > votes[0]


# --- M9 coercion
def test_pressure_follows_stakes_versus_protection():
    """docs/theory.md §9 (stakes versus protection): pressure rises along the ladder while protection lags —
    a pledge without a MAP is the most exposed — and a member is no longer a target."""
    levels = np.array([security.NONE, security.ASPIRANT, security.PLEDGED, security.MAP, security.MEMBER])
    st = security.stakes(levels, np.zeros(5, dtype=int), np.zeros(5))
    prot = security.PROTECTION[levels]
    pres = coercion.pressure(st, np.ones(5), np.zeros(5), 0.0, prot, np.ones(5), np.zeros(5), np.full(5, 0.8), P)
    assert pres[0] == 0.0 and pres[1] > 0 and pres[2] > pres[1]
    assert pres[-1] == 0.0
    # the trigger reads the pressure, with noise, where coercion is open
    open_ = coercion.coercion_possible(1.0, np.zeros(5, dtype=bool), P)
    fired = coercion.coercion_decision(pres, P["coercion_threshold"], np.zeros(5), open_)
    assert fired.tolist() == (pres >= P["coercion_threshold"]).tolist()
    assert not coercion.coercion_decision(pres, P["coercion_threshold"], np.zeros(5),
                                          coercion.coercion_possible(0.1, np.zeros(5, dtype=bool), P)).any()


def test_force_is_deterred_by_article_5_the_local_balance_and_refractory():
    bal = np.array([0.9, 0.9, 0.4])
    prot = np.array([0.0, 1.0, 0.0])
    open_ = coercion.force_possible(1.0, bal, prot, 100, P)
    assert open_.tolist() == [True, False, False]
    fired = coercion.force_decision(np.full(3, 0.9), 0.4, np.zeros(3), open_)
    assert fired.tolist() == [True, False, False]
    assert not coercion.force_possible(1.0, bal, prot, 3, P).any()          # refractory period
    assert not coercion.force_possible(0.5, bal, prot, 100, P).any()        # capacity below force_capacity_min


def test_frozen_conflict_blocks_pressure_and_decays():
    p = coercion.pressure(np.array([0.5]), np.ones(1), np.zeros(1), 0.0, np.zeros(1), np.ones(1), np.ones(1),
                          np.ones(1), P)
    assert p[0] == 0.0
    assert coercion.decay(np.array([1.0]), 40.0)[0] == pytest.approx(0.5 ** (1 / 40))


# --- centrality
def test_accession_raises_centrality_by_capability():
    cap = np.array([10.0, 1.0, 5.0])
    eu = np.ones(3)
    before = order.centrality(cap, np.array([security.MEMBER, security.NONE, security.NONE]), eu, 0.6)
    small = order.centrality(cap, np.array([security.MEMBER, security.MEMBER, security.NONE]), eu, 0.6)
    large = order.centrality(cap, np.array([security.MEMBER, security.NONE, security.MEMBER]), eu, 0.6)
    assert before < small < large


def test_operations_without_mandate_raise_function_more_and_coalitions_lower_it():
    assert order.operation_effect("alliance", False, P) > order.operation_effect("alliance", True, P) > 0
    assert order.operation_effect("coalition", False, P) < 0


# --- M10 paradigms
def test_liberal_switch_discounts_democratic_dyads_only_when_on():
    assert paradigms.liberal_threat_discount(1.0, 1.0, 0.0) == 1.0
    assert paradigms.liberal_threat_discount(1.0, 1.0, 1.0) < paradigms.liberal_threat_discount(0.2, 1.0, 1.0)


def test_constructivist_identity_rises_with_channels_falls_with_hostility():
    up = paradigms.identity_update(0.2, 4, 0.0, 1.0)
    down = paradigms.identity_update(0.2, 4, 0.5, 1.0)
    assert up > 0.2 > down
    assert paradigms.identity_update(0.2, 4, 0.0, 0.0) == 0.2


# --- observables and randomness
def test_regime_from_stances_and_events_not_tension():
    assert observables.relationship_regime(False, False, 1e9, False) == "cooperation"
    assert observables.relationship_regime(True, False, 1e9, False) == "cold_peace"
    assert observables.relationship_regime(True, True, 1e9, False) == "confrontation"
    assert observables.relationship_regime(True, True, 1e9, True) == "crisis"
    assert observables.relationship_regime(False, False, 2, False) == "war"


def test_random_streams_are_keyed_and_independent_of_order():
    keys = np.array([randomness.key_of(c) for c in ("RUS", "UKR", "POL")], dtype=np.uint64)
    a = randomness.uniform(7, keys, "stance", 12)
    b = randomness.uniform(7, keys[::-1], "stance", 12)[::-1]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, randomness.uniform(7, keys, "stance", 13))
    assert not np.array_equal(a, randomness.uniform(7, keys, "perception", 12))
    z = randomness.normal(1, np.arange(20000, dtype=np.uint64), "x", 0)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03


def test_richardson_reaction_grows_with_threat_and_with_the_rivals_weakness():
    base = arming.reaction_term(0.05, 0.015, 1.0, 1.0, 1.0, 0.2, 0.5, 0.03)
    assert arming.reaction_term(0.05, 0.015, 1.0, 1.0, 1.0, 0.4, 0.5, 0.03) > base
    assert arming.reaction_term(0.05, 0.015, 0.5, 1.0, 1.0, 0.2, 0.5, 0.03) < base
    assert arming.reaction_term(0.05, 0.015, 1.0, 1.0, 1.0, 0.2, 0.8, 0.03) < base


# --- the rules moved out of the model's glue into the mechanisms (each with its own test)
def test_act_signal_scales_with_size_of_act_and_closeness():
    near = coercion.act_signal(1.0, 2.0, 1.0)
    assert near == pytest.approx(2.0)
    far = coercion.act_signal(1.0, 2.0, 0.0)
    assert far == pytest.approx(1.0) and far < near
    assert coercion.act_signal(1.0, P["coercion_share"], 1.0) < coercion.act_signal(1.0, 1.0, 1.0)
    assert coercion.offense_after_force(0.0, P["force_offense"]) == 1.0 < coercion.offense_after_force(1.0, P["force_offense"])


def test_frozen_conflict_damps_demand_and_partnership_needs_no_firm_eastern_lean():
    assert small_states.frozen_conflict_damping(0.8, 1.0) == pytest.approx(0.24)
    assert small_states.frozen_conflict_damping(0.8, 0.0) == pytest.approx(0.8)
    assert small_states.accepts_partnership(0.0, False) and not small_states.accepts_partnership(-0.6, False)
    assert not small_states.accepts_partnership(0.5, True)


def test_inclusive_order_proposals_need_cooperation_motive_and_cooldown():
    p = {**P, "proposal_threshold": 0.2, "proposal_cooldown": 8}
    assert stance.proposes_inclusive_order(True, 0.5, 0.4, 0.1, 10, p) == (True, pytest.approx(0.3))
    assert not stance.proposes_inclusive_order(False, 0.5, 0.4, 0.1, 10, p)[0]
    assert not stance.proposes_inclusive_order(True, 0.0, 0.4, 0.1, 10, p)[0]
    assert not stance.proposes_inclusive_order(True, 0.5, 0.4, 0.1, 3, p)[0]


def test_applicant_gain_provocation_and_leader_bonus():
    gain = alliance.applicant_gain(0.1, [True, False], P)
    assert gain[0] > gain[1] > P["applicant_base_gain"]
    assert alliance.provocation_of([1.0], [1.0]) > alliance.provocation_of([1.0], [0.2]) > alliance.provocation_of([0.0], [1.0])
    # the leader's type: a revisionist values the centrality gain, a greedy one the sphere gain, a seeker neither
    assert alliance.leader_bonus(0.0, 0.0, 0.05, 0.05, P) == 0.0
    assert alliance.leader_bonus(0.5, 0.0, 0.05, 0.0, P) > 0 and alliance.leader_bonus(0.5, 0.0, 0.0, 0.05, P) == 0
    assert alliance.leader_bonus(0.0, 0.5, 0.0, 0.05, P) > 0 and alliance.leader_bonus(0.0, 0.5, 0.05, 0.0, P) == 0


def test_west_holds_members_fully_and_candidates_by_expected_accession():
    held = security.west_holding(np.array([security.MEMBER, security.NONE, security.NONE]), np.array([0.0, 0.0, 0.8]))
    assert held.tolist() == pytest.approx([1.0, 0.0, 0.4])


def test_consensus_hangs_on_the_least_willing_member_and_withheld_decisions_carry_evidence():
    """M8 with a common bargaining shock: P(taken) = logistic(min margin / noise), whatever the number of
    members; a withheld decision is likely when the pivotal member is against, and tells types apart."""
    few = np.array([0.3, 0.4])
    many = np.concatenate([few, np.full(28, 0.9)])
    assert alliance.decision_probability(few, 1.0, "consensus", 0.3) == pytest.approx(
        alliance.decision_probability(many, 1.0, "consensus", 0.3))
    assert alliance.decision_probability(few, 1.0, "consensus", 0.3) == pytest.approx(1 / (1 + np.exp(-1.0)))
    against = np.array([-0.3, 0.5, 0.5])
    assert alliance.decision_loglik(against, False, 0.3) > alliance.decision_loglik(against, True, 0.3)
    # a leader bonus that pushes the pivotal member makes withholding less likely: evidence about the type
    assert alliance.decision_loglik(against + 0.4, False, 0.3) < alliance.decision_loglik(against, False, 0.3)
    # majority: the capability-weighted median member decides
    assert alliance.pivotal_margin(np.array([0.5, 0.2, -0.1]), np.array([5.0, 1.0, 1.0]), "majority") == 0.5
