"""Benchmark: what the science revision (issue 10) costs per run, against the engine before it, on the same work.

    git worktree add ../pre-revision a45b94c       # the engine before issue 10, once
    .venv/bin/python benchmarks/bench_revision.py --baseline ../pre-revision [--write docs/performance.md]

Both checkouts run with this project's virtual environment (same package versions), each measurement in a
fresh subprocess with the linear-algebra libraries pinned to one thread, alternating old and new over several
rounds; medians and the ratio measured in the same run are reported (the machine is shared and noisy).
Work: historical replays of the four worlds (scenarios/historical.yaml, 47 states), batches of ``--batch``
runs, observables only (``keep_states=False``), the model alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

ONE_THREAD = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def measure(checkout: Path, runs: int, batch: int) -> float:
    """ms per run of the checkout's engine, in a fresh process."""
    code = f"""
import time, json
from sim.scenario import load_scenario
from sim.engine.simulate import simulate
WORLDS = ("security_dilemma", "deterrence", "provocation", "revisionist_spiral")
sc = load_scenario("scenarios/historical.yaml")
simulate(sc, "revisionist_spiral", list(range(8)), keep_states=False)  # warm-up: compile the world, imports
done, t0 = 0, time.perf_counter()
while done < {runs}:
    n = min({batch}, {runs} - done)
    simulate(sc, [WORLDS[(done + i) % 4] for i in range(n)], list(range(done, done + n)), keep_states=False)
    done += n
print(json.dumps((time.perf_counter() - t0) / done * 1000))
"""
    env = {**os.environ, **ONE_THREAD, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", code], cwd=checkout, env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="checkout of the engine before issue 10 (a45b94c)")
    ap.add_argument("--runs", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", help="replace the 'Science revision' section of this markdown file")
    a = ap.parse_args(argv)
    t0 = time.time()
    old, new = [], []
    for r in range(a.repeats):
        for which, store, path in ((("old", old, a.baseline), ("new", new, ROOT)) if r % 2 == 0 else
                                   (("new", new, ROOT), ("old", old, a.baseline))):
            store.append(measure(path.resolve(), a.runs, a.batch))
            print(f"round {r + 1} {which}: {store[-1]:.2f} ms/run", file=sys.stderr)
    mo, mn = statistics.median(old), statistics.median(new)
    rows = [f"| engine before issue 10 (a45b94c) | {mo:.2f} | {', '.join(f'{x:.2f}' for x in old)} |",
            f"| engine after (this commit) | {mn:.2f} | {', '.join(f'{x:.2f}' for x in new)} |"]
    heading = "## Science revision (issue 10): cost per run"
    text = "\n".join([
        f"`.venv/bin/python benchmarks/bench_revision.py --baseline ../pre-revision` "
        f"({a.runs} historical runs of the four worlds per measurement, batches of {a.batch}, observables only, "
        f"one BLAS thread, {a.repeats} alternating rounds; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; {(time.time() - t0) / 60:.1f} min).",
        "",
        "| code | median ms/run | rounds |",
        "|---|---|---|",
        *rows,
        "",
        f"The revision costs **{mn / mo:.2f}×** per run. Where it goes: the evidence every quarter under three "
        "types (each observer's stance likelihoods, coercion and force likelihoods over the claimed states, taken "
        "and not taken, the arming likelihood, the acceptance likelihood), the M8 scoring of every NATO decision "
        "under three leader types (NATO's reviews of emergent applications are scored over the runs that hold "
        "them only), per-run ladder tables and two more keyed random streams (coercion, force noise).",
        "",
    ])
    print(heading + "\n\n" + text)
    if a.write:
        from _docs import replace_section
        replace_section(Path(a.write), heading, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
