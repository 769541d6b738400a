"""Benchmark: the whole counterfactual library against the historical replay, every world, 50 paired seeds.

    .venv/bin/python benchmarks/bench_compare.py [--seeds 50] [--workers 2] [--update-docs]

Measures, in the same process:
  * a baseline: serial runs of the historical scenario (4 worlds x 5 seeds, one process) -> runs per second;
  * the comparison: base + every file in scenarios/counterfactuals/ x 4 worlds x N seeds on the process
    pool (all cores), then the paired statistics, then writing tables and the HTML report.
Prints the figures and their ratio to the baseline; with --update-docs rewrites the '## Counterfactuals'
section of docs/performance.md (and nothing else in that file).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.runs import compare as C  # noqa: E402
from sim.runs.ensemble import run_ensemble  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.worlds import WORLDS  # noqa: E402

SECTION = "## Counterfactuals"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=None, help="where to write the comparison (default: a temporary directory)")
    ap.add_argument("--update-docs", action="store_true", help="rewrite the Counterfactuals section of docs/performance.md")
    a = ap.parse_args(argv)

    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    base = load_scenario(ROOT / "scenarios" / "historical.yaml")
    library = sorted((ROOT / "scenarios" / "counterfactuals").glob("*.yaml"))
    scenarios = C._unique_labels([base] + [load_scenario(p) for p in library])
    t_load = time.perf_counter() - t0

    # baseline: serial runs of the base scenario, same tables kept
    n_base = len(WORLDS) * 5
    t0 = time.perf_counter()
    run_ensemble([base], "all", 5, keep=C.KEEP, workers=1, progress=False)
    t_base = time.perf_counter() - t0
    base_rate = n_base / t_base

    seeds = list(range(1, a.seeds + 1))
    n_runs = len(scenarios) * len(WORLDS) * len(seeds)
    cpu0 = _cpu()
    t0 = time.perf_counter()
    ens = run_ensemble(scenarios, "all", seeds, keep=C.KEEP, workers=a.workers, progress=True, desc="benchmark runs")
    t_runs = time.perf_counter() - t0
    cores = (_cpu() - cpu0) / t_runs  # busy cores of the whole machine during the runs
    t0 = time.perf_counter()
    comp = C._comparison(scenarios, WORLDS, seeds, ens.observables, ens.events, C.OutcomeSpec(), 0.95, "t",
                         "benchmarks/bench_compare.py")
    t_stats = time.perf_counter() - t0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(a.out) if a.out else Path(tmp) / "compare"
        comp.write(out)
        from sim.faces.compare_report import comparison_report
        size = comparison_report(comp, out / "report.html").stat().st_size
    t_write = time.perf_counter() - t0
    total = t_load + t_runs + t_stats + t_write
    rate = n_runs / t_runs
    ok = bool(comp.scope.loc[comp.scope["edit_kind"] == "dated", "identical_before_first_edit"].all())
    load_after = os.getloadavg()[0]

    cpu = platform.processor() or platform.machine()
    lines = [
        f"Command: `.venv/bin/python benchmarks/bench_compare.py --seeds {a.seeds} --workers {a.workers}`",
        f"(machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}).",
        "",
        "| what | figure |",
        "|---|---|",
        f"| scenarios (base + library) × worlds × seeds | {len(scenarios)} × {len(WORLDS)} × {len(seeds)} = {n_runs} runs |",
        f"| baseline: serial runs of the base (1 process, {n_base} runs) | {base_rate:.1f} runs/s ({1000 / base_rate:.0f} ms per run) |",
        f"| paired runs on {a.workers} processes | {t_runs:.1f} s, **{rate:.1f} runs/s** ({rate / base_rate:.2f} × the serial baseline) |",
        f"| cores busy on the machine during the runs (psutil: busy CPU time / wall time) | {cores:.2f} of {os.cpu_count()} |",
        f"| loading the {len(scenarios)} scenario files | {t_load:.1f} s |",
        f"| paired statistics (outcome table, trajectory differences, scope check) | {t_stats:.1f} s |",
        f"| writing Parquet/CSV tables and the HTML report ({size / 1e6:.1f} MB) | {t_write:.1f} s |",
        f"| **total** | **{total:.0f} s** ({total / 60:.1f} min) |",
        f"| every dated counterfactual identical to the base before its first edited date | {'yes' if ok else 'NO'} |",
        f"| machine load (1-min load average) before / after | {load_before:.1f} / {load_after:.1f} "
        f"(above {os.cpu_count()}: other processes competed for the cores) |",
    ]
    text = "\n".join(lines)
    print(text)
    if a.update_docs:
        update_docs(text)
    return 0 if ok else 1


def _cpu() -> float:
    """Busy CPU seconds of the whole machine (the pool's workers live under a forkserver, not under this
    process, so this process's rusage would miss them)."""
    import psutil
    t = psutil.cpu_times()
    return t.user + t.system + getattr(t, "nice", 0.0) + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)


def update_docs(body: str):
    path = ROOT / "docs" / "performance.md"
    intro = ("The paired comparison of the whole counterfactual library (`scenarios/counterfactuals/`) with the "
             "historical replay, in every world, on 50 paired seeds: `spiral compare scenarios/historical.yaml "
             "scenarios/counterfactuals/*.yaml --world all --seeds 50`. Runs go to a process pool over all cores "
             "(`run_ensemble(..., workers=)`); the ratio compares the pool's throughput with serial runs measured "
             "in the same benchmark. Figures are rewritten by `--update-docs`.")
    section = f"{SECTION}\n\n{intro}\n\n{body}\n"
    text = path.read_text() if path.exists() else "# Performance\n\nMeasured, not asserted in tests (GUIDE.md).\n\n"
    if SECTION in text:
        head, rest = text.split(SECTION, 1)
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1:] if nxt >= 0 else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    print(f"updated {path}")


if __name__ == "__main__":
    sys.exit(main())
