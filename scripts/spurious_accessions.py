"""NATO's membership and Russia's force before 2014 in a finished calibration's runs (docs/results.md §11),
without re-running its analysis.

    .venv/bin/python scripts/spurious_accessions.py runs/claims --prior-sample 500 \
        --out docs/study/claims/spurious_accessions.csv

`spiral calibrate` now writes this check as ``membership.csv`` (:mod:`sim.runs.calibrate.membership`); this
script runs the same function on a folder calibrated before it did, for the plain worlds (or ``--all`` models):
the runs the calibration accepted (its one rule with its declared fallback, judged on the whole table as the
calibration did) and a prior sample, re-simulated to the end of the training window. It prints each world's
share of runs in which NATO admitted a state the record did not and the acceptance share without those runs
— a post-hoc reading, not a second rule. ``--param csto_exclusive=1`` re-simulates the same runs (same
parameters and seeds) with a parameter changed, e.g. the switch that keeps CSTO members from applying.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.params import PARAMETERS  # noqa: E402
from sim.runs.calibrate import abc  # noqa: E402
from sim.runs.calibrate.membership import membership_check  # noqa: E402
from sim.runs.calibrate.recover import load_folder  # noqa: E402
from sim.runs.calibrate.spec import load_calibration  # noqa: E402
from sim.worlds import WORLDS  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("calib_dir", type=Path)
    ap.add_argument("--prior-sample", type=int, default=500, help="prior runs re-simulated per model (500)")
    ap.add_argument("--max-accepted", type=int, default=500, help="accepted runs re-simulated per model, at most (500)")
    ap.add_argument("--all", action="store_true", help="every agent model of the calibration, not only the plain worlds")
    ap.add_argument("--seed", type=int, default=0, help="for the samples")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="re-simulate the same runs with this parameter changed (e.g. csto_exclusive=1); repeatable")
    ap.add_argument("--out", type=Path, help="write the table here (CSV)")
    a = ap.parse_args(argv)
    table, draws, record, manifest = load_folder(a.calib_dir)
    spec_path = Path(manifest["spec_path"])
    spec = load_calibration(spec_path if spec_path.is_absolute() else ROOT / spec_path)
    accepted, rule, _ = abc.the_rule(table, record)  # judged on the whole table, as the calibration did
    if not a.all:
        keep = table["world"].isin(WORLDS).to_numpy()
        table, accepted = table[keep].reset_index(drop=True), np.asarray(accepted)[keep]
    agent = next(d for w, d in draws.items() if w != "null")

    def show(r):
        print(f"{r['world']:20s} {r['runs']:13s} n={r['n']:5d}  NATO admits a state the record did not "
              f"{r['any_emergent_accession']:6.1%} (a CSTO member {r['csto_member_admitted']:5.1%}: "
              f"{r['most_admitted']});  Russian force where the record has none {r['force_elsewhere']:6.1%} "
              f"({r['most_forced']})", flush=True)

    fixed = dict(spec.fixed)
    for item in a.param:
        name, _, value = item.partition("=")
        if name not in PARAMETERS or not value:
            ap.error(f"--param {item!r}: expected NAME=VALUE with a parameter of sim/params.py")
        fixed[name] = float(value)
    if a.param:
        print(f"the same runs with {', '.join(a.param)} (the calibration's acceptance is kept as judged)")
    out = membership_check(spec.scenario, table, accepted, agent, fixed, max_accepted=a.max_accepted,
                           prior_sample=a.prior_sample, seed=a.seed, progress=show)
    print(f"\nrule: {rule}\nacceptance share as judged -> if runs admitting such a state were rejected (post hoc):")
    for _, r in out[out["runs"] == "accepted"].iterrows():
        print(f"  {r['world']:36s} {r['acceptance']:.3%} -> {r['acceptance_without']:.3%}")
    if a.out:
        out.to_csv(a.out, index=False, float_format="%.4g")
        print(f"written: {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
