"""Response rules, withheld decisions, NATO's votes on emergent applications and the effects of scripted
events (issue 10, "No scripting through the back door"; docs/scenario-format.md, docs/descripting.md).

- a response fires ``lag`` quarters after the act in the runs where the act happened, and never elsewhere
  (acts injected into chosen runs, and the historical replay's own uses of force);
- a rule cannot carry a calendar window or name a state (the loader refuses it, in one line);
- withheld decisions are scored under each leader type and change nothing in the state but the evidence;
- a regime change's effects scale with the change in democracy it brings;
- a partnership offer leaves NATO's centrality unchanged until a target accepts;
- a state that applies and whose accession is not scripted is voted on by NATO (M8), one that is scripted
  is not, and a closed door votes on none.

Small: the mini world, a few runs; the historical replay once (module fixture, 12 runs).
"""

from __future__ import annotations

import textwrap
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from sim.engine import events, simulate
from sim.engine.simulate import Engine
from sim.engine.state import make_batch
from sim.mechanisms import beliefs
from sim.mechanisms.security import INVITED, LADDER_NAMES, MEMBER, NONE, PARTNER
from sim.scenario import EventSpec, ScenarioError, load_scenario
from sim.scenario.schema import TIES, MappingProxyType
from sim.worlds import WORLDS

from conftest import DATA, HISTORICAL

RULES = """
responses:
  - id: pjc_suspension
    answers: force
    tie: [partner, aspirant, pledged, map, invited]
    lag: 2
    kind: suspend_cooperation
    actor: NATO
    institution: PJC
    targets: [by]
    resume_after: 3
    source: test
  - id: coercion_answer
    answers: coercion
    in_sphere: true
    lag: 1
    kind: sanctions
    actor: USA
    target: by
    source: test
"""


def mini(tmp_path, body: str = RULES, events: str = "events: []\n"):
    (tmp_path / "mini_world.yaml").write_text((DATA / "mini_world.yaml").read_text())
    p = tmp_path / "s.yaml"
    p.write_text("name: s\nextends: mini_world.yaml\n" + events + textwrap.dedent(body))
    return load_scenario(p)


def engine(scenario, R=4, world="security_dilemma", parameters=None):
    return Engine(make_batch(scenario, world, list(range(1, R + 1)), parameters))


def error_of(tmp_path, body) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        mini(tmp_path, body)
    assert "\n" not in str(info.value)
    return info.value


def _snapshot(s):
    return {f.name: getattr(s, f.name).copy() for f in fields(s) if isinstance(getattr(s, f.name), np.ndarray)}


# ------------------------------------------------------------------------------- firing

def test_a_response_fires_after_its_lag_where_the_act_happened_and_never_elsewhere(tmp_path):
    sc = mini(tmp_path)
    eng = engine(sc)
    b, s = eng.batch, eng.state
    geo, est, rus = b.cw.index["GEO"], b.cw.index["EST"], b.cw.rus
    pjc = next(i for i, a in enumerate(sc.alliances) if a.id == "PJC")
    for _ in range(4):
        eng.step()
    k = eng.k - 1
    s.members[:, pjc, rus] = True                     # Russia holds a PJC seat in every run
    s.ladder[:, geo] = PARTNER
    s.ladder[:, est] = NONE
    s.last_force_against[:, :] = -10 ** 9
    s.last_force_against[1, geo] = k                  # run 1: force against a partner -> answered
    s.last_force_against[2, est] = k                  # run 2: force against a state with no tie -> not answered
    events.check_responses(b, s, k)
    due = [(e, m) for e, m in s.due.get(k + 2, []) if e.id == "pjc_suspension"]
    assert len(due) == 1 and due[0][1].tolist() == [False, True, False, False]
    assert due[0][0].targets() == ("RUS",) and due[0][0].date == sc.start + k + 2
    assert not any(e.id == "pjc_suspension" for q, es in s.due.items() if q != k + 2 for e, _ in es)
    # a second act while the answer is due does not schedule a second answer
    events.check_responses(b, s, k)
    assert sum(e.id == "pjc_suspension" for e, _ in s.due.get(k + 2, [])) == 1
    eng.step()                                        # k + 1: nothing yet
    assert s.members[:, pjc, rus].all()
    eng.step()                                        # k + 2: the answer, in run 1 only
    assert s.members[:, pjc, rus].tolist() == [True, False, True, True]
    ev = pd.DataFrame(eng.log.columns())
    hit = ev[ev["event_id"] == "pjc_suspension"]
    assert hit[["run", "step"]].values.tolist() == [[1, k + 2]] and hit["scripted"].all()
    # resume_after: the seat is offered again three quarters later, where it was withdrawn
    offers = [(e, m) for e, m in s.due.get(k + 5, []) if e.id == "pjc_suspension:resumed"]
    assert len(offers) == 1 and offers[0][1].tolist() == [False, True, False, False]
    assert offers[0][0].kind == "institution_offer" and offers[0][0].attr("institution") == "PJC"


