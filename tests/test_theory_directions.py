"""The theory's predictions on the historical record (1992–2013 only; the held-out years are never read).

Each test runs the engine on the same seeds (common random numbers) and checks a *direction* that the
theory predicts and that would fail if the mechanism broke it (docs/theory.md §4; Jervis 1976; Kydd 2000,
2005; Glaser 2010; Sushentsov & Wohlforth 2020). None requires a world to win or to fit the record.
"""

import numpy as np
import pytest

from sim.engine.simulate import simulate
from sim.scenario import Counterfactual, load_scenario
from sim.worlds import WORLDS

HIST = "scenarios/historical.yaml"
TRAIN = 88  # quarters 1992Q1–2013Q4
SEEDS = range(1, 41)


@pytest.fixture(scope="module")
def hist():
    return load_scenario(HIST)


def _run(scenario, world, params=None, seeds=SEEDS, keep_states=False):
    return simulate(scenario, world, list(seeds), params, keep_states=keep_states)


def _count(res, kind):
    ev = res.events
    sel = (ev["kind"] == kind) & (ev["step"] < TRAIN) & ~ev["scripted"].astype(bool)
    return np.bincount(ev["run"][sel].astype(int), minlength=len(res.seeds))


@pytest.mark.parametrize("world", WORLDS)
def test_beliefs_do_not_saturate_in_the_replay(hist, world):
    """Every quarter 1992–2013, P(S) of each great power about the other stays within [0.02, 0.98] in at
    least 95 % of seeds (issue 10; docs/theory.md §9: beliefs must not lock)."""
    res = _run(hist, world, seeds=range(1, 101), keep_states=True)
    usa = hist.iso3s.index("USA")
    for p_s in (res.observables["trust_russia_in_nato"][:, :TRAIN],
                1.0 - res.states["belief_about_russia"][:, :TRAIN, usa]):
        inside = ((p_s >= 0.02) & (p_s <= 0.98)).mean(axis=0)
        assert inside.min() >= 0.95


def test_misperception_and_missing_empathy_are_what_make_security_seekers_spiral(hist):
    """Kydd 2005: rational security seekers with accurate updating (misperception 0, empathy 1) trust each
    other more than misperceiving ones on the same record; the spiral deepens as misperception rises and
    empathy falls (Jervis 1976). Checked both ways (Russia about the West, the US about Russia), 2004–13."""
    usa = hist.iso3s.index("USA")
    late = slice(48, TRAIN)
    trust = []
    for params in ({"misperception": 0.0, "empathy": 1.0}, None, {"misperception": 1.5, "empathy": 0.0}):
        res = _run(hist, "security_dilemma", params, keep_states=True)
        trust.append((res.observables["trust_russia_in_nato"][:, late].mean(),
                      1.0 - res.states["belief_about_russia"][:, late, usa].mean(),
                      res.observables["tension_russia"][:, late].mean()))
    accurate, default, biased = trust
    assert accurate[0] > default[0] > biased[0]
    assert accurate[1] > default[1] > biased[1]
    assert accurate[2] < default[2] < biased[2]


def test_a_greedier_russia_coerces_and_uses_force_more(hist):
    """Glaser 2010; Jervis's deterrence model: greed raises pressure where there is opportunity."""
    low = _run(hist, "deterrence", {"greed": 0.2})
    high = _run(hist, "deterrence", {"greed": 0.8})
    assert _count(high, "coercion").sum() > _count(low, "coercion").sum()
    assert _count(high, "use_of_force").sum() > _count(low, "use_of_force").sum()


def test_a_security_seeking_russia_answers_reassurance_and_a_greedy_one_does_not(hist):
    """Jervis 1976 (spiral vs deterrence model); Kydd 2000: the West's offers of seats (PfP, the Founding
    Act, the NRC) raise a security-seeking Russia's trust and cooperation more than a greedy Russia's, and
    do not restrain a greedy Russia's coercion."""
    no_offers = (Counterfactual(HIST, name="no_offers").remove_events("institution_offer")
                 .remove_events("partnership_offer").build())
    after = slice(8, TRAIN)  # from 1994, the first offer

    def effect(world):
        a, b = _run(hist, world), _run(no_offers, world)
        return (a.observables["trust_russia_in_nato"][:, after].mean() - b.observables["trust_russia_in_nato"][:, after].mean(),
                a.observables["russia_stance"][:, after].mean() - b.observables["russia_stance"][:, after].mean(),
                _count(a, "coercion").sum() - _count(b, "coercion").sum())

    seeker, greedy = effect("security_dilemma"), effect("deterrence")
    assert seeker[0] > 0 and seeker[0] > greedy[0]
    assert seeker[1] > greedy[1]
    assert greedy[2] >= 0


def test_a_revisionist_russias_cooperation_tracks_its_expected_centrality(hist):
    """Sushentsov & Wohlforth 2020: an order revisionist cooperates while it expects NATO's centrality to
    fall and turns when it rises. Without the enlargement signals of 1994–96 (which raise the expected
    accession of the candidates, hence Ĉ), a revisionist Russia's expected centrality is lower in 1994–98
    and it cooperates far more; a security-seeking Russia's cooperation barely moves."""
    no_signals = Counterfactual(HIST, name="no_signals").remove_events("enlargement_signal").build()
    years = slice(8, 28)  # 1994–98

    def shift(world):
        a, b = _run(hist, world), _run(no_signals, world)
        dc = (b.observables["russia_expected_centrality"][:, years].mean()
              - a.observables["russia_expected_centrality"][:, years].mean())
        dcoop = b.observables["russia_stance"][:, years].mean() - a.observables["russia_stance"][:, years].mean()
        return dc, dcoop

    dc_r, coop_r = shift("revisionist_spiral")
    dc_s, coop_s = shift("security_dilemma")
    assert dc_r < 0 and dc_s < 0                      # the signals raise Ĉ in both worlds
    assert coop_r > 0.2 and coop_r > 5 * abs(coop_s)  # only the revisionist's cooperation follows it


def test_western_pulses_off_holds_natos_stance(hist):
    res = _run(hist, "security_dilemma", {"west_pulses_off": 1.0}, seeds=range(1, 6))
    assert (res.observables["nato_stance"][:, :TRAIN] == 1).all()
    free = _run(hist, "security_dilemma", seeds=range(1, 6))
    assert (free.observables["nato_stance"][:, :TRAIN] == 0).any()


@pytest.mark.parametrize("offer", ["founding_act_pjc_offer_1997", "nrc_offer_2002"])
def test_a_costly_offer_reassures_a_security_seeker_when_nobody_misperceives(hist, offer):
    """Kydd 2000 on the record: an offer of a seat with voice costs NATO centrality, which a revisionist
    leader would not pay, so with misperception 0 Russia's belief that the (security-seeking) West is not a
    security seeker falls in the quarter of the offer, against the same history without it."""
    without = Counterfactual(HIST, name="without").remove_event(offer).build()
    k = next(e.date for e in hist.events if e.id == offer) - hist.start
    p = {"misperception": 0.0}
    a, b = _run(hist, "security_dilemma", p), _run(without, "security_dilemma", p)
    trust_with = a.observables["trust_russia_in_nato"][:, k]
    trust_without = b.observables["trust_russia_in_nato"][:, k]
    assert (trust_with > trust_without).mean() >= 0.9
