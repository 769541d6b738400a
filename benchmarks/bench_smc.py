"""Benchmark: what a one-particle-per-call ABC library would cost with this engine, and pyabc's ABC-SMC against
the batched one of sim/runs/calibrate/smc.py (docs/smc.md).

    .venv/bin/python benchmarks/bench_smc.py engine [--reps 3] [--world revisionist_spiral]
    python3 -m venv /tmp/pyabcvenv && /tmp/pyabcvenv/bin/pip install pyabc        # a throwaway venv, never .venv
    .venv/bin/python benchmarks/bench_smc.py toy --pyabc-python /tmp/pyabcvenv/bin/python [--population 100]
    .venv/bin/python benchmarks/bench_smc.py compare SMC_CALIB LARGE_CALIB

1. ``engine`` — the engine's cost per run when it is called with batches of 1, 64 and 512 runs
   (:func:`sim.runs.calibrate.reference.evaluate`: one engine call and the training features, on prior draws of
   experiments/calibration.yaml's prior, the historical replay cut at 2013Q4): medians of ``--reps``
   repetitions, wall and CPU time (the machine is shared: CPU time is the steadier figure). A library that
   simulates one particle per call pays the batch-of-1 cost for every simulation.
2. ``toy`` — pyabc's ABC-SMC (``pyabc.ABCSMC``, one model call per particle, single-core sampler, its defaults
   otherwise) and this project's batched SMC (both moves) on the toy model of tests/calib_toy.py with a known
   answer, at equal simulation counts: pyabc runs until ``--budget`` simulations (it stops after the generation
   that passes it), this SMC then gets the same number, rounded to whole generations. pyabc runs in its own
   virtual environment (``--pyabc-python``) with this checkout on PYTHONPATH, so the toy is the same code.
3. ``compare`` — the real model: SMC (``spiral smc`` on SMC_CALIB) against rejection with the same number of
   runs per world (LARGE_CALIB: the same spec with more draws), per world: tolerance, patterns matched, ESS and
   the median narrowing of the 90 % intervals against the prior, beside what chance gives at that ESS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core's worth, as the workers
    os.environ.setdefault(_k, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
med = statistics.median


# ---------------------------------------------------------------------------------------------- 1. the engine


def bench_engine(reps: int, world: str, sizes=(1, 64, 512), runs_small: int = 16) -> list[dict]:
    import numpy as np

    from sim.runs.calibrate.prior import unit_design
    from sim.runs.calibrate.reference import evaluate
    from sim.runs.calibrate.smc import spec_prior
    from sim.runs.calibrate.spec import load_calibration

    spec = load_calibration(ROOT / "experiments" / "calibration_small.yaml")  # the study's scenario and prior
    prior = spec_prior(spec)
    theta = prior.from_unit(unit_design(max(sizes), prior.dim, "sobol", 20251102))
    seeds = np.arange(1, max(sizes) + 1)

    def call(lo, hi):
        evaluate(spec.scenario, "agent", [world] * (hi - lo), np.arange(lo, hi), seeds[lo:hi], prior.names,
                 theta[lo:hi], spec.fixed)

    call(0, 2)  # warm-up: compiled scenario, caches
    rows = []
    for b in sizes:
        n = runs_small if b == 1 else max(b, 2 * b if b < 512 else b)  # 16 one-run calls, 2 x 64, 1 x 512
        wall, cpu = [], []
        for _ in range(reps):
            t, c = time.perf_counter(), time.process_time()
            for lo in range(0, n, b):
                call(lo, min(lo + b, n))
            wall.append((time.perf_counter() - t) / n)
            cpu.append((time.process_time() - c) / n)
        rows.append({"batch": b, "runs": n, "reps": reps, "wall_ms_per_run": 1000 * med(wall),
                     "cpu_ms_per_run": 1000 * med(cpu), "wall_ms_all": [round(1000 * x, 2) for x in wall]})
        print(f"batch {b:4d}: {n} runs x {reps} reps, median {1000 * med(wall):7.2f} ms wall, "
              f"{1000 * med(cpu):7.2f} ms CPU per run", file=sys.stderr, flush=True)
    return rows


# --------------------------------------------------------------------------------------------------- 2. the toy


def pyabc_worker(population: int, budget: int, seed: int) -> dict:
    """Runs inside the pyabc venv: pyabc's ABC-SMC on the toy, one model call per particle."""
    import logging

    import numpy as np
    import pyabc
    from calib_toy import SMC_BOUNDS, toy_record_at, toy_simulator

    logging.getLogger("ABC").setLevel(logging.WARNING)
    for name in ("ABC", "Sampler", "Epsilon", "Distance", "Acceptor", "Transitions", "Data_plot", "History"):
        logging.getLogger(f"ABC.{name}").setLevel(logging.WARNING)
    sim = toy_simulator(toy_record_at())
    rng = np.random.default_rng(seed)
    calls = [0]

    def model(par):
        calls[0] += 1
        d = sim(np.array([[par["theta"], par["phi"]]]), np.array([int(rng.integers(0, 2 ** 31 - 1))]))[0]
        return {"d": float(d)}

    (lo_t, hi_t), (lo_p, hi_p) = SMC_BOUNDS["theta"], SMC_BOUNDS["phi"]
    prior = pyabc.Distribution(theta=pyabc.RV("uniform", lo_t, hi_t - lo_t), phi=pyabc.RV("uniform", lo_p, hi_p - lo_p))
    np.random.seed(seed)
    abc = pyabc.ABCSMC(model, prior, lambda x, x0: x["d"], population_size=population,
                       sampler=pyabc.sampler.SingleCoreSampler())
    with tempfile.TemporaryDirectory() as tmp:
        abc.new(f"sqlite:///{tmp}/toy.db", {"d": 0.0})
        t = time.perf_counter()
        h = abc.run(minimum_epsilon=-1.0, max_nr_populations=1000, max_total_nr_simulations=budget)
        wall = time.perf_counter() - t
        df, w = h.get_distribution(m=0, t=h.max_t)
        theta = df["theta"].to_numpy()
        w = np.asarray(w, dtype=float)
        o = np.argsort(theta)
        c = (np.cumsum(w[o]) - 0.5 * w[o]) / w.sum()
        q05, q95 = np.interp([0.05, 0.95], c, theta[o])
        pops = h.get_all_populations()
        # the toy alone, as many one-run calls, in this same environment: the rest of the time is pyabc's
        n = calls[0]
        th = np.column_stack([rng.uniform(lo_t, hi_t, n), rng.uniform(lo_p, hi_p, n)])
        t = time.perf_counter()
        for i in range(n):
            sim(th[i:i + 1], np.array([i]))
        toy_alone = time.perf_counter() - t
        return {"method": "pyabc ABCSMC (one particle per call)", "simulations": int(h.total_nr_simulations),
                "toy_seconds": toy_alone, "pyabc_overhead_ms_per_simulation": 1000 * (wall - toy_alone) / n,
                "model_calls": calls[0], "generations": int(h.max_t) + 1, "seconds": wall,
                "final_epsilon": float(pops["epsilon"].iloc[-1]), "particles": int(len(theta)),
                "ess": float(1 / np.sum((w / w.sum()) ** 2)), "mean": float(w @ theta / w.sum()),
                "q05": float(q05), "q95": float(q95), "pyabc": pyabc.__version__}