def test_a_coercion_rule_answers_coercion_in_the_sphere_only(tmp_path):
    sc = mini(tmp_path)
    eng = engine(sc, R=3)
    b, s = eng.batch, eng.state
    eng.step()
    k = 0
    s.last_coercion_of[:, :] = -10 ** 9
    s.last_coercion_of[0, b.cw.index["UKR"]] = k      # in Russia's sphere: answered
    s.last_coercion_of[1, b.cw.index["NOR"]] = k      # outside it: not answered
    events.check_responses(b, s, k)
    due = [m for e, m in s.due.get(k + 1, []) if e.id == "coercion_answer"]
    assert len(due) == 1 and due[0].tolist() == [True, False, False]
    eng.step()
    if getattr(s, "sanctions", None) is not None:
        assert s.sanctions[0, b.cw.rus] > 0 and (s.sanctions[1:, b.cw.rus] == 0).all()


@pytest.fixture(scope="module")
def replay():
    sc = load_scenario(HISTORICAL)
    res = simulate(sc, ["deterrence"] * 6 + ["revisionist_spiral"] * 6, list(range(1, 7)) * 2, keep_states=False)
    return sc, pd.DataFrame(res.events), pd.DataFrame(res.decisions)


def test_in_the_replay_responses_answer_the_runs_own_force_and_nothing_else(replay):
    sc, ev, _ = replay
    rule = sc.response("suspend_nrc_after_force")
    force = ev[ev["kind"] == "use_of_force"]
    answers = ev[(ev["event_id"] == rule.id) & (ev["kind"] == "suspend_cooperation")]
    for r in answers.itertuples():
        acts = force[(force["run"] == r.run) & (force["step"] == r.step - rule.lag)]
        assert len(acts) == 1, f"run {r.run}: an answer at step {r.step} without force {rule.lag} quarter(s) before"
    no_force = set(range(12)) - set(force["run"])
    assert not set(answers["run"]) & no_force
    # nothing of the removed 2014-22 script is left: no dated sanctions or forward presence in any run
    assert not (ev["kind"] == "sanctions").any()
    assert not ev["event_id"].isin(["efp_decision_2016", "forward_presence_2022", "nrc_suspension_2014"]).any()


# ------------------------------------------------------------------------------- the loader refuses

@pytest.mark.parametrize("key, value", [("since", "2013Q4"), ("latest", "2021Q4"), ("date", "2008Q3"),
                                        ("requires", "{force_used: {by: RUS}}")])
def test_a_rule_cannot_carry_a_calendar_window(tmp_path, key, value):
    e = error_of(tmp_path, RULES.replace("    lag: 2\n", f"    lag: 2\n    {key}: {value}\n"))
    assert "no calendar window" in e.message and repr(key) in e.message
    assert e.file.endswith("s.yaml") and e.line == 10


@pytest.mark.parametrize("old, new, text", [
    ("    targets: [by]\n", "    targets: [UKR]\n", "names the state 'UKR'"),
    ("    tie: [partner, aspirant, pledged, map, invited]\n", "    tie: [GEO]\n", "names the state 'GEO'"),
    ("    target: by\n", "    target: RUS\n", "names the state 'RUS'"),
    ("    targets: [by]\n", "    targets: [agianst]\n", "did you mean 'against'"),
    ("    answers: force\n", "    answers: forse\n", "did you mean 'force'"),
    ("    kind: suspend_cooperation\n", "    kind: invitation\n", "not a response"),
])
def test_a_rule_cannot_name_a_state_and_says_what_it_takes(tmp_path, old, new, text):
    e = error_of(tmp_path, RULES.replace(old, new, 1))
    assert text in e.message and e.line is not None


