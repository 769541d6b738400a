"""Behavioural tests of the model: each states a theoretical expectation and checks it over several
seeds (and, where the expectation is world-independent, in every world). None is tuned to post-2013
history; they run on a small synthetic world (tests/data/mini_world.yaml)."""

import numpy as np
import pytest

from sim.model import SpiralModel
from sim.runs.single import run_single
from sim.scenario import Counterfactual
from sim.worlds import WORLDS

from conftest import DATA

SEEDS = range(1, 6)
MINI = str(DATA / "mini_history.yaml")
WORLD_ONLY = str(DATA / "mini_world.yaml")


def obs(scenario, world, seed, **params):
    return run_single(scenario, world, seed, params or None, keep=("observables", "events"))


@pytest.mark.parametrize("world", WORLDS)
def test_accession_on_russias_border_raises_russias_perceived_threat(world):
    """Walt/M2: an accession that adds NATO border with Russia raises Russia's perceived military threat,
    whatever the world (paired runs: the same history with and without the accession)."""
    without = Counterfactual(MINI, name="no_est").remove_event("est_accession").build()
    step = 1999 * 4 - 1992 * 4  # 1999Q1
    for seed in SEEDS:
        a = obs(MINI, world, seed).observables
        b = obs(without, world, seed).observables
        assert a.loc[step, "russia_insecurity_military"] > b.loc[step, "russia_insecurity_military"], seed
        assert a.loc[step - 1, "russia_insecurity_military"] == b.loc[step - 1, "russia_insecurity_military"]


def test_two_security_seekers_with_high_trust_and_no_provocation_stay_cooperative():
    """Kydd 2005: rational security seekers with high trust and nothing to fear do not spiral."""
    cf = Counterfactual(WORLD_ONLY, name="trusting")
    cf.set_parameter("prior_russia_about_west", 0.2).set_parameter("misperception", 0.0)
    for iso in ("USA", "DEU", "NOR", "EST", "UKR", "GEO"):
        cf.set_state(iso, "prior_about_russia", 0.2)
    scenario = cf.build()
    for seed in SEEDS:
        o = obs(scenario, "security_dilemma", seed).observables
        assert o["russia_stance"].mean() >= 0.9, seed
        assert o["nato_stance"].mean() >= 0.9, seed
        assert (o["regime"] == "cooperation").mean() >= 0.8, seed


def test_costly_reassurance_lowers_russias_belief_in_the_security_dilemma_world():
    """Kydd 2005 / Steinel 2007: an offered seat with voice, once accepted, is a reassuring signal (it costs an
    order-revisionist West centrality): Russia's belief that NATO is not a security seeker falls
    relative to the same history without the offer."""
    base = Counterfactual(WORLD_ONLY, name="no_offer").build()
    offer = Counterfactual(WORLD_ONLY, name="offer").add_event(
        id="seat", date="1995Q1", kind="institution_offer", actor="NATO", institution="PJC", targets=["RUS"],
        source="test").build()
    accepted = 0
    for seed in SEEDS:
        r = obs(offer, "security_dilemma", seed)
        if not ((r.events["kind"] == "acceptance") & (r.events["target"] == "PJC")).any():
            continue
        accepted += 1
        later = slice(1996 * 4 - 1992 * 4, 1998 * 4 - 1992 * 4)
        b_with = 1 - r.observables.loc[later, "trust_russia_in_nato"].mean()
        b_without = 1 - obs(base, "security_dilemma", seed).observables.loc[later, "trust_russia_in_nato"].mean()
        assert b_with < b_without, seed
    assert accepted >= 3


