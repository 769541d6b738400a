"""The machine's own ceiling for two processes: throughput of two independent processes, each running the
same historical runs, against one. No pools, no result collection, nothing shared.

    .venv/bin/python benchmarks/bench_cores.py [--runs 40]
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys; sys.path.insert(0, {root!r})
from sim.scenario import load_scenario
from sim.model import SpiralModel
s = load_scenario({scen!r})
for i in range({n}):
    SpiralModel(s, "revisionist_spiral", i, network=False).run()
"""


def wall(procs: int, runs: int) -> float:
    code = CHILD.format(root=str(ROOT), scen=str(ROOT / "scenarios" / "historical.yaml"), n=runs)
    t = time.perf_counter()
    ps = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(procs)]
    for p in ps:
        p.wait()
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    ratios = []
    for _ in range(a.repeats):
        one = wall(1, a.runs)
        two = wall(2, a.runs)
        ratios.append(2 * one / two)
        print(f"1 process: {one:.1f} s for {a.runs} runs; 2 processes: {two:.1f} s for {2 * a.runs} runs; "
              f"throughput ratio {2 * one / two:.2f}x")
    ratios.sort()
    print(f"median ceiling for 2 processes: {ratios[len(ratios) // 2]:.2f}x")


if __name__ == "__main__":
    main()