def test_ties_are_the_ladder():
    assert TIES == LADDER_NAMES


# ------------------------------------------------------------------------------- withheld decisions

def test_withheld_decisions_are_scored_and_change_nothing_but_the_evidence(tmp_path):
    sc = mini(tmp_path, "", "events:\n  - {id: no_inv, date: 1993Q1, kind: invitation, actor: NATO, targets: [UKR], "
                            "withheld: true, source: test}\n")
    eng = engine(sc, R=3, world="provocation")
    b, s = eng.batch, eng.state
    for _ in range(8):
        eng.step()
    e = EventSpec(id="no_map", date=sc.start + 8, kind="map_granted",
                  attrs=MappingProxyType({"actor": "NATO", "targets": ("GEO", "UKR")}), source="t", withheld=True)
    before = _snapshot(s)
    rec_n = len(eng.rec.decisions)
    events.apply_event(b, s, eng.log, eng.rec, e, 8, np.ones(3, bool))
    after = _snapshot(s)
    changed = [k for k in before if not np.array_equal(before[k], after[k])]
    assert set(changed) <= {"west_evidence"}, changed
    rows = eng.rec.decisions[rec_n:]
    assert len(rows) == 3
    dec = pd.DataFrame(eng.rec.decision_columns())
    mine = dec[dec["event_id"] == "no_map"]
    assert (~mine["taken"]).all() and mine["scripted"].all()
    lls = mine[["loglik_security_seeker", "loglik_order_revisionist", "loglik_greedy_expansionist"]].to_numpy()
    assert np.isfinite(lls).all() and (lls <= 0).all()
    if "west_evidence" in before:
        np.testing.assert_allclose(after["west_evidence"] - before["west_evidence"], lls)
    # the scripted one of 1993 was scored too, and logged as withheld
    assert (dec["event_id"] == "no_inv").sum() == 3
    ev = pd.DataFrame(eng.log.columns())
    assert (ev.loc[ev["event_id"] == "no_inv", "kind"] == "decision_withheld").all()


def test_every_decision_of_the_record_is_scored_under_each_type(replay):
    sc, _, dec = replay
    decisions = {e.id for e in sc.events if e.kind in events.DECISION_LEVEL and e.attr("actor") == "NATO"
                 and e.date <= sc.end}
    rec = dec[dec["scripted"]]
    assert set(rec["event_id"]) == decisions
    withheld = {e.id for e in sc.events if e.withheld}
    assert {"madrid_no_invitation_baltics_1997", "bucharest_no_map_2008", "nato_no_map_dec_2008"} <= withheld
    assert (~rec.loc[rec["event_id"].isin(withheld), "taken"]).all()
    assert rec.loc[~rec["event_id"].isin(withheld), "taken"].all()
    cols = ["loglik_security_seeker", "loglik_order_revisionist", "loglik_greedy_expansionist"]
    assert np.isfinite(rec[cols].to_numpy()).all()
    # the run's own world's likelihood is that of its leader's type
    own = {"deterrence": "loglik_security_seeker", "revisionist_spiral": "loglik_order_revisionist"}
    for run, col in ((0, own["deterrence"]), (6, own["revisionist_spiral"])):
        r = rec[rec["run"] == run]
        np.testing.assert_allclose(r["loglik"], r[col])


# ------------------------------------------------------------------------------- effects from attributes

def _regime(b, s, democracy, direction="west", target="UKR", step=1):
    e = EventSpec(id="rc", date=b.scenario.start + step, kind="regime_change",
                  attrs=MappingProxyType({"target": target, "direction": direction, "democracy": democracy}),
                  source="t")
    events.apply_event(b, s, events_log(), None, e, step, np.ones(b.R, bool))


class events_log:  # noqa: N801 - a stand-in for the event log
    def add(self, *a, **k):
        pass


