"""Morris screening (sim/runs/sensitivity.py, docs/sensitivity.md): the method ranks an influential
parameter above an inert one on a toy function with a known answer; the inputs are every parameter but the
switches; ``spiral sensitivity`` runs a tiny budget end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.faces import cli
from sim.runs import sensitivity
from sim.runs.score import FEATURES


def _toy_problem():
    return {"num_vars": 4, "names": ["strong", "weak", "inert", "interacting"], "bounds": [[0, 1], [0, 2], [5, 9], [0, 1]]}


def _toy(X):
    """strong: linear, large; weak: linear, small; inert: nothing; interacting: only with strong."""
    return np.column_stack([10 * X[:, 0] + 0.5 * X[:, 1] + 4 * X[:, 0] * X[:, 3], X[:, 2] * 0 + 1.0])


def test_morris_ranks_an_influential_parameter_above_an_inert_one():
    prob = _toy_problem()
    X = sensitivity.sample(prob, trajectories=20, levels=4, seed=3)
    assert X.shape == (20 * 5, 4)
    ind = sensitivity.analyze(prob, X, _toy(X), outcomes=["y", "flat"]).set_index(["outcome", "parameter"])
    mu = ind.loc["y", "mu_star"]
    assert mu["strong"] > mu["interacting"] > mu["weak"] > mu["inert"] == pytest.approx(0.0, abs=1e-12)
    sig = ind.loc["y", "sigma"]
    assert sig["interacting"] > 0.1 and sig["weak"] == pytest.approx(0.0, abs=1e-9)  # linear: no spread
    assert ind.loc["y", "mu_star_norm"]["strong"] == 1.0
    assert (ind.loc["flat", "mu_star"] == 0).all() and ind.loc["flat", "constant"].all()


def test_inputs_are_every_parameter_but_the_switches():
    from sim.params import PARAMETERS, SWITCHES

    names = sensitivity.varied_parameters()
    assert "order_weight" in names and "greed" in names
    assert not set(names) & (set(SWITCHES) | {"west_pulses_off"})
    fixed = {k for k, p in PARAMETERS.items() if p.high <= p.low}
    assert set(names) | set(SWITCHES) | {"west_pulses_off"} | fixed >= set(PARAMETERS)
    prob = sensitivity.problem()
    assert prob["bounds"] == [[PARAMETERS[n].low, PARAMETERS[n].high] for n in names]


def test_the_runs_stop_at_the_end_of_the_training_window(historical):
    from sim.calendar import parse_quarter

    assert sensitivity.training_scenario(historical).end == parse_quarter("2013Q4")


def test_the_cli_runs_a_tiny_budget_end_to_end(tmp_path, capsys):
    out = tmp_path / "sens"
    assert cli.main(["sensitivity", "--world", "deterrence,revisionist_spiral", "--trajectories", "2", "--seeds",
                     "1", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "revisionist_spiral" in printed and "9_force_georgia_2008" in printed
    assert {p.name for p in out.iterdir()} == {"indices.csv", "indices.parquet", "design.parquet", "manifest.json",
                                               "sensitivity.html"}
    k = len(sensitivity.varied_parameters())
    ind = pd.read_csv(out / "indices.csv")
    assert len(ind) == 2 * k * len(FEATURES)
    assert set(ind["outcome"]) == set(FEATURES) and set(ind["world"]) == {"deterrence", "revisionist_spiral"}
    assert ind["mu_star"].ge(0).all() and ind["mu_star_norm"].between(0, 1).all()
    design = pd.read_parquet(out / "design.parquet")
    names = sensitivity.varied_parameters()
    a, b = (design[design["world"] == w][names].to_numpy() for w in ("deterrence", "revisionist_spiral"))
    np.testing.assert_array_equal(a, b)  # the same design in every world
    m = json.loads((out / "manifest.json").read_text())
    assert m["runs"] == 2 * 2 * (k + 1) and m["simulated_to"] == "2013Q4"
    page = (out / "sensitivity.html").read_text()
    assert "Plotly" in page and "normalised mu*" in page and "http" not in page.split("<script")[0]


def test_world_data_are_named_for_the_summary():
    """The ladder-table entries and the per-state table perturbations are recognised as world data."""
    data = sensitivity.world_data_parameters()
    assert {"protection_pledged", "loss_aspirant", "coverage_invited", "importance_jitter"} <= data
    assert "coercion_threshold" not in data and data <= set(sensitivity.varied_parameters())
