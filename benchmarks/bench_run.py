"""Benchmark: one historical run (construction, 136 quarterly steps, 47 states, data collection),
median after warm-up, in one process; then time per step on synthetic worlds of 50, 100 and 200 states.

    .venv/bin/python benchmarks/bench_run.py [--repeats 30] [--write docs/performance.md]

Prints medians and ratios; the figures go to docs/performance.md (section 'Single run') with --write.
The machine is shared and noisy: medians, and ratios measured in the same run, are what to compare.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.model import SpiralModel  # noqa: E402
from sim.runs.single import run_single  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.synthetic import synthetic_world  # noqa: E402


def timed(fn, repeats: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--write", help="replace the 'Single run' section of this markdown file")
    a = ap.parse_args(argv)
    hist = load_scenario(ROOT / "scenarios" / "historical.yaml")
    rows = []

    def model_run(s=hist, network=False):
        SpiralModel(s, "revisionist_spiral", 1, network=network).run()

    def construct(s=hist):
        SpiralModel(s, "revisionist_spiral", 1, network=False)

    t_run = timed(model_run, a.repeats)
    t_net = timed(lambda: model_run(network=True), a.repeats)
    t_frames = timed(lambda: run_single(hist, "revisionist_spiral", 1), a.repeats)
    t_con = timed(construct, a.repeats)
    n = hist.n_steps
    med = statistics.median
    rows.append(("historical run: model + DataCollector (no Mesa Network)", med(t_run)))
    rows.append(("historical run: with the Mesa Network and agents (as the dashboard)", med(t_net)))
    rows.append(("historical run: + tidy frames (run_single)", med(t_frames)))
    rows.append(("construction only", med(t_con)))
    lines = [f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
             f"{a.repeats} repeats after 3 warm-up runs; medians",
             "", "| what | median | per step |", "|---|---|---|"]
    for what, t in rows:
        per = f"{(t - med(t_con)) / n * 1e3:.3f} ms" if "construction" not in what else ""
        lines.append(f"| {what} ({len(hist.states)} states, {n} steps) | {t * 1e3:.1f} ms | {per} |")
    lines.append("")
    lines.append("| synthetic world | states | median run | per step | per step per state | vs 50 states |")
    lines.append("|---|---|---|---|---|---|")
    base = None
    for size in (50, 100, 200):
        s = synthetic_world(size)
        ts = timed(lambda s=s: model_run(s), max(5, a.repeats // 3), warmup=2)
        per_step = med(ts) / s.n_steps
        base = base or per_step
        lines.append(f"| synthetic_{size} | {size} | {med(ts) * 1e3:.1f} ms | {per_step * 1e3:.3f} ms | "
                     f"{per_step / size * 1e6:.2f} µs | {per_step / base:.2f}× |")
    text = "\n".join(lines)
    print(text)
    target = med(t_run)
    print(f"\ngoal <= 50 ms (aim 10 ms): {'met' if target <= 0.05 else 'NOT met'} ({target * 1e3:.1f} ms)")
    if a.write:
        from _docs import replace_section
        replace_section(a.write, "## Single run", f"Command: `.venv/bin/python benchmarks/bench_run.py --repeats "
                        f"{a.repeats} --write {a.write}`\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