def test_regime_change_effects_scale_with_the_democracy_change(tmp_path):
    sc = mini(tmp_path, "")
    shifts, memories = [], []
    for change in (0.0, 0.1, 0.2):
        eng = engine(sc, R=2)
        b, s = eng.batch, eng.state
        i = b.cw.index["UKR"]
        a0, d0 = s.alignment[:, i].copy(), s.democracy[:, i].copy()
        _regime(b, s, float(d0[0] + change))
        shifts.append(s.alignment[0, i] - a0[0])
        memories.append(s.regime_memory[0, i])
        assert s.democracy[0, i] == pytest.approx(d0[0] + change)
    assert shifts[0] == 0 and memories[0] == 0           # no change of regime level: no effect
    assert shifts[2] == pytest.approx(2 * shifts[1]) and memories[2] == pytest.approx(2 * memories[1])
    p = make_batch(sc, "security_dilemma", [1]).pr
    assert shifts[1] == pytest.approx(p["regime_alignment_shift"][0] * 0.1 / p["regime_change_scale"][0])
    # the same change eastward moves alignment the other way and erases the regime memory in proportion
    eng = engine(sc, R=2)
    b, s = eng.batch, eng.state
    i = b.cw.index["UKR"]
    s.regime_memory[:, i] = 0.8
    a0 = s.alignment[0, i]
    _regime(b, s, float(s.democracy[0, i] - 0.1), "east")
    assert s.alignment[0, i] - a0 == pytest.approx(-shifts[1])
    assert s.regime_memory[0, i] == pytest.approx(0.8 * (1 - memories[1]))


def test_a_partnership_offer_leaves_centrality_unchanged_until_accepted(tmp_path):
    sc = mini(tmp_path, "", "events:\n  - {id: pfp, date: 1992Q2, kind: partnership_offer, actor: NATO, "
                            "institution: PFP, targets: [EST, UKR, GEO], source: test}\n")
    eng = engine(sc, R=2)
    b, s = eng.batch, eng.state
    eng.step()                                       # 1992Q1
    c0, f0 = events.order_and_sphere(b, s)[0].copy(), s.function.copy()
    events.fire_due(b, s, eng.log, eng.rec, 1)       # the offer (1992Q2), before anyone decides
    np.testing.assert_array_equal(events.order_and_sphere(b, s)[0], c0)
    np.testing.assert_array_equal(s.function, f0)
    assert (s.ladder[:, [b.cw.index[c] for c in ("EST", "UKR", "GEO")]] < PARTNER).all()
    events.decide_offers(b, s, eng.log, 2)           # the targets decide one step later
    joined = s.ladder[:, [b.cw.index[c] for c in ("EST", "UKR", "GEO")]] == PARTNER
    assert joined.any()
    c1 = events.order_and_sphere(b, s)[0]
    assert (c1[joined.any(axis=1)] > c0[joined.any(axis=1)]).all()   # through coverage, once accepted


def test_a_western_act_adds_its_likelihood_to_the_evidence(tmp_path):
    sc = mini(tmp_path, "")
    eng = engine(sc, R=2)
    b, s = eng.batch, eng.state
    eng.step()
    if getattr(s, "west_evidence", None) is None:
        pytest.skip("the engine has no west_evidence")
    e = EventSpec(id="op", date=sc.start + 1, kind="operation",
                  attrs=MappingProxyType({"actor": "NATO", "run_by": "alliance", "un_mandate": False,
                                          "regime_change": False}), source="t")
    ev0 = s.west_evidence.copy()
    c0, sp0 = events.order_and_sphere(b, s)
    events.apply_event(b, s, eng.log, eng.rec, e, 1, np.ones(2, bool))
    c1, sp1 = events.order_and_sphere(b, s)
    assert (c1 > c0).all()
    np.testing.assert_allclose(s.west_evidence - ev0, beliefs.west_act_loglik(c1 - c0, sp1 - sp0, b.pr))
    # an act by Russia's side is not the West's
    e2 = EventSpec(id="csto", date=sc.start + 1, kind="accession",
                   attrs=MappingProxyType({"actor": "CSTO", "targets": ("GEO",)}), source="t")
    ev1 = s.west_evidence.copy()
    events.apply_event(b, s, eng.log, eng.rec, e2, 1, np.ones(2, bool))
    np.testing.assert_array_equal(s.west_evidence, ev1)


# ------------------------------------------------------------------------------- emergent applications

