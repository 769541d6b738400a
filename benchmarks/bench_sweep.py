"""Benchmark: sweeps (sim.runs.sweep) against mesa.batch_run on the same model and the same work.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 1000] [--repeats 3] [--scaling 100,1000,10000]
        [--batch-scaling 100,500,2000] [--speedup-runs 600] [--workers 2] [--with-dask] [--write docs/performance.md]

The work: historical replays of SpiralModel (scenarios/historical.yaml, 1992Q1-2025Q4, 136 quarters) over the
four worlds × P Latin-hypercube points (misperception, empathy) × S paired seeds. Both sides run exactly
the same runs (same parameters, same seeds) with the same number of processes and keep the same data: every
observable at every step. mesa.batch_run gets SpiralModel(scenario=<Scenario object>, world, seed,
parameters, network=False) with ``data_collection_period=1``; the sweep keeps ``steps: true`` (and two
summaries) in Parquet parts. After timing, the benchmark checks that both gave the same tension in 2008 for
every run.

Each measurement runs in a fresh subprocess; a thread samples the memory of that process and all its
children every 50 ms: "peak tree PSS" is the peak of the sum of their proportional set sizes (main process +
workers + forkserver; shared pages split between the processes sharing them), "peak main RSS" the resident
memory of the main process alone (where batch_run's results accumulate). Throughput = runs / wall time of the
sweep (or batch_run) call, pool start-up included. The machine is shared, so the contenders are measured in
alternating order over several rounds and medians are reported, with the load averages.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "historical.yaml"
SWEEP_SEED = 1


def shape(runs: int) -> tuple[int, int]:
    """runs = 4 worlds × points × seeds."""
    seeds = 10 if runs % 40 == 0 else 5
    if runs % (4 * seeds):
        raise SystemExit(f"--runs {runs}: use a multiple of 20 (4 worlds × points × 5 seeds) or of 40")
    return runs // (4 * seeds), seeds


def spec_text(runs: int, horizon: str | None = None, steps: bool = True) -> str:
    points, seeds = shape(runs)
    return "\n".join([
        f"name: bench-{runs}",
        f"scenario: {SCENARIO}",
        "worlds: all",
        "parameters: {misperception: range, empathy: range}",
        f"sampler: {{method: latin, n: {points}}}",
        f"seeds: {seeds}",
        f"seed: {SWEEP_SEED}",
        *([f"horizon: {horizon}"] if horizon else []),
        f"keep: {{summaries: [tension@2008, tension@2013], steps: {'true' if steps else 'false'}}}",
        "",
    ])


class TreeMemory:
    """Samples the memory of this process and its descendants: peak of the sum of their PSS (proportional
    set size: a page shared by k processes counts 1/k in each, so forked workers are not counted twice) and
    peak RSS of this process alone."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self.proc = psutil.Process()
        self.interval = interval
        self.peak_tree = self.peak_main = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _pss(proc) -> int:
        try:
            return proc.memory_full_info().pss  # shared pages split among the processes sharing them
        except (AttributeError, OSError):
            return proc.memory_info().rss

    def _sample(self):
        import psutil

        main = self.proc.memory_info().rss
        total = self._pss(self.proc)
        for child in self.proc.children(recursive=True):
            try:
                total += self._pss(child)
            except psutil.Error:
                pass
        self.peak_main = max(self.peak_main, main)
        self.peak_tree = max(self.peak_tree, total)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


# ------------------------------------------------------------------------------------------------------
# one measurement (in a subprocess)
# ------------------------------------------------------------------------------------------------------


def _batch_model_class():
    from sim.model import SpiralModel

    class BatchSpiralModel(SpiralModel):
        """SpiralModel for mesa.batch_run: batch_run reads the collector's ``_collection_steps``, which the
        model's FastCollector fast path may not record; this records them (and nothing else changes)."""

        def __init__(self, scenario=None, world="revisionist_spiral", seed=0, parameters=None, network=True):
            super().__init__(scenario, world=world, seed=seed, parameters=parameters, network=network)
            dc = self.datacollector
            inner = dc.collect

            def collect(model, dc=dc, inner=inner):
                n = len(dc._collection_steps)
                inner(model)
                if len(dc._collection_steps) == n:
                    dc._collection_steps.append(model.time)

            dc.collect = collect

    BatchSpiralModel.__module__ = "__main__"
    BatchSpiralModel.__qualname__ = "BatchSpiralModel"
    return BatchSpiralModel


