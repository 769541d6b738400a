"""ABC-SMC per world (sim/runs/calibrate/smc.py, docs/smc.md): on a toy model with a known answer
(tests/calib_toy.py) rejection and SMC recover the true parameter, SMC's interval is narrower than rejection's at
the same number of simulations, every world gets the same simulations, the result is deterministic given the
seed, and no proposal outside the prior is ever simulated; then one small run on the real model (a calibration
folder of experiments/calibration_small.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from calib_toy import (DIFFERENT, SMC_BOUNDS, SMC_TRUTH, toy_draws, toy_prior, toy_record, toy_record_at,
                       toy_simulator, toy_table)

from sim.runs.calibrate import abc
from sim.runs.calibrate import smc as S

REPO = Path(__file__).resolve().parents[1]


def wq(pop: S.Population, k: int = 0, qs=(0.05, 0.95)) -> np.ndarray:
    return abc._wquantile(pop.theta[:, k], pop.weight, qs)


# ------------------------------------------------------------------------------------------------- the distance


def test_distance_counts_the_patterns_not_matched_and_zero_is_the_full_rule():
    table = toy_table(DIFFERENT, toy_draws(60, seed=3), seeds=3)
    record = toy_record(toy_table(DIFFERENT, toy_draws(1, seed=9), 1).iloc[0])
    d = S.distance(table, record)
    matched = abc.patterns_matched(table, record)
    assert len(S.patterns(record)) == 12
    np.testing.assert_array_equal(S.patterns_of_distance(d, record), matched)
    np.testing.assert_array_equal(d == 0, abc.accept(table, record))
    tie = d - (12 - matched)
    assert (tie >= 0).all() and (tie < S.TIE_WEIGHT).all() and (tie > 0).any()
    for k in range(13):  # the fallback's "at least k patterns" is the distance <= 12 - k + 1/2
        np.testing.assert_array_equal(d <= 12 - k + S.TIE_WEIGHT, matched >= k)
    # without the tie-breaker the distance is the count alone
    np.testing.assert_array_equal(S.distance(table, record, tie_break=False), 12 - matched)


def test_box_prior_uniform_and_arcsine():
    p = S.BoxPrior(("a", "b"), np.array([0.0, -2.0]), np.array([1.0, 2.0]), "arcsine")
    x = p.sample(np.random.default_rng(0), 20000)
    m, sd = p.moments()
    assert (np.abs(x.mean(0) - m) < 0.02 * p.width).all()
    np.testing.assert_allclose(x.std(0), sd, rtol=0.03)
    assert np.isfinite(p.logpdf(x)).all() and p.inside(x).all()
    assert p.logpdf(np.array([[1.5, 0.0]]))[0] == -np.inf
    u = S.BoxPrior(("a",), np.array([0.0]), np.array([4.0]))
    assert u.logpdf(np.array([[1.0]]))[0] == pytest.approx(-np.log(4.0))
    np.testing.assert_allclose(u.quantiles([0.05, 0.95]).ravel(), [0.2, 3.8])


# ------------------------------------------------------------------------------- the toy with a known answer


def run_toy(population=100, generations=9, seed=1, move="pmc", kernel="diagonal", prior=None, worlds=None, logs=None):
    record = toy_record_at()
    worlds = worlds or {"a": DIFFERENT["a"]}
    sims = {w: toy_simulator(record, spec, None if logs is None else logs.setdefault(w, []))
            for w, spec in worlds.items()}
    priors = {w: prior or toy_prior() for w in worlds}
    return S.smc(sims, priors, population=population, generations=generations, seed=seed, move=move, kernel=kernel)


def rejection(budget: int, keep: int, seed: int = 5):
    """Rejection ABC with the same simulator: ``budget`` prior draws, the ``keep`` closest kept."""
    prior = toy_prior()
    theta = prior.sample(np.random.default_rng(seed), budget)
    d = toy_simulator(toy_record_at())(theta, np.arange(budget))
    best = np.argsort(d, kind="stable")[:keep]
    return S.Population(theta[best], np.ones(keep), d[best], best), d


@pytest.mark.parametrize("move", ["pmc", "mcmc"])
def test_rejection_and_smc_recover_the_true_parameter(move):
    N, G = 100, 9
    res = run_toy(N, G, move=move)["a"]
    fin = res.final
    budget = sum(res.simulations)
    assert budget == (G + 1) * N
    mean = float(fin.weight @ fin.theta[:, 0])
    lo, hi = wq(fin)
    assert abs(mean - SMC_TRUTH) < 0.03 and lo < SMC_TRUTH < hi
    # phi decides nothing: its posterior stays (close to) its prior
    plo, phi = wq(fin, 1)
    assert phi - plo > 0.6
    # rejection with the same number of simulations, keeping as many particles as SMC's final population
    rej, d = rejection(budget, len(fin))
    rmean = float(rej.theta[:, 0].mean())
    rlo, rhi = wq(rej)
    assert abs(rmean - SMC_TRUTH) < 0.05 and rlo < SMC_TRUTH < rhi
    assert hi - lo < 0.8 * (rhi - rlo)  # SMC's interval is clearly narrower at the same budget
    assert res.schedule[-1]["epsilon"] <= 1.0 < float(np.quantile(d, len(fin) / budget)) + 1  # it got closer, too


def test_in_many_dimensions_importance_weights_collapse_and_mcmc_moves_do_not():
    # 144 parameters as the agent worlds have, only theta matters: PMC's weights degenerate (ESS of a few), the
    # MCMC moves keep a population and still find theta
    bounds = {**SMC_BOUNDS, **{f"nuisance_{i}": (0.0, 1.0) for i in range(142)}}
    prior = toy_prior(bounds)
    pmc = run_toy(128, 5, prior=prior)["a"]
    mcmc = run_toy(128, 5, move="mcmc", prior=prior)["a"]
    assert max(r["ess"] for r in pmc.schedule[1:]) < 5  # one particle takes nearly all the weight
    lo, hi = wq(pmc.final)
    assert hi - lo < 0.01  # a "posterior" that is one point: spurious precision
    assert min(r["ess"] for r in mcmc.schedule) > 50
    lo, hi = wq(mcmc.final)
    assert abs(float(mcmc.final.weight @ mcmc.final.theta[:, 0]) - SMC_TRUTH) < 0.05 and lo < SMC_TRUTH < hi
    assert mcmc.schedule[-1]["epsilon"] <= 1.0
    nlo, nhi = wq(mcmc.final, 5)  # a nuisance parameter keeps (nearly) its prior
    assert nhi - nlo > 0.6


# ------------------------------------------------------------------------------------------- equal budgets


def test_every_world_gets_the_same_simulations_and_seeds():
    logs: dict = {}
    N, G = 40, 3
    res = run_toy(N, G, worlds=DIFFERENT, logs=logs)
    assert set(logs) == {"a", "b"}
    for w, calls in logs.items():
        assert [len(th) for th, _ in calls] == [N] * (G + 1)  # one batched call per generation, N runs each
        assert res[w].simulations == [N] * (G + 1)
    for (_, sa), (_, sb) in zip(logs["a"], logs["b"]):
        np.testing.assert_array_equal(sa, sb)  # the same engine seeds in every world
    np.testing.assert_array_equal(logs["a"][0][0], logs["b"][0][0])  # generation 0: the same prior draws
    budget = S.check_equal_budgets(res)
    assert budget.groupby("world")["simulations"].sum().nunique() == 1
    # the worlds differ, so their posteriors do (budgets are equal, results are not)
    mean = {w: float(res[w].final.weight @ res[w].final.theta[:, 0]) for w in res}
    assert mean["a"] != pytest.approx(mean["b"])


def test_unequal_budgets_are_refused():
    record = toy_record_at()
    sims = {"a": toy_simulator(record), "b": toy_simulator(record, DIFFERENT["b"])}
    priors = {"a": toy_prior(), "b": toy_prior()}
    with pytest.raises(S.SMCError, match="one number for every world"):
        S.smc(sims, priors, population={"a": 10, "b": 20}, generations=1)
    short = {"a": sims["a"], "b": lambda th, s: sims["b"](th, s)[:-1]}
    with pytest.raises(S.SMCError, match="exactly 10 simulations"):
        S.smc(short, priors, population=10, generations=1)
    pop = lambda n: S.Population(np.random.default_rng(0).random((n, 2)), np.ones(n), np.arange(n, dtype=float), None)
    with pytest.raises(S.SMCError, match="unequal starts"):
        S.smc(sims, priors, population=10, generations=1, start={"a": S.Start(pop(30), 30), "b": S.Start(pop(20), 20)})
    with pytest.raises(S.SMCError, match="every world"):
        S.smc(sims, priors, population=10, generations=1, start={"a": S.Start(pop(30), 30)})
    bad = {"a": [], "b": []}
    res = {w: S.SMCResult(w, ("theta", "phi"), schedule=[{"generation": 0, "simulations": 10}]) for w in bad}
    res["b"].schedule[0]["simulations"] = 12
    with pytest.raises(S.SMCError, match="unequal simulation counts"):
        S.check_equal_budgets(res)


def test_a_start_from_a_reference_table_is_reused_without_simulating():
    draws = toy_draws(200, seed=4)
    draws["theta"] = -1.0 + 3.0 * draws["theta"]  # on the SMC prior's range
    record = toy_record_at()
    starts, sims, calls = {}, {}, {}
    for w, spec in DIFFERENT.items():
        t = toy_table({w: spec}, draws, seeds=2)
        theta = draws.set_index("draw").loc[t["draw"], ["theta", "phi"]].to_numpy()
        starts[w] = S.Start(S.Population(theta, np.ones(len(t)), S.distance(t, record), t["seed"]), len(t))
        sims[w] = toy_simulator(record, spec, calls.setdefault(w, []))
    res = S.smc(sims, {w: toy_prior() for w in DIFFERENT}, population=50, generations=2, seed=0, start=starts)
    for w in DIFFERENT:
        g0 = res[w].schedule[0]
        assert g0["simulations"] == 0 and g0["rule"] == "start"
        d = starts[w].population.distance
        assert g0["epsilon"] == np.sort(d)[49] and g0["particles"] == int((d <= g0["epsilon"]).sum()) >= 50
        assert [len(th) for th, _ in calls[w]] == [50, 50]  # generation 0 ran nothing


# -------------------------------------------------------------------------------- determinism, the support


def test_deterministic_given_the_seed():
    a, b, c = run_toy(60, 4, seed=7)["a"], run_toy(60, 4, seed=7)["a"], run_toy(60, 4, seed=8)["a"]
    for pa, pb in zip(a.populations, b.populations):
        np.testing.assert_array_equal(pa.theta, pb.theta)
        np.testing.assert_array_equal(pa.weight, pb.weight)
        np.testing.assert_array_equal(pa.seed, pb.seed)
    drop = ["seconds"]
    pd.testing.assert_frame_equal(a.schedule_frame().drop(columns=drop), b.schedule_frame().drop(columns=drop))
    assert not np.array_equal(a.final.theta, c.final.theta)


@pytest.mark.parametrize("move,kernel", [("pmc", "diagonal"), ("pmc", "mvn"), ("mcmc", "diagonal")])
def test_proposals_outside_the_prior_are_never_simulated(move, kernel):
    # the truth sits at the edge of a narrow prior, so that many perturbations fall outside it
    bounds = {"theta": (0.3, 0.66), "phi": (0.2, 0.5)}
    prior = toy_prior(bounds)
    logs: dict = {}
    res = run_toy(60, 5, move=move, kernel=kernel, prior=prior, logs=logs)["a"]
    simulated = np.concatenate([th for th, _ in logs["a"]])
    assert len(simulated) == 6 * 60
    assert prior.inside(simulated).all()
    assert sum(r["redrawn"] for r in res.schedule) > 0  # some were drawn outside, and drawn again
    assert abs(float(res.final.weight @ res.final.theta[:, 0]) - SMC_TRUTH) < 0.04


def test_the_mvn_kernel_is_refused_with_mcmc_moves():
    with pytest.raises(S.SMCError, match="diagonal"):
        run_toy(20, 1, move="mcmc", kernel="mvn")


# ------------------------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def small_calibration(tmp_path_factory):
    from sim.runs.calibrate import calibrate

    out = tmp_path_factory.mktemp("smc") / "calib"
    res = calibrate(REPO / "experiments" / "calibration_small.yaml", out=out, workers=1, progress=False,
                    on_code_change="continue")
    assert res.complete
    return out


def test_smc_on_a_small_calibration_folder(small_calibration, tmp_path):
    out = tmp_path / "smc"
    r = S.smc_folder(small_calibration, generations=2, population=16, workers=1, worlds=["deterrence", "null"],
                     out=out, progress=False)
    assert r.out == out
    for f in S.OUTPUTS:
        assert (out / f).is_file(), f
    sched = pd.read_csv(out / "schedule.csv", keep_default_na=False, na_values=[""])
    assert sched.groupby("world")["simulations"].apply(list).to_dict() == {"deterrence": [0, 16, 16],
                                                                          "null": [0, 16, 16]}
    pop = pd.read_parquet(out / "population.parquet")
    assert set(pop["world"]) == {"deterrence", "null"}
    for w, g in pop.groupby("world"):
        assert g["weight"].sum() == pytest.approx(1.0)
        assert (g["patterns_matched"] == 12 - np.floor(g["distance"])).all()
    spec_free = 144
    assert pop[pop["world"] == "deterrence"].drop(columns=["world", "generation", "particle", "weight", "distance",
                                                          "patterns_matched", "seed"]).notna().all().sum() >= spec_free
    marg = pd.read_csv(out / "marginals.csv", keep_default_na=False, na_values=[""])
    assert {"width90", "prior_width90", "rejection_width90", "narrower_than_prior", "narrower_than_rejection",
            "chance_narrower"} <= set(marg.columns)
    assert len(marg[marg["world"] == "null"]) == 22
    summ = json.loads((out / "summary.json").read_text())
    assert summ["budget"]["deterrence"]["new_simulations"] == summ["budget"]["null"]["new_simulations"] == 32
    assert summ["budget"]["deterrence"]["start_runs"] == 24
    assert "deterrence" in r.summary and "by chance" in r.summary


def test_spiral_smc_command_and_its_one_line_errors(small_calibration, tmp_path, capsys):
    from sim.faces import cli

    out = tmp_path / "cli"
    assert cli.main(["smc", str(small_calibration), "--generations", "1", "--population", "8", "--world", "null",
                     "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert "null" in capsys.readouterr().out and (out / "schedule.csv").is_file()
    assert cli.main(["smc", str(small_calibration), "--world", "deterrance", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "did you mean 'deterrence'" in err
    assert cli.main(["smc", str(tmp_path), "--quiet"]) == 2
    assert "not a calibration folder" in capsys.readouterr().err
    assert cli.main(["smc", str(small_calibration), "--alpha", "1.5"]) == 2
    assert "alpha" in capsys.readouterr().err
