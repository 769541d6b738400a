"""``--posterior CALIB_DIR``: a world runs with each seed's parameters drawn from its posterior
(sim/runs/calibrate/posterior.py), on a tiny calibration folder built here from synthetic tables: the draw a
seed takes is reproducible, one of the world's accepted draws, weighted by its accepted seeds, independent
of the other seeds asked for; the drawn parameters reach the engine; a folder that is not a calibration, a
world that is not in it and a world with no accepted draw are one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.faces import cli
from sim.runs.calibrate.posterior import (PosteriorError, PosteriorRuns, posterior_draws, posterior_parameters,
                                          seed_uniform)

from conftest import DATA

MINI = str(DATA / "mini_history.yaml")

# three prior draws of two free parameters (the same rows for every world: paired draws)
DRAWS = pd.DataFrame({"draw": [0, 1, 2], "kappa": [0.05, 0.4, 0.8], "status_weight": [0.0, 0.7, 1.5]})


def _calibration(folder, posterior: pd.DataFrame):
    folder.mkdir(parents=True, exist_ok=True)
    DRAWS.to_parquet(folder / "draws.parquet", index=False)
    posterior.to_parquet(folder / "posterior.parquet", index=False)
    # the budget's worlds: the posterior table lists only worlds with an accepted draw (revisionist_spiral none)
    (folder / "manifest.json").write_text(json.dumps({"name": "tiny", "budget": {"worlds": [
        "security_dilemma", "deterrence", "provocation", "revisionist_spiral", "null"]}}))
    return folder


@pytest.fixture
def calib(tmp_path):
    post = pd.DataFrame({
        "world": ["deterrence", "deterrence", "security_dilemma", "provocation", "null"],
        "draw": [0, 2, 1, 1, 0],
        "weight": [1.0, 3.0, 5.0, 0.0, 2.0],  # provocation: no accepted seed
    })
    post["weight_m8"] = post["weight"] * np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    return _calibration(tmp_path / "calib", post)


def test_a_seed_takes_an_accepted_draw_reproducibly_and_alone(calib):
    seeds = list(range(1, 41))
    a = posterior_parameters(calib, "deterrence", seeds)
    assert a == posterior_parameters(calib, "deterrence", seeds)
    assert {(p["kappa"], p["status_weight"]) for p in a} <= {(0.05, 0.0), (0.8, 1.5)}  # accepted draws only
    # a seed's draw does not depend on the other seeds asked for, nor on their order
    assert posterior_parameters(calib, "deterrence", [17]) == [a[16]]
    assert posterior_parameters(calib, "deterrence", seeds[::-1]) == a[::-1]
    # the one accepted draw of security_dilemma, for every seed
    assert all(p == {"kappa": 0.4, "status_weight": 0.7} for p in posterior_parameters(calib, "security_dilemma", seeds))


def test_draws_follow_the_posterior_weights(calib):
    seeds = range(4000)
    chosen = np.array(posterior_draws(calib, "deterrence", seeds))
    share = float(np.mean(chosen == 2))  # weight 3 of 4
    assert abs(share - 0.75) < 0.03, share
    assert set(posterior_draws(calib, "deterrence", seeds, m8=True)) == {0}  # draw 2 has M8 weight 0
    u = np.array([seed_uniform(s) for s in seeds])
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.02


def test_not_a_calibration_or_no_accepted_draw_is_a_one_line_error(tmp_path, calib):
    with pytest.raises(PosteriorError, match="no such folder"):
        posterior_parameters(tmp_path / "nowhere", "deterrence", [1])
    (tmp_path / "empty").mkdir()
    with pytest.raises(PosteriorError, match="not a calibration folder"):
        posterior_parameters(tmp_path / "empty", "deterrence", [1])
    with pytest.raises(PosteriorError, match="has no accepted draw"):
        posterior_parameters(calib, "provocation", [1])
    with pytest.raises(PosteriorError, match="has no accepted draw"):
        posterior_parameters(calib, "revisionist_spiral", [1])  # calibrated, but absent from the posterior table
    (calib / "manifest.json").write_text(json.dumps({"budget": {"worlds": ["deterrence"]}}))
    with pytest.raises(PosteriorError, match="not in this calibration"):
        posterior_parameters(calib, "revisionist_spiral", [1])
    with pytest.raises(PosteriorError, match="null_draws.parquet"):
        posterior_parameters(calib, "null", [1])
    pd.DataFrame({"draw": [0, 1], "decay": [0.5, 1.5]}).to_parquet(calib / "null_draws.parquet", index=False)
    assert posterior_parameters(calib, "null", [1, 2]) == [{"decay": 0.5}] * 2  # the null's own draws


def _spiral_error(capsys, args) -> str:
    assert cli.main(args) == 2
    lines = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def test_cli_errors_come_before_any_run(tmp_path, calib, capsys):
    out = tmp_path / "out"
    line = _spiral_error(capsys, ["run", MINI, "--world", "provocation", "--seeds", "2", "--posterior", str(calib),
                                  "--out", str(out), "--quiet", "--no-pulses-check"])
    assert "provocation" in line and "no accepted draw" in line and not out.exists()
    line = _spiral_error(capsys, ["compare", MINI, MINI, "--world", "deterrence", "--seeds", "1", "--posterior",
                                  str(tmp_path), "--out", str(out), "--quiet"])
    assert "not a calibration folder" in line and not out.exists()
    line = _spiral_error(capsys, ["attribute", MINI, "--world", "revisionist_spiral", "--seeds", "1",
                                  "--posterior", str(calib), "--out", str(out), "--quiet"])
    assert "revisionist_spiral" in line and "no accepted draw" in line


def test_spiral_run_with_posterior_runs_each_seed_on_its_draw(tmp_path, calib, capsys):
    from sim.runs.ensemble import run_ensemble

    out = tmp_path / "run"
    seeds = [1, 2, 3, 4]
    assert cli.main(["run", MINI, "--world", "deterrence,security_dilemma", "--seeds", "4", "--posterior",
                     str(calib), "--out", str(out), "--quiet", "--no-pulses-check"]) == 0
    capsys.readouterr()
    m = json.loads((out / "manifest.json").read_text())
    draws = m["posterior"]["draws"]
    assert draws["deterrence"] == {str(s): d for s, d in zip(seeds, posterior_draws(calib, "deterrence", seeds))}
    got = pd.read_parquet(out / "observables.parquet")
    # the same runs with each seed's draw given explicitly
    post = PosteriorRuns(calib)
    ref = run_ensemble(MINI, ["deterrence", "security_dilemma"], seeds, post, keep=("observables", "events"),
                       progress=False).observables
    explicit = pd.concat([run_ensemble(MINI, [w], [s], posterior_parameters(calib, w, [s])[0],
                                       keep=("observables", "events"), progress=False).observables
                          for w in ("deterrence", "security_dilemma") for s in seeds], ignore_index=True)
    key = ["world", "seed", "step"]
    got, ref, explicit = (df.sort_values(key, ignore_index=True) for df in (got, ref, explicit))
    pd.testing.assert_frame_equal(got[ref.columns], ref)
    pd.testing.assert_frame_equal(ref, explicit[ref.columns])
    # and the draws matter: the defaults give other runs
    default = run_ensemble(MINI, ["deterrence", "security_dilemma"], seeds, None, keep=("observables", "events"),
                           progress=False).observables.sort_values(key, ignore_index=True)
    assert not np.allclose(default["tension_russia"], ref["tension_russia"])


def test_param_overrides_apply_on_top_of_the_draws(calib):
    runs = PosteriorRuns(calib, {"kappa": 0.3}).check(["deterrence"], [1, 2])
    assert all(runs("deterrence", s)["kappa"] == 0.3 for s in (1, 2))
    assert runs.with_overrides({"west_pulses_off": 1.0})("deterrence", 1)["west_pulses_off"] == 1.0


def test_dashboard_offers_calibrated_worlds_with_the_same_draws(calib, monkeypatch):
    from sim.faces.dashboard import app
    from sim.faces.dashboard.server import POSTERIOR_ENV

    monkeypatch.setenv(POSTERIOR_ENV, str(calib))
    choices = app.world_choices()
    assert "deterrence (posterior)" in choices and "security_dilemma (posterior)" in choices
    assert "provocation (posterior)" not in choices  # no accepted draw: not offered
    assert "world: deterrence (posterior)" in app.comparison_choices()
    m = app.DashboardModel(scenario_name=MINI, world="deterrence (posterior)", seed="17")
    drawn = posterior_parameters(calib, "deterrence", [17])[0]
    assert m.world_name == "deterrence" and not m.problems
    assert all(m.p[k] == v for k, v in drawn.items()) and "draw" in m.posterior_label
    m = app.DashboardModel(scenario_name=MINI, world="deterrence (posterior)", seed="17",
                           other_parameters="kappa=0.3")
    assert m.p["kappa"] == 0.3 and m.p["status_weight"] == drawn["status_weight"]  # overrides on top
    m = app.DashboardModel(scenario_name=MINI, world="provocation (posterior)", seed="1")
    assert m.world_name == "provocation" and any("no accepted draw" in p for p in m.problems)
    monkeypatch.setenv(POSTERIOR_ENV, "")
    assert app.world_choices() == list(app.WORLDS)


def test_dashboard_refuses_a_folder_that_is_not_a_calibration(tmp_path, capsys):
    assert cli.main(["dashboard", "--posterior", str(tmp_path)]) == 2  # before any server starts
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a calibration folder" in err[0]


def test_prior_draws_take_every_prior_draw_alike_even_without_an_accepted_one(calib):
    """``prior=True`` (``spiral heldout --prior``): every prior draw, uniformly — also for a world with no
    accepted draw (revisionist_spiral here), which has no posterior to draw from."""
    seeds = range(3000)
    for world in ("deterrence", "revisionist_spiral"):
        chosen = np.array(posterior_draws(calib, world, seeds, prior=True))
        shares = [float(np.mean(chosen == k)) for k in range(3)]
        assert all(abs(s - 1 / 3) < 0.04 for s in shares), (world, shares)
    with pytest.raises(PosteriorError, match="has no accepted draw"):
        posterior_draws(calib, "revisionist_spiral", seeds)
    with pytest.raises(PosteriorError, match="not in this calibration"):
        posterior_draws(calib, "deterence", seeds, prior=True)
    assert posterior_parameters(calib, "provocation", [5], prior=True)[0] in DRAWS.drop(columns="draw").to_dict("records")
