"""Save (or check) the golden master of the model's outputs.

The master is written by the engine, one run per batch, from the model as revised by issue 10 (the four
worlds as a test: Kydd's updating over three types, real capabilities, no stealth scripting). The first
master (from the one-run-at-a-time model, commit 4acda5f) checked that the batched engine reproduced the old
model exactly; this one pins the revised model: ``tests/test_golden_master.py`` checks that every run is
reproduced — events exactly, continuous outputs within 1e-12 — alone and inside mixed batches. A change
that deliberately moves the outputs replaces the master in the same commit, and says why.

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
    from sim.calendar import quarter_label
    from sim.engine import simulate
    from sim.engine.record import OBSERVABLES
    from sim.mechanisms.observables import REGIMES
    from sim.scenario import load_scenario

    names = [n for n in OBSERVABLES if n != "regime"]
    cache = {}
    arrays, meta = {}, []
    for i, (label, path, world, seed, params, full) in enumerate(plan()):
        s = cache.setdefault(path, load_scenario(path))
        res = simulate(s, world, [seed], params or None)  # one run per batch
        T = res.steps
        key = f"r{i}"
        arrays[key + "/obs"] = np.stack([res.observables[n][0].astype(float) for n in names])
        regimes = [REGIMES[c] for c in res.observables["regime"][0]]
        arrays[key + "/belief_west"] = res.belief_west[0]
        st = np.stack([res.states[v][0].astype(float) for v in STATE_VARS])  # [V, T, N]
        if full:
            arrays[key + "/states"] = st
        arrays[key + "/states_by_step"] = st.sum(axis=2)
        arrays[key + "/states_by_state"] = st.sum(axis=1)
        ev = res.events
        events = [{"step": int(ev["step"][k]), "date": quarter_label(s.start + int(ev["step"][k])),
                   "kind": ev["kind"][k], "actor": ev["actor"][k], "target": ev["target"][k],
                   "scripted": bool(ev["scripted"][k]), "cause": ev["cause"][k], "event_id": ev["event_id"][k]}
                  for k in range(len(ev["run"]))]
        dec = res.decisions
        decisions = [{"event_id": dec["event_id"][k], "step": int(dec["step"][k]), "yes": int(dec["yes"][k]),
                      "members": int(dec["members"][k]), "loglik": float(dec["loglik"][k])}
                     for k in range(len(dec["run"]))]
        meta.append({"key": key, "label": label, "scenario": str(path.relative_to(ROOT)), "world": world,
                     "seed": seed, "parameters": params, "full_states": full, "steps": T, "regime": regimes,
                     "events": events, "decisions": decisions})
        print(f"{i + 1:4d} {label} {world} {seed}: {len(events)} events", file=sys.stderr)
    arrays["meta"] = np.frombuffer(json.dumps({"runs": meta, "observables": names,
                                               "state_vars": STATE_VARS}).encode(), dtype=np.uint8)
    a.write.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(a.write, **arrays)
    print(f"wrote {a.write} ({a.write.stat().st_size / 1e6:.1f} MB, {len(meta)} runs)", file=sys.stderr)


if __name__ == "__main__":
    main()