def ours_toy(population: int, generations: int, seed: int, move: str) -> dict:
    import numpy as np
    from calib_toy import toy_prior, toy_record_at, toy_simulator

    from sim.runs.calibrate import abc
    from sim.runs.calibrate.smc import smc

    calls = []
    t = time.perf_counter()
    res = smc({"a": toy_simulator(toy_record_at(), log=calls)}, {"a": toy_prior()}, population=population,
              generations=generations, seed=seed, move=move)["a"]
    wall = time.perf_counter() - t
    fin = res.final
    q05, q95 = abc._wquantile(fin.theta[:, 0], fin.weight, (0.05, 0.95))
    return {"method": f"batched SMC, move {move}", "simulations": int(sum(res.simulations)),
            "model_calls": len(calls), "generations": generations + 1, "seconds": wall,
            "final_epsilon": float(res.schedule[-1]["epsilon"]), "particles": len(fin), "ess": fin.ess,
            "mean": float(fin.weight @ fin.theta[:, 0]), "q05": float(q05), "q95": float(q95)}


def toy_alone(n: int) -> dict:
    """The toy simulator by itself, called once per run as pyabc calls it: what of pyabc's time is the model's."""
    import numpy as np
    from calib_toy import toy_prior, toy_record_at, toy_simulator

    sim = toy_simulator(toy_record_at())
    theta = toy_prior().sample(np.random.default_rng(0), n)
    t = time.perf_counter()
    for i in range(n):
        sim(theta[i:i + 1], np.array([i]))
    wall = time.perf_counter() - t
    return {"method": "the toy simulator alone, one run per call", "simulations": n, "model_calls": n,
            "seconds": wall, "q05": float("nan"), "q95": float("nan"), "mean": float("nan")}


