"""Checks the training features do not make: NATO's membership and Russia's force before 2014 (docs/results.md
§11).

The replay scripts every enlargement decision the record holds; any other state applies when its own demand
says so (M7) and joins if NATO's members vote it in (M8; docs/theory.md §4). Between 1992 and 2013 no state
joined NATO but those the record admits, yet no training feature scores NATO's membership, so a run can match
the patterns while admitting Ireland or Kazakhstan. This module re-simulates, to the end of the training
window, the runs a calibration ACCEPTED (its one rule, as judged) and a sample of its prior runs, for every
agent model, and counts the runs in which NATO admitted a state the record did not (an emergent accession)
and, among them, a member of the CSTO (the model neither stops a CSTO member from applying nor makes it leave
the CSTO: docs/model.md, Known limitations 34). It counts too the runs in which Russia used force against a
state the record has none against between 1992 and 2013 (:data:`RECORDED_FORCE`: all but Georgia and Moldova),
Ukraine above all.

It is a posterior predictive check on a fact of the 1992–2013 record that the acceptance rule does not use,
reported beside the calibration, never fed back into it: ``acceptance_without`` (the acceptance share if those
runs were rejected) is a post-hoc reading, not a second rule. Nothing after the training window is simulated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BATCH = 256
COLUMNS = ("world", "runs", "n", "any_emergent_accession", "csto_member_admitted", "acceptance",
           "acceptance_without", "most_admitted", "force_elsewhere", "most_forced")
#: the states the record has Russian force against, 1992-2013, counted generously: Georgia (the war of 2008;
#: Abkhazia 1992-93) and Moldova (the 14th Army in Transnistria, 1992). Force against any other is a fact the
#: record does not have (pattern 9 scores Georgia; pattern 7 only NATO members and the Baltics).
RECORDED_FORCE = ("GEO", "MDA")


def _targets(ev: pd.DataFrame, n: int) -> list[tuple[str, ...]]:
    got = ev.groupby("run")["target"].agg(lambda t: tuple(sorted(set(",".join(t).split(",")) - {""})))
    return [got.get(i, ()) for i in range(n)]


def csto_members(scenario) -> set[str]:
    """The states that belong to the CSTO at some time of ``scenario``: its members at the start and those its
    scripted accessions add (Belarus, 1993Q4); nothing in the model makes a member leave."""
    start = {m for a in scenario.alliances if a.id == "CSTO" for m in a.members}
    return start | {t for e in scenario.events if e.kind == "accession" and e.attr("actor") == "CSTO"
                    for t in e.targets()}


def unscored_facts(scenario, worlds, seeds, parameters) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """For each run (one engine call per ``BATCH`` runs), as the run's own event log records them: the states
    NATO admitted that ``scenario`` does not script (its emergent accessions, M8 votes on applications), and
    the states Russia used force against."""
    from sim.engine import simulate

    worlds, seeds = list(worlds), np.asarray(seeds, dtype=np.int64)
    out = []
    for lo in range(0, len(seeds), BATCH):
        hi = min(lo + BATCH, len(seeds))
        res = simulate(scenario, worlds[lo:hi], seeds[lo:hi], list(parameters[lo:hi]), keep_states=False)
        ev = pd.DataFrame(res.events)
        acc = ev[(ev["kind"] == "accession") & (ev["actor"] == "NATO") & ~ev["scripted"].astype(bool)]
        force = ev[ev["kind"] == "use_of_force"]
        out.extend(zip(_targets(acc, hi - lo), _targets(force, hi - lo)))
    return out


def membership_check(scenario, table: pd.DataFrame, accepted, draws: pd.DataFrame, fixed: dict | None = None,
                     max_accepted: int = 500, prior_sample: int = 200, seed: int = 0,
                     progress=None) -> pd.DataFrame:
    """Per agent model of ``table`` (the reference table: world, draw, seed), the accepted runs (all, or a
    random ``max_accepted`` of them) and ``prior_sample`` random runs re-simulated on ``scenario`` (cut at the
    training window's end) with their own parameters (``draws``: draw + free parameters; ``fixed`` added) and
    seeds. Long format (:data:`COLUMNS`): ``runs`` "accepted" or "prior sample"; ``any_emergent_accession``
    and ``csto_member_admitted`` shares of those runs; ``acceptance`` the model's accepted share of all its
    runs and ``acceptance_without`` that share with the runs that admit a state the record did not taken out
    (estimated from the sample when it is one); ``most_admitted`` the six states most often admitted;
    ``force_elsewhere`` the share of runs with Russian force against a state the record has none against
    (all but :data:`RECORDED_FORCE`) and ``most_forced`` those states."""
    from sim.runs.calibrate.spec import NULL_WORLD

    accepted = np.asarray(accepted, dtype=bool)
    names = [c for c in draws.columns if c != "draw"]
    by_draw = draws.set_index("draw")[names]
    fixed = dict(fixed or {})
    csto = csto_members(scenario)
    rng = np.random.default_rng(seed)
    rows = []
    for world in dict.fromkeys(table["world"]):
        if world == NULL_WORLD:
            continue
        mine = np.flatnonzero((table["world"] == world).to_numpy())
        acc = mine[accepted[mine]]
        for label, idx in (("accepted", rng.permutation(acc)[:max_accepted]),
                           ("prior sample", rng.permutation(mine)[:prior_sample])):
            if not len(idx):
                rows.append(dict(world=world, runs=label, n=0, acceptance=0.0 if label == "accepted" else np.nan))
                continue
            t = table.iloc[np.sort(idx)]
            params = [{**dict(zip(names, v)), **fixed} for v in by_draw.loc[t["draw"]].to_numpy(float).tolist()]
            facts = unscored_facts(scenario, t["world"], t["seed"], params)
            states = [a for a, _ in facts]
            forced = [tuple(x for x in f if x not in RECORDED_FORCE) for _, f in facts]
            any_ = np.array([bool(s) for s in states])
            ally = np.array([bool(set(s) & csto) for s in states])

            def top(lists):
                counts = pd.Series([x for s in lists for x in s], dtype=object).value_counts()
                return "; ".join(f"{k} {v / len(idx):.0%}" for k, v in counts.head(6).items())

            share = len(acc) / len(mine) if label == "accepted" else np.nan
            rows.append(dict(world=world, runs=label, n=len(idx), any_emergent_accession=any_.mean(),
                             csto_member_admitted=ally.mean(), acceptance=share,
                             acceptance_without=share * (1.0 - any_.mean()) if label == "accepted" else np.nan,
                             most_admitted=top(states), force_elsewhere=np.mean([bool(f) for f in forced]),
                             most_forced=top(forced)))
            if progress is not None:
                progress(rows[-1])
    return pd.DataFrame(rows, columns=list(COLUMNS))


__all__ = ["COLUMNS", "RECORDED_FORCE", "csto_members", "membership_check", "unscored_facts"]