def test_an_emergent_application_is_voted_on_by_nato_after_the_review_lag(tmp_path):
    sc = mini(tmp_path, "", "events:\n  - {id: est_inv, date: 2000Q1, kind: invitation, actor: NATO, targets: [EST], "
                            "source: test}\n")
    eng = engine(sc, R=3)
    b, s = eng.batch, eng.state
    for _ in range(2):
        eng.step()
    k = eng.k - 1
    s.applied[:, :] = False
    s.applied[0, b.cw.index["GEO"]] = True          # not scripted: voted on
    s.applied[1, b.cw.index["EST"]] = True          # its invitation is scripted: not voted on
    events.check_conditions(b, s, k)
    lag = int(b.pr["application_review_quarters"][0])
    due = [(e, m) for q, es in s.due.items() for e, m in es if e.id.startswith(events.REVIEW)]
    assert len(due) == 1 and due[0][0].targets() == ("GEO",) and due[0][1].tolist() == [True, False, False]
    assert due[0][0] in [e for e, _ in s.due[k + lag]]
    events.check_conditions(b, s, k)                # already under review: no second vote
    assert sum(e.id.startswith(events.REVIEW) for q, es in s.due.items() for e, _ in es) == 1
    for _ in range(lag):
        eng.step()
    ev = pd.DataFrame(eng.log.columns())
    votes = ev[(ev["kind"] == "alliance_decision") & (ev["event_id"] == f"{events.REVIEW}:GEO")]
    assert votes["run"].tolist() == [0] and not votes["scripted"].any()
    dec = pd.DataFrame(eng.rec.decision_columns())
    assert (~dec.loc[dec["event_id"] == f"{events.REVIEW}:GEO", "scripted"]).all()


def test_a_closed_door_votes_on_no_application(tmp_path):
    sc = mini(tmp_path, "alliances:\n  - {id: NATO, kind: alliance, leader: USA, members: [USA, DEU, NOR], "
                        "rule: consensus, open_door: 0.0}\n")
    eng = engine(sc, R=2)
    b, s = eng.batch, eng.state
    eng.step()
    s.applied[:, b.cw.index["GEO"]] = True
    events.check_conditions(b, s, 0)
    assert not any(e.id.startswith(events.REVIEW) for es in s.due.values() for e, _ in es)


def test_an_adopted_invitation_is_followed_by_accession(tmp_path):
    sc = mini(tmp_path, "")
    eng = engine(sc, R=2)
    b, s = eng.batch, eng.state
    eng.step()
    e = EventSpec(id=f"{events.REVIEW}:GEO", date=sc.start + 1, kind="invitation",
                  attrs=MappingProxyType({"actor": "NATO", "targets": ("GEO",)}), source="t", endogenous=True,
                  origin=f"M8 {events.REVIEW}")
    # a vote that surely passes: every member sees a large gain
    base_votes = events.member_votes

    def sure(b_, s_, targets, level=INVITED):
        m, base, dc, ds = base_votes(b_, s_, targets, level)
        return m, base + 100.0, dc, ds

    events.member_votes = sure
    try:
        events.apply_event(b, s, eng.log, eng.rec, e, 1, np.ones(2, bool))
    finally:
        events.member_votes = base_votes
    g = b.cw.index["GEO"]
    assert (s.ladder[:, g] == INVITED).all()
    lag = int(np.rint(b.pr["ratification_quarters"][0]))
    acc = [(x, m) for x, m in s.due.get(1 + lag, []) if x.kind == "accession"]
    assert len(acc) == 1 and acc[0][1].all() and acc[0][0].targets() == ("GEO",)
    events.apply_event(b, s, eng.log, eng.rec, acc[0][0], 1 + lag, acc[0][1])
    assert (s.ladder[:, g] == MEMBER).all()


@pytest.mark.parametrize("world", WORLDS)
def test_every_counterfactual_world_runs_with_the_rules(world):
    """The sanctions counterfactual (a user rule) runs, and answers only the runs' own force."""
    from conftest import ROOT
    sc = load_scenario(ROOT / "scenarios" / "counterfactuals" / "sanctions_after_force.yaml")
    res = simulate(sc, world, [1, 2], keep_states=False)
    ev = pd.DataFrame(res.events)
    force = ev[ev["kind"] == "use_of_force"]
    sanc = ev[ev["kind"] == "sanctions"]
    assert set(sanc["run"]) <= set(force["run"])