def bench_toy(pyabc_python: str | None, population: int, budget: int, seed: int) -> list[dict]:
    from calib_toy import SMC_TRUTH

    rows = []
    total = budget
    if pyabc_python:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
        t = time.perf_counter()
        r = subprocess.run([pyabc_python, __file__, "pyabc-worker", "--population", str(population), "--budget",
                            str(budget), "--seed", str(seed)], capture_output=True, text=True, env=env, cwd=ROOT)
        if r.returncode != 0:
            print(r.stderr[-3000:], file=sys.stderr)
            raise SystemExit("pyabc run failed")
        row = json.loads(r.stdout.strip().splitlines()[-1])
        row["process_seconds"] = time.perf_counter() - t
        rows.append(row)
        total = row["simulations"]
    gens = max(1, round(total / population) - 1)
    for move in ("pmc", "mcmc"):
        rows.append(ours_toy(population, gens, seed, move))
    rows.append(toy_alone(total))
    for r in rows:
        if "toy_seconds" in r:
            print(f"pyabc: {r['seconds']:.2f} s, of which the toy alone (one-run calls, same environment) "
                  f"{r['toy_seconds']:.2f} s: pyabc's own cost {r['pyabc_overhead_ms_per_simulation']:.2f} ms per "
                  "simulation", file=sys.stderr)
    for r in rows:
        r["truth"] = SMC_TRUTH
        r["width90"] = r["q95"] - r["q05"]
        r["ms_per_simulation"] = 1000 * r["seconds"] / r["simulations"]
    return rows


# ------------------------------------------------------------------------------------------ 3. the real model


