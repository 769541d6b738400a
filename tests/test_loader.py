"""The scenario loader: malformed files each give one clear line naming the file, the line and the
problem (and the nearest valid name for a misspelt one); never a traceback, never a silent default."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario

DATA = Path(__file__).resolve().parent / "data"

GOOD_EVENT = "  - {id: e1, date: 1994Q1, kind: invitation, actor: NATO, targets: [EST], source: test}\n"


def write(tmp_path, body: str, name="bad.yaml") -> Path:
    (tmp_path / "mini_world.yaml").write_text((DATA / "mini_world.yaml").read_text())
    p = tmp_path / name
    p.write_text("name: bad\nextends: mini_world.yaml\n" + textwrap.dedent(body))
    return p


def error_of(path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg
    return info.value


def test_good_file_loads(tmp_path):
    s = load_scenario(write(tmp_path, "events:\n" + GOOD_EVENT))
    assert s.event("e1").targets() == ("EST",)


def test_unknown_state_names_line_and_nearest(tmp_path):
    p = write(tmp_path, "events:\n  - {id: e1, date: 1994Q1, kind: invitation, actor: NATO, targets: [ESTT], source: t}\n")
    e = error_of(p)
    assert e.file.endswith("bad.yaml") and e.line == 4
    assert "unknown state 'ESTT'" in e.message and "did you mean 'EST'" in e.message


def test_misspelt_event_kind(tmp_path):
    p = write(tmp_path, "events:\n  - {id: e1, date: 1994Q1, kind: acession, actor: NATO, targets: [EST], source: t}\n")
    e = error_of(p)
    assert e.line == 4 and "unknown event kind 'acession'" in e.message and "'accession'" in e.message


def test_bad_date(tmp_path):
    p = write(tmp_path, "events:\n  - {id: e1, date: 1994Q5, kind: invitation, actor: NATO, targets: [EST], source: t}\n")
    e = error_of(p)
    assert e.line == 4 and "bad date" in e.message and "1994Q5" in e.message


def test_event_outside_the_run(tmp_path):
    p = write(tmp_path, "events:\n  - {id: e1, date: 2030Q1, kind: invitation, actor: NATO, targets: [EST], source: t}\n")
    e = error_of(p)
    assert "outside the run" in e.message and e.line == 4


def test_missing_field(tmp_path):
    p = write(tmp_path, "events:\n  - {id: e1, date: 1994Q1, kind: invitation, actor: NATO, source: t}\n")
    e = error_of(p)
    assert "missing field 'targets'" in e.message and e.line == 4


def test_wrong_type(tmp_path):
    p = write(tmp_path, "events:\n  - id: e1\n    date: 1994Q1\n    kind: operation\n    actor: NATO\n"
                        "    run_by: alliance\n    un_mandate: perhaps\n    regime_change: false\n    source: t\n")
    e = error_of(p)
    assert "'un_mandate' must be true or false" in e.message and e.line == 9


def test_circular_extends(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("name: b\nextends: a.yaml\n")
    e = error_of(tmp_path / "a.yaml")
    assert "circular extends" in e.message and "a.yaml -> b.yaml -> a.yaml" in e.message


def test_emergent_kinds_cannot_be_scripted(tmp_path):
    p = write(tmp_path, "events:\n  - {id: war, date: 1994Q1, kind: use_of_force, actor: RUS, source: t}\n")
    e = error_of(p)
    assert "must emerge" in e.message


def test_alias_bomb_and_python_tags_are_rejected(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text('a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n')
    assert "anchors" in error_of(bomb).message or "aliases" in error_of(bomb).message
    tag = tmp_path / "tag.yaml"
    tag.write_text("name: !!python/object/apply:os.system ['echo hacked']\n")
    e = error_of(tag)
    assert "unsupported YAML tag" in e.message and e.line == 1


def test_unknown_parameter_and_out_of_range(tmp_path):
    e = error_of(write(tmp_path, "parameters:\n  misperceptoin: 0.2\n"))
    assert "unknown parameter 'misperceptoin'" in e.message and "'misperception'" in e.message and e.line == 4
    e = error_of(write(tmp_path, "parameters:\n  misperception: 9\n"))
    assert "outside its range" in e.message


def test_unknown_edit_target_names_nearest(tmp_path):
    (tmp_path / "mini_world.yaml").write_text((DATA / "mini_world.yaml").read_text())
    (tmp_path / "mini_history.yaml").write_text((DATA / "mini_history.yaml").read_text())
    cf = tmp_path / "cf.yaml"
    cf.write_text("name: cf\nextends: mini_history.yaml\nedits:\n  - remove_event: est_acession\n")
    e = error_of(cf)
    assert "unknown event 'est_acession'" in e.message and "'est_accession'" in e.message and e.line == 4


def test_duplicate_keys_are_errors(tmp_path):
    e = error_of(write(tmp_path, "parameters:\n  empathy: 0.1\n  empathy: 0.2\n"))
    assert "duplicate key 'empathy'" in e.message and e.line == 5


def test_cli_prints_one_line_and_exits_2(tmp_path):
    p = write(tmp_path, "events:\n  - {id: e1, date: 1994Q1, kind: acession, actor: NATO, targets: [EST], source: t}\n")
    r = subprocess.run([sys.executable, "-m", "sim.faces.cli", "run", str(p), "--seeds", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "bad.yaml:4" in lines[0] and "Traceback" not in r.stderr


def test_only_natos_decisions_can_be_withheld(tmp_path):
    e = error_of(write(tmp_path, "events:\n  - {id: e1, date: 1994Q1, kind: invitation, actor: NATO, targets: [EST], "
                                 "withheld: maybe, source: t}\n"))
    assert "'withheld' must be true or false" in e.message and e.line == 4
    e = error_of(write(tmp_path, "events:\n  - {id: e1, date: 1994Q1, kind: association_agreement, actor: NATO, "
                                 "targets: [EST], withheld: true, source: t}\n"))
    assert "only NATO's decisions" in e.message and e.line == 4
    s = load_scenario(write(tmp_path, "events:\n  - {id: e1, date: 1994Q1, kind: map_granted, actor: NATO, "
                                      "targets: [EST], withheld: true, source: t}\n"))
    assert s.event("e1").withheld


RULE = ("responses:\n  - {id: r1, answers: force, tie: [partner], lag: 1, kind: suspend_cooperation, actor: NATO, "
        "institution: PJC, targets: [by], source: t}\n")


def test_response_rules_load_and_are_checked_in_one_line(tmp_path):
    s = load_scenario(write(tmp_path, RULE))
    r = s.response("r1")
    assert (r.act, r.tie, r.lag, r.kind, r.attrs["targets"]) == ("force", ("partner",), 1, "suspend_cooperation", ("by",))
    for bad, text in (("tie: [partner]", "tie: [partnr]"), ("lag: 1", "lag: 0"), ("lag: 1", "lag: 1.5"),
                      ("answers: force", "answers: invasion"), ("institution: PJC", "institution: PJK"),
                      ("targets: [by]", "targets: [EST]"), ("lag: 1", "lag: 1, since: 2013Q4"),
                      ("lag: 1", "lag: 1, resume_after: 2, kind2: x")):
        e = error_of(write(tmp_path, RULE.replace(bad, text)))
        assert e.file.endswith("bad.yaml") and e.line == 4, (text, str(e))
    e = error_of(write(tmp_path, RULE + RULE.split("\n", 1)[1]))
    assert "duplicate response 'r1'" in e.message
    e = error_of(write(tmp_path, "events:\n" + GOOD_EVENT + RULE.replace("id: r1", "id: e1")))
    assert "duplicate id (an event has it) 'e1'" in e.message
