"""Prior sensitivity of a calibration's conclusions (issue 11; docs/calibration.md, "Prior sensitivity").

    .venv/bin/python scripts/prior_sensitivity.py "uniform (study)=runs/claims" "narrower=runs/prior_narrow" \
        "wider=runs/prior_wide" --out docs/study/prior_sensitivity.csv

Each argument is LABEL=CALIB_DIR, a complete folder written by ``spiral calibrate`` with the same record, the
same design seed, draws and seeds (paired: the same points of the unit cube mapped through each prior) and a
different prior (experiments/calibration_prior_narrow.yaml, _wide.yaml). Every table is cut to the models all
folders hold and judged by the one rule with its declared fallback on that cut
(:func:`sim.runs.calibrate.abc.prior_sensitivity`); the script prints, per prior, each model's accepted share
with its Wilson interval, its ABC model probability, its rank and the mean number of patterns matched, and
writes the long table to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.runs.calibrate import abc  # noqa: E402
from sim.runs.calibrate.recover import RecoveryError, load_folder  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", metavar="LABEL=CALIB_DIR")
    ap.add_argument("--out", type=Path, help="write the long table here (CSV)")
    a = ap.parse_args(argv)
    results, designs = {}, {}
    for item in a.folders:
        if "=" not in item:
            ap.error(f"expected LABEL=CALIB_DIR, got {item!r}")
        label, folder = item.split("=", 1)
        try:
            table, _, record, manifest = load_folder(folder)
        except RecoveryError as e:
            ap.error(str(e))
        results[label] = (table, record)
        spec = manifest.get("spec") or {}
        designs[label] = {k: spec.get(k) for k in ("design_seed", "draws", "seeds", "sampler")}
        designs[label]["prior"] = f"{manifest.get('spec_path')}" + (f", {spec['prior_shape']}" if spec.get("prior_shape") else "")
    base = {k: v for k, v in next(iter(designs.values())).items() if k != "prior"}
    for label, d in designs.items():
        if {k: v for k, v in d.items() if k != "prior"} != base:
            print(f"warning: {label} has another design ({json.dumps(d)}): its draws are not paired with the others'",
                  file=sys.stderr)
    t = abc.prior_sensitivity(results)
    models = list(dict.fromkeys(t["world"]))
    W = max(len(m) for m in models) + 2
    print("Prior sensitivity: each folder cut to the models all hold (" + ", ".join(models) + "), judged by the one "
          "rule with its declared fallback on that cut")
    for label, g in t.groupby("prior", sort=False):
        k = g["k_star"].iloc[0]
        rule = "full rule" if k is None or k != k else f"fallback: >= {int(k)} patterns"
        print(f"\n{label} ({rule}; spec {designs[label]['prior']})")
        print(f"{'model':{W}s}{'accepted':>10s}{'rate':>9s}{'95% Wilson':>22s}{'P(ABC)':>8s}{'rank':>6s}{'mean patterns':>15s}")
        for _, r in g.iterrows():
            print(f"{r['world']:{W}s}{int(r['accepted']):>10,d}{r['rate']:>9.2%}"
                  f"{f'[{r.lo:.2%}, {r.hi:.2%}]':>22s}{r['probability']:>8.2f}{int(r['rank']):>6d}{r['mean_patterns']:>15.2f}")
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        t.to_csv(a.out, index=False, float_format="%.6g")
        print(f"\nwritten: {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