def test_russias_answer_to_an_offer_is_evidence_about_russia_not_the_west(tmp_path):
    sc = mini(tmp_path, "", "events:\n  - {id: pjc, date: 1992Q2, kind: institution_offer, actor: NATO, "
                            "institution: PJC, targets: [RUS], source: test}\n")
    eng = engine(sc, R=3)
    b, s = eng.batch, eng.state
    if getattr(s, "russia_evidence", None) is None:
        pytest.skip("the engine has no russia_evidence")
    eng.step()
    events.fire_due(b, s, eng.log, eng.rec, 1)        # the offer
    ru, we = s.russia_evidence.copy(), s.west_evidence.copy()
    events.decide_offers(b, s, eng.log, 2)            # Russia answers one step later
    assert not np.array_equal(s.russia_evidence, ru)
    np.testing.assert_array_equal(s.west_evidence, we)


def test_the_run_report_shows_responses_apart_from_the_scenarios_events():
    """The run report's event strip: a response rule's acts (scripted, but only where Russia acted) have a row
    of their own, counted per seed; the 'scripted' row keeps only the scenario's events, once each."""
    from sim.faces.report import RESPONSE_ROW, event_counts

    ev = pd.DataFrame([
        # the scenario's offer, in both seeds; the re-offer of a suspended seat (a response) in seed 1 only
        dict(world="deterrence", seed=1, date="2002Q2", kind="institution_offer", actor="NATO", target="RUS",
             scripted=True, cause="NRC offered", event_id="nrc_offer_2002"),
        dict(world="deterrence", seed=2, date="2002Q2", kind="institution_offer", actor="NATO", target="RUS",
             scripted=True, cause="NRC offered", event_id="nrc_offer_2002"),
        dict(world="deterrence", seed=1, date="2008Q3", kind="suspend_cooperation", actor="NATO", target="RUS",
             scripted=True, cause="response: NRC suspended", event_id="suspend_nrc_after_force"),
        dict(world="deterrence", seed=1, date="2009Q2", kind="institution_offer", actor="NATO", target="RUS",
             scripted=True, cause="response: NRC offered again", event_id="suspend_nrc_after_force:resumed"),
    ])
    c = event_counts(ev, n_seeds=2).set_index(["row", "year"])
    assert c.loc[("scripted", 2002), "per_seed"] == 1.0 and ("scripted", 2009) not in c.index
    assert c.loc[(RESPONSE_ROW, 2008), "per_seed"] == 0.5 and c.loc[(RESPONSE_ROW, 2009), "per_seed"] == 0.5
    assert "in 1 of 2 seeds" in c.loc[(RESPONSE_ROW, 2009), "text"]


