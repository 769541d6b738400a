"""Calibration of the four worlds and the null model with equal budgets (issue 11; docs/theory.md §7).

One module per job: :mod:`~sim.runs.calibrate.spec` (the YAML spec, validated), :mod:`~sim.runs.calibrate.prior`
(ONE table of prior draws, the same rows for every world), :mod:`~sim.runs.calibrate.reference` (the reference
table: every world × draw × seed, its training features and M8 evidence, in resumable chunks),
:mod:`~sim.runs.calibrate.abc` (rejection ABC as pure functions over that table), ``null`` (the null model),
``recover`` (model recovery), ``heldout`` (the pre-registered held-out scores), ``posterior`` (runs drawn
from a calibrated posterior), ``membership`` (NATO's membership in the accepted runs: a check the features do
not make).

:func:`calibrate` is what ``spiral calibrate SPEC --out DIR`` runs. It writes into DIR::

    reference/part-NNNNNN.parquet   the reference table, one part per chunk (resumable)
    draws.parquet                   the prior draws (draw + free parameters), the same for every world
    null_draws.parquet              the null model's own draws (if it ran)
    acceptance.csv                  per world: runs, accepted, rate with Wilson interval, draws accepted, ...
    posterior.parquet               per world and accepted draw: accepted seeds, weight, weight_m8, log_m8
    paired.csv graded.csv leave_one_pattern_out.csv model_probabilities.csv marginals.csv m8_evidence.csv
    predictive.csv                  the other tables of :mod:`~sim.runs.calibrate.abc`
    membership.csv                  NATO's membership and Russia's force by the window's end in accepted and
                                    prior runs: checks the features do not make (:mod:`~sim.runs.calibrate.membership`)
    switches.csv                    models world+switch: the paired effect of each switch (if the spec has any)
    switches_by_pattern.csv         ... and the share of runs holding each pattern without and with each switch
    record.csv                      the record's features and tolerances as this calibration read them
    manifest.json                   spec, scenario hash, heldout.md SHA-256, budget, time, runs/s, versions
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from sim.calendar import quarter_label

DEFAULT_OUT = Path("runs") / "calibration"


@dataclass
class CalibrationResult:
    out: Path
    complete: bool
    summary: str


def calibrate(spec_path: str | os.PathLike, out: str | os.PathLike | None = None, executor="local",
              workers: int | None = None, scheduler: str | None = None, progress: bool = True, *,
              resume: bool = False, on_code_change: str = "error", command: str | None = None,
              max_chunks: int | None = None) -> CalibrationResult:
    """Run (or finish) a calibration and write its tables (see the module docstring). With ``resume`` the
    folder must already hold this calibration. An incomplete reference table (``max_chunks``, an
    interruption) is never analysed: the budgets would be unequal."""
    from sim.runs.calibrate import abc
    from sim.runs.calibrate.reference import (NULL_DRAWS, check_budgets, load_reference, read_manifest,
                                              run_reference, write_manifest)
    from sim.runs.calibrate.spec import load_calibration
    from sim.runs.sweep.spec import SweepError
    from sim.runs.sweep.store import _atomic_write, _parquet_bytes

    spec = load_calibration(spec_path)
    out = Path(out) if out is not None else DEFAULT_OUT / spec.name
    if resume and not (out / "manifest.json").is_file():
        raise SweepError(f"--resume: {out} holds no calibration to resume")
    run_reference(spec, out, executor, workers, scheduler, progress, on_code_change=on_code_change,
                  command=command, max_chunks=max_chunks)
    t0 = time.perf_counter()
    manifest = read_manifest(out)
    if manifest["status"] != "complete":
        msg = (f"calibration {spec.name}: {manifest['runs_done']:,} of {manifest.get('runs_planned', spec.n_runs):,} "
               f"runs done in {out}; run the same command again to finish (an incomplete table is not analysed)")
        return CalibrationResult(out, False, msg)

    import pandas as pd

    table = load_reference(out)
    budgets = check_budgets(table, spec.draws, spec.seeds)
    record = abc.load_record(spec.record)
    acc, rule, _ = abc.the_rule(table, record)  # nothing passes: the declared fallback, one k* for every model
    import pyarrow.parquet as pq

    draws = pq.read_table(out / "draws.parquet").to_pandas()
    all_draws = {w: draws for w in spec.agent_worlds}
    if (out / NULL_DRAWS).is_file():
        all_draws["null"] = pq.read_table(out / NULL_DRAWS).to_pandas()

    def csv(name: str, df: pd.DataFrame) -> None:
        _atomic_write(out / name, df.to_csv(index=False, float_format="%.6g").encode())

    accept_df = abc.acceptance(table, acc)
    accept_df["rule"] = rule
    n_params = {w: len(spec.free) for w in spec.agent_worlds}
    if "null" in all_draws:
        n_params["null"] = len(all_draws["null"].columns) - 1
    accept_df.insert(1, "parameters", accept_df["world"].map(n_params))
    csv("acceptance.csv", accept_df)
    post = abc.posterior_table(table, acc)
    _atomic_write(out / "posterior.parquet", _parquet_bytes(post))
    csv("paired.csv", abc.paired_differences(table, acc))
    effects = abc.switch_effects(table, acc, record)
    if len(effects):
        csv("switches.csv", effects)
        csv("switches_by_pattern.csv", abc.switch_pattern_effects(table, record))
    grad = abc.graded(table, record)
    csv("graded.csv", grad)
    csv("leave_one_pattern_out.csv", abc.leave_one_out(table, record))
    p0 = abc.model_probabilities(table, acc)[["world", "runs", "log_evidence", "probability"]]
    p8 = abc.model_probabilities(table, acc, weight="m8")[["world", "log_evidence", "probability"]]
    probs = p0.merge(p8.rename(columns={"log_evidence": "log_evidence_m8", "probability": "probability_m8"}),
                     on="world", how="left")
    csv("model_probabilities.csv", probs)
    csv("record.csv", record)
    marg = []
    for wname in (None, "m8"):
        m = abc.marginals(abc.posterior(table, acc, weight=wname), all_draws)
        if len(m):
            m.insert(1, "weights", "accepted seeds" if wname is None else "accepted seeds x exp(M8 log-lik)")
            marg.append(m)
    csv("marginals.csv", pd.concat(marg, ignore_index=True) if marg else pd.DataFrame())
    ev = abc.m8_evidence(table, acc)
    csv("m8_evidence.csv", ev)
    csv("predictive.csv", abc.predictive_check(table, record, acc))
    from sim.runs.calibrate.membership import membership_check

    t1 = time.perf_counter()
    members = membership_check(spec.scenario, table, acc, draws, spec.fixed)
    csv("membership.csv", members)
    membership_seconds = time.perf_counter() - t1

    seconds = sum(s.get("seconds") or 0 for s in manifest["sessions"])
    compute = sum(s.get("compute_seconds") or 0 for s in manifest["sessions"])
    manifest["results"] = {
        "runs": int(len(table)), "accepted": int(acc.sum()),
        "runs_per_world": {r["world"]: int(r["runs"]) for _, r in budgets.iterrows()},
        "simulation_seconds": round(seconds, 1), "worker_seconds": round(compute, 1),
        "runs_per_second": round(len(table) / seconds, 1) if seconds else None,
        "analysis_seconds": round(time.perf_counter() - t0, 1),
        "membership_check_seconds": round(membership_seconds, 1),
        "record_features": abc.used_features(record),
        "rule": rule,
        "acceptance": {r["world"]: {"accepted": int(r["accepted"]), "rate": float(r["rate"])}
                       for _, r in accept_df.iterrows()},
    }
    write_manifest(out, manifest)
    return CalibrationResult(out, True, summary(spec, manifest, accept_df, probs, grad, ev, effects, members))


def summary(spec, manifest: dict, acc, probs, grad, ev, effects=None, members=None) -> str:
    """The plain-text summary ``spiral calibrate`` prints."""
    r = manifest["results"]
    W = max([20] + [len(str(w)) for w in acc["world"]])
    lines = [f"{spec.describe()}",
             f"simulated in {r['simulation_seconds']:.0f} s ({r['runs_per_second'] or 0:.0f} runs/s); "
             f"rule: every record feature within its tolerance ({len(r['record_features'])} features), one rule "
             "for every model",
             f"posterior from the {r.get('rule', 'full rule')}"]
    if manifest.get("null", {}).get("note"):
        lines.append("note: " + manifest["null"]["note"])
    p0 = probs.set_index("world")["probability"]
    p8 = probs.set_index("world")["probability_m8"]
    ll = ev.set_index("world")["ll_own"] if len(ev) else {}
    head = (f"{'model':{W}s} {'params':>6s} {'runs':>9s} {'accepted':>9s} {'rate':>9s} {'95% Wilson':>21s} "
            f"{'draws acc.':>10s} {'M8 ll':>8s} {'P(ABC)':>7s} {'P(+M8)':>7s}")
    lines += ["", head, "-" * len(head)]
    for _, a in acc.iterrows():
        w = a["world"]
        m8 = ll.get(w, float("nan")) if hasattr(ll, "get") else float("nan")
        lines.append(f"{w:{W}s} {int(a['parameters']) if a['parameters'] == a['parameters'] else 0:>6d} "
                     f"{int(a['runs']):>9,d} {int(a['accepted']):>9,d} {a['rate']:>9.2%} "
                     f"{f'[{a.lo:.2%}, {a.hi:.2%}]':>21s} {int(a['draws_accepted']):>10,d} "
                     f"{m8:>8.2f} {p0.get(w, float('nan')):>7.2f} {p8.get(w, float('nan')):>7.2f}")
    if str(r.get("rule", "")).startswith("fallback"):
        lines.append("")
        lines.append("No run of any model passes the full rule (tolerances are not widened): the 'accepted' runs above "
                     "are those of the declared graded fallback, the same level for every model.")
    k_max = int(grad["patterns"].max()) if len(grad) else 0
    ks = list(range(k_max, -1, -1))
    lines += ["", "graded: % of runs matching the record on at least k of its " + f"{k_max} patterns",
              f"{'model  /  k >=':{W}s}" + "".join(f"{k:>6d}" for k in ks)]
    for w, g in grad.groupby("world", sort=False):
        s = g.set_index("k")["share"]
        lines.append(f"{w:{W}s}" + "".join(f"{100 * s.get(k, float('nan')):>6.1f}" for k in ks))
    if effects is not None and len(effects):
        lines += ["", "switches crossed with the worlds: the paired effect of turning each on (same draws and seeds; "
                  "95% bootstrap intervals over draws; negative: the record favours the worlds without it)",
                  f"{'switch':18s} {'world':20s} {'d accepted share (pp)':>28s} {'d patterns matched':>26s}"]
        for _, e in effects.iterrows():
            lines.append(f"{e['switch']:18s} {e['world']:20s} "
                         f"{f'{100 * e.d_accept:+.2f} [{100 * e.d_accept_lo:+.2f}, {100 * e.d_accept_hi:+.2f}]':>28s} "
                         f"{f'{e.d_patterns:+.3f} [{e.d_patterns_lo:+.3f}, {e.d_patterns_hi:+.3f}]':>26s}")
    if members is not None and len(members):
        from sim.runs.calibrate.membership import RECORDED_FORCE

        m = members[members["runs"] == "accepted"].set_index("world")
        p = members[members["runs"] == "prior sample"].set_index("world")
        lines += ["", f"Checks the features do not make, by {quarter_label(spec.train_end)} (membership.csv): share of "
                  "runs in which NATO admits a state the record did not (a CSTO member among them), and in which "
                  f"Russia uses force where the record has none (any state but {', '.join(RECORDED_FORCE)})",
                  f"{'model':{W}s} {'(n)':>6s} {'admits: accepted':>17s} {'a CSTO member':>14s} {'prior':>6s} "
                  f"{'force: accepted':>16s} {'prior':>6s}"]
        for w in m.index:
            a_, n = m.loc[w], int(m.loc[w, "n"])
            share, ally, force = ((f"{a_['any_emergent_accession']:.0%}", f"{a_['csto_member_admitted']:.0%}",
                                   f"{a_['force_elsewhere']:.0%}") if n else ("-", "-", "-"))
            lines.append(f"{w:{W}s} {n:>6d} {share:>17s} {ally:>14s} "
                         f"{p['any_emergent_accession'].get(w, float('nan')):>6.0%} {force:>16s} "
                         f"{p['force_elsewhere'].get(w, float('nan')):>6.0%}")
    lines += ["", "M8 ll: mean log-likelihood of NATO's recorded decisions 1992-2013 under the world. P(ABC), "
              "P(+M8): ABC model probabilities (equal prior; acceptance, and acceptance x exp(M8 log-lik), null "
              "left out) - read them only beside model recovery (Robert et al. 2011)."]
    return "\n".join(lines)


__all__ = ["CalibrationResult", "calibrate", "summary"]
