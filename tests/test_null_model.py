"""The null model of the calibration (sim/runs/calibrate/null.py; docs/theory.md §7): impulses of the scripted
events, logistic links for force and coercion, a linear link for the burden — no agents, no types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.params import PARAMETERS
from sim.runs.calibrate import null
from sim.runs.calibrate.null import (NULL_KINDS, NULL_NAMES, NULL_PARAMETERS, impulse_basis, null_draws,
                                     parameter_count, simulate_null)
from sim.runs.score import FEATURES, Events, Runs, batch_features
from sim.scenario import load_scenario, until


@pytest.fixture(scope="module")
def full():
    return load_scenario("scenarios/historical.yaml")


@pytest.fixture(scope="module")
def scen(full):
    return until(full, "2013Q4")


def _params(R: int, **over) -> dict:
    """Mid-range parameters for R runs, with some overridden."""
    p = {n: np.full(R, 0.5 * (lo + hi)) for n, (lo, hi, *_rest) in NULL_PARAMETERS.items()}
    p.update({k: np.broadcast_to(np.asarray(v, dtype=float), (R,)).copy() for k, v in over.items()})
    return p


def _impulse_history(scenario, beta: dict, lam: float) -> np.ndarray:
    """The impulse history written out event by event, independently of null.py: Σ β exp(−λ age)."""
    out = np.zeros(scenario.n_steps)
    for t in range(scenario.n_steps):
        q = scenario.start + t
        for e in scenario.events:
            if e.withheld or e.requires is not None or e.endogenous or not (scenario.start <= e.date <= q):
                continue
            out[t] += beta.get(e.kind, 0.0) * np.exp(-lam * (q - e.date) / 4.0)
    return out


def test_kinds_are_those_of_the_training_window(full):
    present = {e.kind for e in until(full, "2013Q4").events
               if not e.withheld and e.requires is None and not e.endogenous}
    assert set(NULL_KINDS) == present


def test_parameter_count_and_names():
    assert parameter_count() == len(NULL_KINDS) + 7 == len(NULL_NAMES)
    assert not set(NULL_NAMES) & set(PARAMETERS)  # never confused with the agent model's parameters
    for name, (lo, hi, desc, reason) in NULL_PARAMETERS.items():
        assert lo < hi and desc and reason, name


def test_fits_a_pure_impulse_history_exactly(scen):
    rng = np.random.default_rng(7)
    truths = [({k: rng.uniform(0.0, 0.03) for k in NULL_KINDS}, lam) for lam in (0.3, 0.9, 1.7)]
    hist = np.array([_impulse_history(scen, b, lam) for b, lam in truths])
    assert 0.0 < hist[:, 8:].min() and hist.max() < 1.0  # nothing clipped: the kernel alone
    rows = _params(3, decay=[lam for _, lam in truths],
                   **{f"beta_{k}": [b[k] for b, _ in truths] for k in NULL_KINDS})
    res = simulate_null(scen, rows, seeds=[1, 2, 3])
    assert np.abs(res.observables["tension_russia"] - hist).max() < 1e-12

    # a profile least-squares fit on the history recovers λ and every β
    from scipy.optimize import minimize_scalar

    def fit(y, lam):
        X = impulse_basis(scen, lam)[0].T  # [T, K]
        b, *_ = np.linalg.lstsq(X, y, rcond=None)
        return b, float(((X @ b - y) ** 2).sum())

    assert np.linalg.matrix_rank(impulse_basis(scen, 0.9)[0]) == len(NULL_KINDS)  # identifiable
    for (beta, lam), y in zip(truths, hist):
        opt = minimize_scalar(lambda x: fit(y, x)[1], bounds=(0.05, 2.0), method="bounded",
                              options={"xatol": 1e-10})
        b_hat, sse = fit(y, opt.x)
        assert abs(opt.x - lam) < 1e-5
        assert np.allclose(b_hat, [beta[k] for k in NULL_KINDS], atol=1e-5)
        assert sse < 1e-18
    # and a wrong decay does not fit
    assert fit(hist[1], 0.3)[1] > 1e-6


def test_clip_and_links_are_exact(scen):
    R = 64
    draws = null_draws(R, seed=3)
    res = simulate_null(scen, draws, np.arange(R))
    lam = draws["decay"].to_numpy()
    basis = impulse_basis(scen, lam)
    beta = draws[[f"beta_{k}" for k in NULL_KINDS]].to_numpy()
    t = np.clip(np.einsum("rk,rkt->rt", beta, basis), 0, 1)
    assert np.allclose(res.observables["tension_russia"], t, atol=1e-12)
    burden = np.maximum(draws["burden_c"].to_numpy()[:, None] + draws["burden_d"].to_numpy()[:, None] * t, 0)
    assert np.allclose(res.observables["russia_burden"], burden, atol=1e-15)
    assert ((res.observables["russia_stance"] == 0) == (t > 0.5)).all()  # fixed definition
    assert (res.observables["nato_stance"] == 1).all()


def test_logistic_links_and_targets(scen):
    R = 400
    coin = simulate_null(scen, _params(R, force_a=0.0, force_b=0.0, coercion_a=-50.0, coercion_b=0.0), np.arange(R))
    ev = coin.events
    assert set(ev["kind"]) == {"use_of_force"}
    per_quarter = len(ev["run"]) / (R * coin.steps)
    assert abs(per_quarter - 0.5) < 0.01  # logistic(0) = 1/2
    claimed = set(scen.spheres["RUS"])
    assert set(ev["target"]) <= claimed and len(set(ev["target"])) == len(claimed)  # uniform over them
    assert not ev["scripted"].any()
    assert (np.diff(ev["run"]) >= 0).all()  # grouped by run, as the engine's log
    # the regime is war within a year of force, as the engine's definition says
    R1 = Runs.from_batch(coin)
    assert R1.col("regime").max() == 4
    none = simulate_null(scen, _params(10, force_a=-50.0, coercion_a=-50.0), np.arange(10))
    assert len(none.events["run"]) == 0 and (none.observables["regime"] <= 2).all()


def test_features_by_the_same_functions(scen):
    R = 32
    res = simulate_null(scen, null_draws(R, seed=1), np.arange(R))
    f = batch_features(res)
    assert set(f) == set(FEATURES)
    assert all(np.shape(v) == (R,) for v in f.values())
    assert all(np.isfinite(v).all() for v in f.values())
    # no proposals, no acceptances: patterns 1 and 3 fail in every run of the null (by construction)
    assert (f["pattern_1_early_cooperation"] == 0).all() and (f["pattern_3_founding_act"] == 0).all()
    E = Events.from_batch(res)
    assert np.array_equal(f["force_1992_2013"], E.count("use_of_force", 1992, 2014).astype(float))
    # force on a member is written into the cause as the engine does (pattern 7 reads it)
    on_member = pd.Series(res.events["cause"]).str.contains("tie 'member'", regex=False).to_numpy()
    yr = scen.start / 4 + res.events["step"] / 4
    assert set(res.events["target"][on_member]) <= {"EST", "LVA", "LTU"}
    assert on_member.any() and (yr[on_member] >= 2004.0).all()  # the Baltic accessions, 2004Q1


def test_deterministic_by_seed_and_batch_free(scen):
    draws = null_draws(16, seed=5)
    a = simulate_null(scen, draws, np.arange(100, 116))
    b = simulate_null(scen, draws, np.arange(100, 116))
    for k in a.observables:
        assert np.array_equal(a.observables[k], b.observables[k])
    for k in a.events:
        assert np.array_equal(a.events[k], b.events[k])
    # run 5 alone gives what it gave in the batch
    one = simulate_null(scen, draws.iloc[[5]], [105])
    for k in a.observables:
        assert np.array_equal(one.observables[k][0], a.observables[k][5])
    sel = a.events["run"] == 5
    assert np.array_equal(one.events["step"], a.events["step"][sel])
    assert np.array_equal(one.events["target"], a.events["target"][sel])
    # another seed draws other events
    c = simulate_null(scen, draws, np.arange(200, 216))
    assert not np.array_equal(a.events["step"], c.events["step"]) or not np.array_equal(a.events["run"], c.events["run"])


def test_draws_cover_the_ranges_and_are_seeded():
    d = null_draws(256, seed=11)
    assert list(d.columns) == ["draw", *NULL_NAMES] and d["draw"].tolist() == list(range(256))
    for n, (lo, hi, *_r) in NULL_PARAMETERS.items():
        assert d[n].between(lo, hi).all()
        assert d[n].max() - d[n].min() > 0.9 * (hi - lo)
    assert d.equals(null_draws(256, seed=11)) and not d.equals(null_draws(256, seed=12))
    assert null_draws(50, seed=1, method="latin").shape == (50, len(NULL_NAMES) + 1)


def test_only_events_up_to_the_run_end(full, scen):
    """The training window sees nothing of what comes later: the same draws and seeds on the whole scenario
    give the same 1992-2013 history, and a missing parameter is refused."""
    draws = null_draws(8, seed=2)
    a = simulate_null(scen, draws, np.arange(8))
    b = simulate_null(full, draws, np.arange(8))
    T = a.steps
    for k in a.observables:
        assert np.array_equal(a.observables[k], b.observables[k][:, :T])
    late = (null.impulses(full).counts[T:].sum() > 0)
    assert late and null.impulses(scen).counts.shape[0] == T
    with pytest.raises(ValueError, match="decay"):
        simulate_null(scen, draws.drop(columns=["decay"]), np.arange(8))