def test_the_membership_check_reads_the_runs_own_log():
    """sim.runs.calibrate.membership: the states NATO admitted that the scenario does not script are those of
    the run's own event log (emergent accessions by NATO), none when NATO's door is closed (open_door 0: no
    vote on applications); the check's table counts them per model, skips the null model and reads the
    acceptance share without those runs as share x (1 - their share among the accepted)."""
    from pathlib import Path

    from sim.params import PARAMETERS
    from sim.runs.calibrate.membership import COLUMNS, RECORDED_FORCE, csto_members, membership_check, unscored_facts
    from sim.scenario import Counterfactual, until

    historical = Path(__file__).resolve().parents[1] / "scenarios" / "historical.yaml"
    sc = until(load_scenario(historical), "2013Q4")
    worlds = ["deterrence", "revisionist_spiral", "security_dilemma"] * 2
    seeds = np.arange(1, 7)
    params = [{"misperception": PARAMETERS["misperception"].default}] * 6
    got = [a for a, _ in unscored_facts(sc, worlds, seeds, params)]
    ev = pd.DataFrame(simulate(sc, worlds, seeds, params, keep_states=False).events)
    own = ev[(ev["kind"] == "accession") & (ev["actor"] == "NATO") & ~ev["scripted"].astype(bool)]
    assert got == [tuple(sorted(set(",".join(own[own["run"] == i]["target"]).split(",")) - {""})) for i in range(6)]
    closed = until(Counterfactual(historical, name="closed").set_alliance("NATO", "open_door", 0.0).build(), "2013Q4")
    assert [a for a, _ in unscored_facts(closed, worlds, seeds, params)] == [()] * 6
    assert csto_members(sc) == {"RUS", "ARM", "KAZ", "BLR"}  # Belarus by its scripted accession of 1993Q4
    force = ev[ev["kind"] == "use_of_force"]
    assert [f for _, f in unscored_facts(sc, worlds, seeds, params)] == [
        tuple(sorted(set(force[force["run"] == i]["target"]))) for i in range(6)]

    table = pd.DataFrame({"world": worlds + ["null"] * 2, "draw": [0, 0, 0, 1, 1, 1, 0, 1],
                          "seed": list(seeds) + [1, 2]})
    draws = pd.DataFrame({"draw": [0, 1], "misperception": [PARAMETERS["misperception"].default] * 2})
    accepted = np.array([True, False, True, True, False, False, True, True])
    m = membership_check(sc, table, accepted, draws, max_accepted=1, prior_sample=5)
    assert list(m.columns) == list(COLUMNS) and "null" not in set(m["world"])
    acc = m[m["runs"] == "accepted"].set_index("world")
    assert acc.loc["deterrence", "n"] == 1 and acc.loc["deterrence", "acceptance"] == 1.0  # 2 of 2, one re-run
    assert acc.loc["revisionist_spiral", "n"] == 0 and acc.loc["revisionist_spiral", "acceptance"] == 0.0
    sd = acc.loc["security_dilemma"]
    assert sd["acceptance"] == 0.5 and sd["acceptance_without"] == 0.5 * (1 - sd["any_emergent_accession"])
    assert (m.loc[m["runs"] == "prior sample", "n"] == 2).all()  # every model has two runs here
    prior = m[m["runs"] == "prior sample"].set_index("world")
    for w, i in (("deterrence", [0, 3]), ("revisionist_spiral", [1, 4]), ("security_dilemma", [2, 5])):
        elsewhere = [bool(set(force[force["run"] == k]["target"]) - set(RECORDED_FORCE)) for k in i]
        assert prior.loc[w, "force_elsewhere"] == np.mean(elsewhere)


def test_bound_by_csto_binds_members_only_with_the_switch_on():
    from sim.mechanisms import small_states

    csto = np.array([[True, False], [True, False]])
    on_off = {"csto_exclusive": np.array([[1.0], [0.0]])}  # run 0 with the switch, run 1 without ([R, 1])
    assert small_states.bound_by_csto(csto, on_off).tolist() == [[True, False], [False, False]]
    assert not small_states.bound_by_csto(csto).any()  # the default: off


def test_csto_exclusive_keeps_csto_members_from_applying_and_nobody_else():
    """M7/M8 with the switch csto_exclusive (Collective Security Treaty, Art. 1): a CSTO member does not apply
    to NATO, and NATO takes up no application of a CSTO member (Belarus may apply before it joins in 1993Q4),
    so none is voted in; other states apply as before. Demand is raised for the test (lowest threshold,
    highest intercept) so that, without the switch, CSTO members do apply and join in these runs."""
    from pathlib import Path

    from sim.runs.calibrate.membership import csto_members
    from sim.scenario import until

    sc = until(load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "historical.yaml"), "2005Q4")
    csto = {m for a in sc.alliances if a.id == "CSTO" for m in a.members}  # members from the start (ARM, KAZ)
    assert {"ARM", "KAZ"} <= csto and "BLR" not in csto  # Belarus joins in 1993Q4 (scripted): it may apply before
    keen = {"apply_threshold": 0.4, "demand_intercept": 0.0}

    def applicants(switch):
        ev = pd.DataFrame(simulate(sc, "deterrence", [1, 2, 3], {**keen, "csto_exclusive": switch},
                                   keep_states=False).events)
        apps = ev[ev["kind"] == "application"]
        joined = ev[(ev["kind"] == "accession") & (ev["actor"] == "NATO") & ~ev["scripted"].astype(bool)]
        return set(apps["actor"]), set(",".join(joined["target"]).split(",")) - {""}

    applied_off, joined_off = applicants(0.0)
    applied_on, joined_on = applicants(1.0)
    ever = csto_members(sc)  # Belarus included
    assert applied_off & csto and joined_off & ever, "the test needs CSTO members that apply and join without it"
    assert not applied_on & csto and not joined_on & ever
    assert applied_on - csto  # other states still apply (the runs differ afterwards: contagion, votes)