def __getattr__(name):  # spawned batch_run workers unpickle __main__.BatchSpiralModel through this
    if name == "BatchSpiralModel":
        cls = globals()["BatchSpiralModel"] = _batch_model_class()
        return cls
    raise AttributeError(name)


def one_sweep(runs: int, workers: int, executor: str, horizon: str | None, steps: bool = True) -> dict:
    from sim.runs.sweep import load_results, run_sweep

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(spec_text(runs, horizon, steps))
        with TreeMemory() as mem:
            t = time.perf_counter()
            out = run_sweep(spec, executor=executor, workers=workers, out=Path(tmp) / "out", progress=False)
            seconds = time.perf_counter() - t
        df = load_results(out, columns=["world", "point", "replicate", "seed", "tension@2008"])
        size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
        import pyarrow.parquet as pq

        steps_rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (out / "steps").glob("*.parquet")) \
            if (out / "steps").exists() else 0
    return {"kind": f"sweep-{executor}", "runs": runs, "workers": workers, "seconds": seconds,
            "peak_tree": mem.peak_tree, "peak_main": mem.peak_main, "rows": int(steps_rows), "bytes": size,
            "check": _check_values(df)}


def one_batch(runs: int, workers: int, horizon: str | None) -> dict:
    import dataclasses

    from mesa.batchrunner import batch_run

    from sim.calendar import parse_quarter
    from sim.runs.sweep import derive_seed, load_spec, SweepPlan
    from sim.scenario import load_scenario
    from sim.worlds import WORLDS

    model_cls = __getattr__("BatchSpiralModel")  # picklable by reference (__main__.BatchSpiralModel)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(spec_text(runs, horizon))
        plan = SweepPlan(load_spec(spec))
    points = [plan.point_parameters(p)[2] for p in range(plan.n_points)]
    seeds = [derive_seed(SWEEP_SEED, "replicate", r) for r in range(plan.spec.seeds)]
    scenario = load_scenario(SCENARIO)
    if horizon:
        scenario = dataclasses.replace(scenario, end=parse_quarter(horizon))
    with TreeMemory() as mem:
        t = time.perf_counter()
        results = batch_run(model_cls, parameters={"scenario": scenario, "world": list(WORLDS),
                                                   "parameters": points, "network": False},
                            number_processes=workers, rng=seeds, data_collection_period=1, max_steps=10_000,
                            display_progress=False)
        seconds = time.perf_counter() - t
    import pandas as pd

    # after timing: tension in 2008 (mean of its quarters) per run, to check both did the same work. Rows of
    # a run come in step order, one per quarter from the scenario's start.
    n = len(results)
    index = {tuple(sorted(p.items())): i for i, p in enumerate(points)}
    df = pd.DataFrame([{"run": r["RunId"], "world": r["world"], "seed": r["seed"],
                        "point": index[tuple(sorted(r["parameters"].items()))], "tension": r["tension"]}
                       for r in results])
    df["q"] = scenario.start + df.groupby("run").cumcount()
    t08 = df[(df["q"] >= 2008 * 4) & (df["q"] <= 2008 * 4 + 3)].groupby(["world", "point", "seed"])["tension"].mean()
    check = t08.reset_index().rename(columns={"tension": "tension@2008"})
    return {"kind": "batch_run", "runs": runs, "workers": workers, "seconds": seconds, "peak_tree": mem.peak_tree,
            "peak_main": mem.peak_main, "rows": n, "check": _check_values(check)}


def _floor_chunk(args):
    """Worker of :func:`one_floor`: run the runs, keep nothing but tension in 2008."""
    scenario, runs = args
    from sim.runs.single import observable_columns, run_model
    from sim.runs.sweep import compute_summaries, parse_summary

    t08 = [parse_summary("tension@2008")]
    return [[world, point, seed,
             compute_summaries(observable_columns(run_model(scenario, world, seed, parameters).engine.result()),
                               t08)["tension@2008"]]
            for world, point, seed, parameters in runs]


