#!/usr/bin/env python3
"""The model's Western/Russian capability ratio against COW CINC, by year, 1992-2013 (docs/economy.md).

Usage (from the repository root):

    python scripts/capability_vs_cinc.py [--seeds 20] [--scenario scenarios/historical.yaml]

Runs the replay at default parameters in every world, stops at 2013Q4 (nothing after the training window
is simulated or printed), and prints a Markdown table: per year the CINC ratio of NATO's members at the time
to Russia (sim/data/cinc_nato_russia_1992_2013.csv) and, per world, the median over seeds of the annual mean
of the model's ``capability_ratio`` with the model/CINC quotient's range over seeds.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sim.engine.simulate import Engine  # noqa: E402
from sim.engine.state import make_batch  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.worlds import WORLDS  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--scenario", default=str(REPO / "scenarios" / "historical.yaml"))
    args = ap.parse_args(argv)
    scenario = load_scenario(args.scenario)
    with (REPO / "sim" / "data" / "cinc_nato_russia_1992_2013.csv").open(newline="") as fh:
        cinc = {int(r["year"]): float(r["ratio"]) for r in csv.DictReader(fh)}
    seeds = list(range(1, args.seeds + 1))
    worlds = [w for w in WORLDS for _ in seeds]
    e = Engine(make_batch(scenario, worlds, seeds * len(WORLDS)), keep_states=False)
    steps = 2013 * 4 + 3 - scenario.start + 1
    ratio = np.stack([e.step()["capability_ratio"] for _ in range(steps)], axis=1)
    years = (scenario.start + np.arange(steps)) // 4
    print("| year | CINC | " + " | ".join(WORLDS) + " |")
    print("|---|---|" + "---|" * len(WORLDS))
    worst = 1.0
    for y in sorted(cinc):
        annual = ratio[:, years == y].mean(axis=1)
        cells = []
        for i, _w in enumerate(WORLDS):
            a = annual[i * len(seeds):(i + 1) * len(seeds)]
            q = a / cinc[y]
            worst = max(worst, q.max(), 1.0 / q.min())
            cells.append(f"{np.median(a):.2f} ({q.min():.2f}–{q.max():.2f})")
        print(f"| {y} | {cinc[y]:.2f} | " + " | ".join(cells) + " |")
    print(f"\nlargest deviation from CINC, any world, seed and year: a factor {worst:.2f} "
          f"({len(seeds)} seeds per world)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