def compare(smc_calib: Path, large_calib: Path) -> list[dict]:
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    from sim.runs.calibrate import abc
    from sim.runs.calibrate.reference import load_reference
    from sim.runs.calibrate.smc import chance_narrowing, distance, null_prior, patterns_of_distance, spec_prior
    from sim.runs.calibrate.spec import load_calibration

    summ = json.loads((smc_calib / "smc" / "summary.json").read_text())
    marg = pd.read_csv(smc_calib / "smc" / "marginals.csv", keep_default_na=False, na_values=[""])
    pop = pd.read_parquet(smc_calib / "smc" / "population.parquet")
    record = abc.load_record(large_calib / "record.csv")
    table = load_reference(large_calib, columns=["world", "draw", "seed"] + abc.used_features(record))
    acc, rule, k_star = abc.the_rule(table, record)
    spec = load_calibration(summ["spec_path"])
    draws = {"agent": pq.read_table(large_calib / "draws.parquet").to_pandas().set_index("draw")}
    if (large_calib / "null_draws.parquet").is_file():
        draws["null"] = pq.read_table(large_calib / "null_draws.parquet").to_pandas().set_index("draw")
    rows = []

    def narrowing(theta, weight, prior):
        q = np.array([abc._wquantile(theta[:, k], weight, (0.05, 0.95)) for k in range(prior.dim)])
        pq_ = prior.quantiles([0.05, 0.95])
        return float(np.median(1 - (q[:, 1] - q[:, 0]) / (pq_[1] - pq_[0])))

    def ess(theta, weight):
        _, inv = np.unique(theta, axis=0, return_inverse=True)
        w = np.bincount(inv.ravel(), weights=weight / weight.sum())
        return float(1 / np.sum(w ** 2))

    for w, r in summ["results"].items():
        prior = null_prior() if w == "null" else spec_prior(spec)
        m = marg[marg["world"] == w]
        p = pop[pop["world"] == w]
        b = summ["budget"][w]
        rows.append({"world": w, "method": f"SMC ({b['start_runs']:,} + {b['new_simulations']:,} runs)",
                     "runs": b["start_runs"] + b["new_simulations"], "epsilon": r["epsilon"][-1],
                     "patterns": r["patterns_matched_mean"], "particles": r["particles"], "ess": r["ess"],
                     "narrower": float(m["narrower_than_prior"].median()), "chance": chance_narrowing(r["ess"])})
        g = table[table["world"] == w]
        dt = draws["null" if w == "null" else "agent"]
        theta = dt.loc[g["draw"].to_numpy(), list(prior.names)].to_numpy(dtype=float)
        d = distance(g, record)
        a = acc[(table["world"] == w).to_numpy()]
        for label, keep in ((f"rejection, the rule ({rule.split(':')[0]}, k* = {k_star})", np.flatnonzero(a)),
                            ("rejection, the same number of particles as SMC", np.argsort(d, kind="stable")[:len(p)])):
            if not len(keep):
                rows.append({"world": w, "method": label, "runs": len(g), "particles": 0})
                continue
            wt = np.ones(len(keep))
            e = ess(theta[keep], wt)
            rows.append({"world": w, "method": label, "runs": len(g), "epsilon": float(d[keep].max()),
                         "patterns": float(patterns_of_distance(d[keep], record).mean()), "particles": len(keep),
                         "ess": e, "narrower": narrowing(theta[keep], wt, prior), "chance": chance_narrowing(e)})
    return rows


def table_md(rows: list[dict], cols: list[str]) -> str:
    def fmt(v):
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
        return f"{v:,}" if isinstance(v, int) else str(v)

    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("engine", help="the engine's cost per run at batches of 1, 64, 512")
    e.add_argument("--reps", type=int, default=3)
    e.add_argument("--world", default="revisionist_spiral")
    t = sub.add_parser("toy", help="pyabc against the batched SMC on the toy, equal simulation counts")
    t.add_argument("--pyabc-python", default=None, help="python of a venv with pyabc (none: only the batched SMC)")
    t.add_argument("--population", type=int, default=100)
    t.add_argument("--budget", type=int, default=1000,
                   help="simulations pyabc may spend (it overshoots by up to a generation)")
    t.add_argument("--seed", type=int, default=1)
    w = sub.add_parser("pyabc-worker", help=argparse.SUPPRESS)
    w.add_argument("--population", type=int, default=100)
    w.add_argument("--budget", type=int, default=1000)
    w.add_argument("--seed", type=int, default=1)
    c = sub.add_parser("compare", help="real model: SMC against rejection at the same number of runs")
    c.add_argument("smc_calib", type=Path)
    c.add_argument("large_calib", type=Path)
    a = ap.parse_args(argv)
    if a.cmd == "engine":
        rows = bench_engine(a.reps, a.world)
        base = rows[-1]["cpu_ms_per_run"]
        for r in rows:
            r["cpu_vs_512"] = r["cpu_ms_per_run"] / base
        print(table_md(rows, ["batch", "runs", "reps", "wall_ms_per_run", "cpu_ms_per_run", "cpu_vs_512"]))
        print(json.dumps(rows))
    elif a.cmd == "pyabc-worker":
        print(json.dumps(pyabc_worker(a.population, a.budget, a.seed)))
    elif a.cmd == "toy":
        rows = bench_toy(a.pyabc_python, a.population, a.budget, a.seed)
        print(table_md(rows, ["method", "simulations", "model_calls", "generations", "seconds", "ms_per_simulation",
                              "final_epsilon", "particles", "ess", "mean", "q05", "q95", "width90"]))
        print(json.dumps(rows))
    else:
        rows = compare(a.smc_calib, a.large_calib)
        print(table_md(rows, ["world", "method", "runs", "epsilon", "patterns", "particles", "ess", "narrower",
                              "chance"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
