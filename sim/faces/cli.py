"""The ``spiral`` command line (layer 5): run, score, compare, attribute, sweep, analyze, dashboard.

Every user error (a bad scenario, an unknown world or parameter) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from sim.scenario import ScenarioError


def _parse_params(items) -> dict:
    out = {}
    for it in items or []:
        if "=" not in it:
            raise ValueError(f"--param expects NAME=VALUE, got {it!r}")
        k, v = it.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise ValueError(f"--param {k}: {v!r} is not a number") from None
    return out


def cmd_run(a) -> int:
    from sim.faces.report import run_report
    from sim.params import resolve
    from sim.runs.ensemble import run_ensemble, seeds_arg, worlds_arg, write_tables
    from sim.runs.score import format_scorecard, scorecard
    from sim.scenario import load_scenario
    from sim.worlds import world_types

    scenario = load_scenario(a.scenario)
    params = _parse_params(a.param)
    resolve(scenario.parameters, params)  # validate before starting work
    worlds = worlds_arg(a.world)
    for w in worlds:
        world_types(w)
    out = Path(a.out or f"runs/{scenario.name}")
    seeds = seeds_arg(a.seeds, a.first_seed)
    print(f"running {scenario.name} ({len(scenario.states)} states, {len(scenario.events)} events) "
          f"under {', '.join(worlds)} on {len(seeds)} seeds -> {out}", file=sys.stderr)
    ens = run_ensemble(scenario, worlds, seeds, params, workers=a.workers, progress=not a.quiet)
    manifest = {"command": " ".join(shlex.quote(x) for x in sys.argv), "scenario": scenario.name,
                "scenario_hash": scenario.hash, "scenario_files": list(scenario.files), "worlds": list(worlds),
                "seeds": seeds, "parameters": params}
    write_tables(ens, out, manifest)
    card = scorecard(ens.observables, ens.events)
    card.to_csv(out / "scorecard.csv", index=False)
    report = run_report(ens.observables, ens.events, card, out / "report.html", manifest)
    print(f"wrote {out}/observables.parquet, states.parquet, beliefs.parquet, events.parquet, manifest.json")
    print(f"report: {report.resolve()}")
    return 0


def cmd_score(a) -> int:
    from sim.runs.ensemble import read_tables
    from sim.runs.score import format_scorecard, scorecard

    ens = read_tables(Path(a.run_dir))
    card = scorecard(ens.observables, ens.events)
    print(format_scorecard(card))
    from sim.runs.score import decision_evidence, format_evidence
    start = int(ens.observables["year"].min())
    print()
    print(format_evidence(decision_evidence(ens.decisions, start)))
    if a.csv:
        card.to_csv(a.csv, index=False)
    return 0


def cmd_params(a) -> int:
    from sim.params import PARAMETERS
    print(f"{'name':24s} {'default':>8s} {'range':>15s}  mech  description [source]")
    for k, p in PARAMETERS.items():
        print(f"{k:24s} {p.default:8.3g} {f'[{p.low:g}, {p.high:g}]':>15s}  {p.mechanism:4s}  {p.description} [{p.source}]")
    return 0


def cmd_compare(a) -> int:
    from sim.runs.compare import compare_cli
    return compare_cli(a)


def cmd_attribute(a) -> int:
    from sim.runs.compare import attribute_cli
    return attribute_cli(a)


def cmd_sweep(a) -> int:
    from sim.runs.sweep import plan_sweep, run_sweep
    if a.dry_run:
        print(plan_sweep(a.spec).describe())
        return 0
    out = run_sweep(a.spec, executor=a.executor, workers=a.workers, scheduler=a.scheduler, out=a.out,
                    progress=not a.quiet, on_code_change="continue" if a.allow_code_change else "error",
                    command=" ".join(shlex.quote(x) for x in sys.argv))
    print(f"sweep results: {out}")
    return 0


def cmd_analyze(a) -> int:
    from sim.runs.analyze import analyze
    out = analyze(a.run_dir, outcomes=a.outcome or None, out_html=a.out)
    print(f"report: {Path(out).resolve()}")
    return 0


def cmd_dashboard(a) -> int:
    from sim.faces.dashboard.server import run_dashboard
    return run_dashboard(a.scenario, a.port) or 0


def _ensemble_options(p, seeds: int, out_default: str):
    """The options every ensemble-running command shares."""
    p.add_argument("--seeds", type=int, default=seeds, help=f"number of paired seeds (default {seeds})")
    p.add_argument("--first-seed", type=int, default=1)
    p.add_argument("--out", help=f"output directory (default {out_default})")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--quiet", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="spiral", description="The NATO–Russia security spiral: an agent-based model.")
    sub = ap.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run", help="run a scenario under one or all worlds on an ensemble of seeds")
    r.add_argument("scenario")
    r.add_argument("--world", default="all", help="a world preset or 'all' (default)")
    r.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    _ensemble_options(r, 20, "runs/SCENARIO")
    r.set_defaults(fn=cmd_run)

    s = sub.add_parser("score", help="the training patterns (THEORY §6) as a scorecard per world")
    s.add_argument("run_dir")
    s.add_argument("--csv", help="also write the scorecard as CSV")
    s.set_defaults(fn=cmd_score)

    p = sub.add_parser("params", help="list every parameter with default, range and source")
    p.set_defaults(fn=cmd_params)

    c = sub.add_parser("compare", help="paired comparison of a base scenario and counterfactuals")
    c.add_argument("base")
    c.add_argument("counterfactuals", nargs="+")
    c.add_argument("--world", default="all")
    _ensemble_options(c, 20, "runs/compare/BASE-vs-CF")
    c.set_defaults(fn=cmd_compare)

    t = sub.add_parser("attribute", help="event attribution: each scripted event left out, on paired seeds")
    t.add_argument("scenario")
    t.add_argument("--world", default="revisionist_spiral")
    t.add_argument("--kinds", help="comma-separated event kinds to attribute (default: all scripted)")
    _ensemble_options(t, 10, "runs/attribute/SCENARIO")
    t.set_defaults(fn=cmd_attribute)

    w = sub.add_parser("sweep", help="run a parameter sweep specification (experiments/*.yaml)")
    w.add_argument("spec")
    w.add_argument("--executor", choices=("local", "dask"), default="local")
    w.add_argument("--workers", type=int, default=None)
    w.add_argument("--scheduler", help="address of an existing Dask scheduler")
    w.add_argument("--out")
    w.add_argument("--quiet", action="store_true")
    w.add_argument("--dry-run", action="store_true", help="validate the spec and print its size, run nothing")
    w.add_argument("--allow-code-change", action="store_true",
                   help="resume even if the model code changed since the sweep started")
    w.set_defaults(fn=cmd_sweep)

    z = sub.add_parser("analyze", help="sensitivity analysis and report of a sweep's results")
    z.add_argument("run_dir")
    z.add_argument("--outcome", action="append", help="outcome column to analyse (repeatable)")
    z.add_argument("--out", help="HTML report path")
    z.set_defaults(fn=cmd_analyze)

    d = sub.add_parser("dashboard", help="start the dashboard (SolaraViz) on 127.0.0.1")
    d.add_argument("scenario", nargs="?", default=None)
    d.add_argument("--port", type=int, default=None)
    d.set_defaults(fn=cmd_dashboard)
    return ap


def main(argv=None) -> int:
    ap = build_parser()
    a = ap.parse_args(argv)
    try:
        return a.fn(a)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, KeyError) as exc:
        msg = str(exc).strip("'\"") or type(exc).__name__
        print(f"error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
