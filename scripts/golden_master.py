"""Save (or check) the golden master of the model's outputs.

The master was written from the one-run-at-a-time model (commit 4acda5f) before the batched engine
replaced it (issue "One engine for one run or a million"): the engine must reproduce it — events exactly,
continuous outputs within 1e-12. ``tests/test_golden_master.py`` compares the engine with it.

    .venv/bin/python scripts/golden_master.py --write tests/golden/master.npz

Runs: the four worlds x seeds 1-20 of scenarios/historical.yaml; every counterfactual in
scenarios/counterfactuals/ x the four worlds x seeds 1-2; the three M10 switches (liberal, constructivist,
territorial_only) x the four worlds x seeds 1-2. Kept per run: every observable at every step, the event
log, the M8 decision log-likelihoods, Russia's belief about the West, and the per-state tables — in full for
seed 1 of each world of the historical scenario, otherwise as digests (sums over states per step and over
steps per state), which any change larger than ~1e-13 of a value moves.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORLDS = ("security_dilemma", "deterrence", "provocation", "revisionist_spiral")
STATE_VARS = ("alignment", "demand", "burden", "capability", "insecurity", "stance", "belief_about_russia",
              "threat_from_russia", "ladder", "exists")


def plan():
    """(label, scenario path, world, seed, parameters, full states?)"""
    out = []
    hist = ROOT / "scenarios" / "historical.yaml"
    for w in WORLDS:
        for seed in range(1, 21):
            out.append(("historical", hist, w, seed, {}, seed == 1))
    for cf in sorted((ROOT / "scenarios" / "counterfactuals").glob("*.yaml")):
        for w in WORLDS:
            for seed in (1, 2):
                out.append((cf.stem, cf, w, seed, {}, False))
    for switch in ("liberal", "constructivist", "territorial_only"):
        for w in WORLDS:
            for seed in (1, 2):
                out.append((f"historical+{switch}", hist, w, seed, {switch: 1.0}, False))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, required=True)
    a = ap.parse_args()
    from sim.model import MODEL_REPORTERS
    from sim.runs.single import run_model
    from sim.scenario import load_scenario

    cache = {}
    arrays, meta = {}, []
    for i, (label, path, world, seed, params, full) in enumerate(plan()):
        s = cache.setdefault(path, load_scenario(path))
        m = run_model(s, world, seed, params or None)
        T = m.steps
        key = f"r{i}"
        obs = m.datacollector.model_vars
        arrays[key + "/obs"] = np.array([[float(v) for v in obs[name][:T]] for name in MODEL_REPORTERS
                                         if name != "regime"])
        regimes = list(obs["regime"][:T])
        arrays[key + "/belief_west"] = m.rec_belief_west[:T]
        st = np.stack([m.rec_states[v][:T] for v in STATE_VARS])  # [V, T, N]
        if full:
            arrays[key + "/states"] = st
        arrays[key + "/states_by_step"] = st.sum(axis=2)
        arrays[key + "/states_by_state"] = st.sum(axis=1)
        meta.append({"key": key, "label": label, "scenario": str(path.relative_to(ROOT)), "world": world,
                     "seed": seed, "parameters": params, "full_states": full, "steps": T, "regime": regimes,
                     "events": m.event_log, "decisions": m.decision_logliks})
        print(f"{i + 1:4d} {label} {world} {seed}: {len(m.event_log)} events", file=sys.stderr)
    arrays["meta"] = np.frombuffer(json.dumps({"runs": meta, "observables": [n for n in MODEL_REPORTERS
                                                                           if n != "regime"],
                                               "state_vars": STATE_VARS}).encode(), dtype=np.uint8)
    a.write.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(a.write, **arrays)
    print(f"wrote {a.write} ({a.write.stat().st_size / 1e6:.1f} MB, {len(meta)} runs)", file=sys.stderr)


if __name__ == "__main__":
    main()