def test_revisionist_russia_cooperates_while_expected_centrality_falls_and_defects_when_it_rises():
    """Sushentsov & Wohlforth 2020: a revisionist Russia's cooperation is premised on the expected order moving its way."""
    coop_falling, coop_rising = [], []
    cf = Counterfactual(WORLD_ONLY, name="falling_then_rising")
    # first the expected order moves Russia's way (operations that bypass NATO lower its function) ...
    for i, date in enumerate(("1992Q3", "1993Q1", "1993Q3")):
        cf.add_event(id=f"bypass{i}", date=date, kind="operation", actor="USA", run_by="coalition",
                     un_mandate=False, regime_change=False, source="test")
    # ... then against it (credible enlargement signals and an accession)
    cf.add_event(id="signal", date="1996Q1", kind="enlargement_signal", actor="NATO", candidates=["UKR", "GEO"],
                 stage="decision", source="test")
    cf.add_event(id="join", date="1997Q1", kind="accession", actor="NATO", targets=["EST"], source="test")
    scenario = cf.build()
    for seed in range(1, 9):
        m = SpiralModel(scenario, world="revisionist_spiral", seed=seed, network=False)
        while m.running:
            gap = m.world.expected_centrality - m.world.reference_centrality  # what the decision reads
            m.step()
            coop = m.world.stance[m.cw.rus]
            if gap < -0.005:
                coop_falling.append(coop)
            elif gap > 0.005:
                coop_rising.append(coop)
    assert len(coop_falling) > 5 and len(coop_rising) > 5
    assert np.mean(coop_falling) > np.mean(coop_rising) + 0.3


def test_conditional_event_does_not_fire_when_its_condition_never_occurs():
    never = Counterfactual(MINI, name="never").add_event(
        id="answer_never", date="1993Q1", kind="sanctions", actor="NATO", target="RUS",
        requires={"force_used": {"by": "RUS", "against": ["USA"]}}, source="test").build()
    for world in WORLDS:
        for seed in SEEDS:
            ev = obs(never, world, seed).events
            assert "answer_never" not in set(ev["event_id"]), (world, seed)


def test_conditional_event_fires_after_its_condition_with_its_delay():
    cf = Counterfactual(MINI, name="after_application").add_event(
        id="answer_app", date="1992Q1", kind="sanctions", actor="NATO", target="RUS",
        requires={"applied": ["GEO"]}, delay=2, source="test").build()
    for seed in SEEDS:
        ev = obs(cf, "security_dilemma", seed).events
        app = ev[(ev["kind"] == "application") & (ev["actor"] == "GEO")]
        fired = ev[ev["event_id"] == "answer_app"]
        if len(app):
            assert len(fired) == 1 and fired["step"].iloc[0] == app["step"].iloc[0] + 3
        else:
            assert len(fired) == 0


def test_no_force_against_a_nato_member():
    """Article 5 deters force against members in the same terms as anything else (M9)."""
    for world in WORLDS:
        for seed in SEEDS:
            ev = obs(MINI, world, seed, force_threshold_mean=0.25, force_threshold_sd=0.0).events
            force = ev[ev["kind"] == "use_of_force"]
            assert not force["cause"].str.contains("tie 'member'").any()


def test_coercion_trigger_fires_on_the_state_of_the_world_whatever_produced_it():
    """M9: a trigger reads ties, pledges, regime and alignment, never an event's identity. Georgia pledged by
    a scripted pledge, and Georgia put in the same state with no event at all, draw the same coercion at
    the same step."""
    from sim.mechanisms.security import PLEDGED
    with_event = Counterfactual(WORLD_ONLY, name="pledged").add_event(
        id="pledge", date="1994Q1", kind="membership_pledge", actor="NATO", targets=["GEO"], source="test").build()
    no_event = Counterfactual(WORLD_ONLY, name="plain").build()
    params = {"coercion_threshold": 0.2}
    for seed in SEEDS:
        a = SpiralModel(with_event, "security_dilemma", seed, params, network=False)
        b = SpiralModel(no_event, "security_dilemma", seed, params, network=False)
        geo = b.cw.index["GEO"]
        while a.running:
            if a.steps == 8:                         # 1994Q1 is about to run in both
                b.world.ladder[geo] = PLEDGED        # the same state, reached without any event
                b.world.expected_join[geo] = max(b.world.expected_join[geo], 0.5)
            a.step()
            b.step()
        ca = [(e["step"], e["target"]) for e in a.event_log if e["kind"] == "coercion" and e["target"] == "GEO"]
        cb = [(e["step"], e["target"]) for e in b.event_log if e["kind"] == "coercion" and e["target"] == "GEO"]
        assert ca and ca == cb, (seed, ca, cb)