def one_floor(runs: int, workers: int, horizon: str | None) -> dict:
    """The floor for any runner of this model: the same runs on the same number of processes with nothing
    kept and no runner around them (a fork pool, chunks of 50, only tension in 2008 sent back)."""
    import multiprocessing as mp

    from sim.runs.sweep import SweepPlan, load_spec
    from sim.scenario import load_scenario

    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(spec_text(runs, horizon))
        plan = SweepPlan(load_spec(spec))
    scenario = load_scenario(SCENARIO)
    todo = [(r.world, r.point, r.seed, dict(r.parameters)) for r in (plan.run(i) for i in range(plan.n_runs))]
    chunks = [(scenario, todo[i:i + 50]) for i in range(0, len(todo), 50)]
    with TreeMemory() as mem:
        t = time.perf_counter()
        with mp.get_context("fork").Pool(workers) as pool:
            got = [row for part in pool.imap_unordered(_floor_chunk, chunks) for row in part]
        seconds = time.perf_counter() - t
    import pandas as pd

    df = pd.DataFrame(got, columns=["world", "point", "seed", "tension@2008"])
    return {"kind": "floor", "runs": runs, "workers": workers, "seconds": seconds, "peak_tree": mem.peak_tree,
            "peak_main": mem.peak_main, "check": _check_values(df)}


def _check_values(df) -> list:
    df = df.sort_values(["world", "point", "seed"]).reset_index(drop=True)
    return [[w, int(p), int(s), round(float(v), 12)] for w, p, s, v in
            zip(df["world"], df["point"], df["seed"], df["tension@2008"])]


# ------------------------------------------------------------------------------------------------------
# the driver
# ------------------------------------------------------------------------------------------------------


def measure(kind: str, runs: int, workers: int, horizon: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--one", kind, "--runs", str(runs), "--workers", str(workers)]
    if horizon:
        cmd += ["--horizon", horizon]
    load0 = os.getloadavg()[0]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=max(600, 3 * runs))
    if r.returncode:
        raise SystemExit(f"{kind} {runs} runs failed:\n{r.stderr[-3000:]}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["load"] = (load0, os.getloadavg()[0])
    print(f"  {kind:13s} {runs:6d} runs, {workers} workers: {out['seconds']:8.1f} s, "
          f"{runs / out['seconds']:6.1f} runs/s, peak tree PSS {out['peak_tree'] / 2**20:7.0f} MiB, "
          f"main {out['peak_main'] / 2**20:6.0f} MiB (load {load0:.1f})", flush=True)
    return out


def mib(x: float) -> str:
    return f"{x / 2**20:,.0f} MiB"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1000, help="throughput comparison size (per round)")
    ap.add_argument("--repeats", type=int, default=3, help="rounds of the throughput and speed-up comparisons")
    ap.add_argument("--scaling", default="100,1000,10000", help="sweep sizes for the memory series")
    ap.add_argument("--batch-scaling", default="100,500,2000", help="batch_run sizes for its memory series")
    ap.add_argument("--speedup-runs", type=int, default=600, help="size of the 1-vs-2-worker comparison")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--with-dask", action="store_true", help="also time the Dask LocalCluster executor")
    ap.add_argument("--horizon", help="cut the runs at this quarter (smaller, faster benchmark)")
    ap.add_argument("--write", help="replace the 'Sweeps' section of this markdown file")
    ap.add_argument("--one", choices=["sweep-local", "sweep-dask", "sweep-summaries", "batch", "floor"],
                    help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.one:
        if a.one == "batch":
            res = one_batch(a.runs, a.workers, a.horizon)
        elif a.one == "floor":
            res = one_floor(a.runs, a.workers, a.horizon)
        elif a.one == "sweep-summaries":  # as the shipped experiments: summaries only
            res = one_sweep(a.runs, a.workers, "local", a.horizon, steps=False)
        else:
            res = one_sweep(a.runs, a.workers, a.one.split("-")[1], a.horizon)
        print(json.dumps(res))
        return 0

    w = a.workers
    scaling = [int(x) for x in a.scaling.split(",") if x]
    bscaling = [int(x) for x in a.batch_scaling.split(",") if x]
    print(f"bench_sweep: {a.repeats} × {a.runs} runs (throughput, interleaved), sweep scaling {scaling}, batch_run "
          f"scaling {bscaling}, speed-up {a.repeats} × {a.speedup_runs} runs, {w} workers", flush=True)
    t_all = time.perf_counter()
    kinds = ["batch", "sweep-local", "floor"] + (["sweep-dask"] if a.with_dask else [])
    rounds: list[dict] = []
    for r in range(a.repeats):
        order = kinds if r % 2 == 0 else kinds[::-1]  # alternate the order: load drifts hit both sides
        rounds.append({k: measure(k, a.runs, w, a.horizon) for k in order})
    same = all(x[k]["check"] == rounds[0]["sweep-local"]["check"] for x in rounds for k in kinds)
    med = statistics.median

    def tp(kind):
        return med(a.runs / x[kind]["seconds"] for x in rounds)

    ratios = [x["batch"]["seconds"] / x["sweep-local"]["seconds"] for x in rounds]
    ceilings = [x["batch"]["seconds"] / x["floor"]["seconds"] for x in rounds]
    shares = [x["floor"]["seconds"] / x["sweep-local"]["seconds"] for x in rounds]
    series = {a.runs: max((x["sweep-local"] for x in rounds), key=lambda m: m["peak_tree"])}
    for n in scaling:
        if n not in series:
            series[n] = measure("sweep-local", n, w, a.horizon)
    bseries = {a.runs: max((x["batch"] for x in rounds), key=lambda m: m["peak_tree"])}
    for n in bscaling:
        if n not in bseries:
            bseries[n] = measure("batch", n, w, a.horizon)
    def speedup_rounds(kind):
        """(1-worker, w-worker) wall times per round, the order alternating between rounds."""
        out = []
        for r in range(a.repeats):
            order = [1, w] if r % 2 == 0 else [w, 1]
            got = {k: measure(kind, a.speedup_runs, k, a.horizon) for k in order}
            out.append((got[1]["seconds"], got[w]["seconds"]))
        return out

    pairs, pairs_s = speedup_rounds("sweep-local"), speedup_rounds("sweep-summaries")
    pairs_f = speedup_rounds("floor")
    speedups = [one / two for one, two in pairs]
    speedups_s = [one / two for one, two in pairs_s]
    speedups_f = [one / two for one, two in pairs_f]
    total = time.perf_counter() - t_all
    all_runs = [m for x in rounds for m in x.values()] + list(series.values()) + list(bseries.values())
    loads = [v for m in all_runs for v in m["load"]]

    def row(label, kind):
        peak_t = max(x[kind]["peak_tree"] for x in rounds)
        peak_m = max(x[kind]["peak_main"] for x in rounds)
        secs = ", ".join(f"{x[kind]['seconds']:.1f}" for x in rounds)
        return f"| {label} | {secs} s | {tp(kind):.1f} | {mib(peak_t)} | {mib(peak_m)} |"

    lines = [
        f"Machine: {os.cpu_count()} cores, shared with other work (load average {min(loads):.1f}–{max(loads):.1f} "
        f"during the measurements), Python {platform.python_version()}. The work: historical replays "
        f"({'to ' + a.horizon if a.horizon else '1992Q1–2025Q4, 136 quarters'}) of SpiralModel, 4 worlds × "
        f"Latin-hypercube points (misperception, empathy) × paired seeds, every observable at every step kept, "
        f"{w} processes on both sides; each measurement in a fresh process. Same runs on both sides: tension in "
        f"2008 {'identical for every run' if same else 'DIFFERS'}. Throughput: {a.repeats} rounds, the order "
        f"of the contenders alternating between rounds; medians.",
        "",
        f"| {a.runs:,} runs, {w} processes | wall time per round | runs/s (median) | peak tree PSS | peak main RSS |",
        "|---|---|---|---|---|",
        row("mesa.batch_run (data_collection_period=1)", "batch"),
        row("spiral sweep, local process pool", "sweep-local"),
        row("floor: the model alone (fork pool, nothing kept)", "floor"),
    ]
    if a.with_dask:
        lines.append(row("spiral sweep, Dask LocalCluster", "sweep-dask"))
    lines += [
        "",
        f"Throughput, sweep / batch_run: **{med(ratios):.2f}×** median (rounds: "
        f"{', '.join(f'{x:.2f}' for x in ratios)}; target ≥ 2×). The floor row runs the same runs on the same "
        "processes with no runner around them and nothing kept: it bounds what *any* runner of this model can do "
        f"here. batch_run takes **{med(ceilings):.2f}×** the floor's time (rounds: "
        f"{', '.join(f'{x:.2f}' for x in ceilings)}), so no runner can beat it by more than that; 2× would "
        f"need batch_run's own cost per run to be at least the model's, i.e. a model about "
        f"{med(1 / (c - 1) for c in ceilings):.1f}× faster than now with batch_run's overheads unchanged. The sweep "
        f"reaches {100 * med(shares):.0f} % of the floor's throughput while keeping every step in Parquet. Both "
        "sides spend nearly all their time in the model's own steps; the sweep avoids batch_run's per-run "
        "overheads (every step's row built as a dict in the worker and unpickled in the main process, the "
        "Scenario object pickled with every task and every result, all results held in memory) but cannot make "
        "the runs themselves faster.",
        "",
        "Peak memory as the work grows (one measurement per size):",
        "",
        "| runs | sweep: peak tree PSS | sweep: peak main RSS | batch_run: peak tree PSS | batch_run: peak main RSS |",
        "|---|---|---|---|---|",
    ]
    for n in sorted(set(series) | set(bseries)):
        s_, b_ = series.get(n), bseries.get(n)
        lines.append(f"| {n:,} | {mib(s_['peak_tree']) if s_ else '—'} | {mib(s_['peak_main']) if s_ else '—'} | "
                     f"{mib(b_['peak_tree']) if b_ else '—'} | {mib(b_['peak_main']) if b_ else '—'} |")
    small, big = series[min(series)], series[max(series)]
    bsmall, bbig = bseries[min(bseries)], bseries[max(bseries)]
    sizes = sorted(series)
    later = ""
    mid = series[sizes[1]] if len(sizes) > 2 else None
    if mid and mid["peak_tree"] > 1.05 * small["peak_tree"]:
        later = (f" The rise of the tree's PSS over the first {sizes[1]:,} runs is the forked workers' copy-on-write "
                 f"pages becoming private as they run (one process running chunk after chunk stays flat), not results "
                 f"piling up: it saturates ({sizes[1]:,} → "
                 f"{sizes[-1]:,} runs: × {big['peak_tree'] / mid['peak_tree']:.2f}).")
    lines += [
        "",
        f"Sweep, {min(series):,} → {max(series):,} runs: peak tree PSS × {big['peak_tree'] / small['peak_tree']:.2f}, "
        f"peak main RSS × {big['peak_main'] / small['peak_main']:.2f} (flat = 1).{later} "
        f"batch_run, {min(bseries):,} → {max(bseries):,} runs: peak main RSS × "
        f"{bbig['peak_main'] / bsmall['peak_main']:.2f}, about "
        f"{(bbig['peak_main'] - bsmall['peak_main']) / (max(bseries) - min(bseries)) / 2**10:.0f} KiB more per run.",
        "",
        f"Speed-up of the sweep from 1 to {w} workers ({a.speedup_runs:,} runs, {a.repeats} rounds): "
        + "; ".join(f"{one:.1f} s → {two:.1f} s" for one, two in pairs)
        + f"; **{med(speedups):.2f}×** median (target ≥ 1.8×), keeping every step of every run.",
        "",
        f"The same with summaries only, as the shipped experiments keep (`experiments/*.yaml`): "
        + "; ".join(f"{one:.1f} s → {two:.1f} s" for one, two in pairs_s)
        + f"; **{med(speedups_s):.2f}×** median.",
        "",
        f"The ceiling for this work on this machine — the floor (the model alone in a fork pool, nothing kept) "
        f"from 1 to {w} processes: "
        + "; ".join(f"{one:.1f} s → {two:.1f} s" for one, two in pairs_f)
        + f"; **{med(speedups_f):.2f}×** median. The sweep's speed-up is {100 * med(speedups) / med(speedups_f):.0f} % "
        f"(every step) and {100 * med(speedups_s) / med(speedups_f):.0f} % (summaries) of it: two runs at once are "
        "each slower than one alone on this machine's two cores, with or without a runner.",
        "",
        f"Benchmark wall time {total / 60:.1f} min.",
    ]
    text = "\n".join(lines)
    print("\n" + text)
    if a.write:
        cmd = "`.venv/bin/python benchmarks/bench_sweep.py " + " ".join(argv if argv is not None else sys.argv[1:]) + "`"
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _docs import replace_section
        replace_section(a.write, "## Sweeps", f"Command: {cmd}\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
