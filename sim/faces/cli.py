"""The ``spiral`` command line (layer 5): run, score, compare, attribute, sweep, calibrate, recover, smc, analyze,
sensitivity, dashboard.

Errors: every user error is a :class:`sim.errors.SpiralError` (or a bad command-line argument), caught in
one place, :func:`main`, and printed as one line ``error: ...`` with exit code 2. Anything else is a bug
and keeps its traceback. A closed pipe (``spiral params | head``) is not an error.

Results: ``run``, ``compare`` and ``attribute`` write into a temporary folder beside the output folder and
move it into place only when everything is written (:mod:`sim.faces.output`), so a command that fails
leaves an earlier result untouched. Sweeps are resumable and write into their own folder as they go.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from sim.errors import SpiralError

ENSEMBLE_WORKERS = "all cores, at most 8, once there are 16 batches of runs or more; fewer run in this process"


class UsageError(SpiralError):
    """A bad command-line argument (argparse's complaint, in one line)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``error: spiral run: argument --seeds: ...``)."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


# ------------------------------------------------------------------------------------- argument types

def _whole(minimum: int, what: str):
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"{what} must be at least {minimum}, not {n}")
        return n
    parse.__name__ = what  # argparse names the type in its own messages
    return parse


seeds_count = _whole(1, "the number of seeds")
first_seed = _whole(0, "the first seed")
workers_count = _whole(1, "the number of workers")


def port_number(text: str) -> int:
    n = _whole(1, "the port")(text)
    if n > 65535:
        raise argparse.ArgumentTypeError(f"the port must be a TCP port (1-65535), not {n}")
    return n


def worlds_list(text: str):
    """``all``, a world, or a comma-separated list of worlds (each checked, with 'did you mean'); a world may
    carry switches, ``world+switch`` (:func:`sim.worlds.split_model`)."""
    from sim.worlds import split_model

    if text.strip() == "all":
        return "all"
    names = [w.strip() for w in text.split(",") if w.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give a world, a comma-separated list of worlds, or 'all'")
    for w in names:
        try:
            split_model(w)  # the world, and any switches after '+', each with 'did you mean'
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"{e} (or 'all'; a model is world+switch)") from None
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"a world is listed twice in {text!r}")
    return names


def param_item(text: str) -> tuple[str, float]:
    """``NAME=VALUE``: a known parameter and a number in its range."""
    from sim.params import validate_overrides

    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r} (see 'spiral params')")
    name, raw = (x.strip() for x in text.split("=", 1))
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {raw!r} is not a number") from None
    try:
        validate_overrides({name: value})
    except SpiralError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return name, value


def event_kinds(text: str) -> list[str]:
    from sim.scenario import EVENT_KINDS
    from sim.scenario.yamlsafe import nearest

    kinds = [k.strip() for k in text.split(",") if k.strip()]
    for k in kinds:
        if k not in EVENT_KINDS:
            raise argparse.ArgumentTypeError(f"unknown event kind {k!r}{nearest(k, EVENT_KINDS)}")
    if not kinds:
        raise argparse.ArgumentTypeError("give one or more event kinds, separated by commas")
    return kinds


# ------------------------------------------------------------------------------------- helpers

def _command_line() -> str:
    return " ".join(shlex.quote(x) for x in sys.argv) if sys.argv else ""


def _worlds(arg) -> tuple[str, ...]:
    from sim.runs.ensemble import worlds_arg
    return worlds_arg(arg)


def _existing_dir(path: str, what: str) -> Path:
    p = Path(path)
    if not p.is_dir():
        from sim.scenario import path_hint
        raise SpiralError(f"{p}: no such {what}{path_hint(p)}" if not p.exists() else f"{p} is not a folder")
    return p


def _existing_file(path: str, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        from sim.scenario import path_hint
        raise SpiralError(f"{p}: no such {what}{path_hint(p)}" if not p.exists() else f"{p} is not a file")
    return p


def _new_file(path: str | None) -> Path | None:
    """A file to be written: its folder must exist (checked before any work)."""
    if path is None:
        return None
    p = Path(path)
    if not p.parent.is_dir():
        raise SpiralError(f"{p}: the folder {p.parent} does not exist")
    if p.is_dir():
        raise SpiralError(f"{p} is a folder; give a file name")
    return p


def _slug(s: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in s)


def _posterior(a, worlds, seeds, overrides: dict | None = None):
    """``--posterior CALIB_DIR``: per-run parameters drawn from each world's posterior (checked for every
    world and seed before any run: a one-line error if the folder is not a calibration or a world has no
    accepted draw); None without the option. ``overrides`` (``--param``) apply on top of the draws."""
    if getattr(a, "posterior", None) is None:
        return None
    from sim.runs.calibrate.posterior import PosteriorRuns

    runs = PosteriorRuns(a.posterior, overrides).check(worlds, seeds)
    extra = f"; --param on top: {', '.join(overrides)}" if overrides else ""
    print(f"parameters of every run drawn from its world's posterior in {a.posterior} (seed s takes the accepted "
          f"draw a hash of s picks, weighted by accepted seeds){extra}", file=sys.stderr)
    return runs


def _where(out: Path, report: str, note: str = "") -> None:
    """Where the files are: the folder, what it holds, and the report's absolute path."""
    files = ", ".join(sorted(p.name for p in out.iterdir() if p.name != report))
    print(f"\nfiles in {out}/: {files}{note}")
    print(f"report: {(out / report).resolve()}")


# ------------------------------------------------------------------------------------- commands

def cmd_run(a) -> int:
    from sim.faces.output import atomic_output_dir
    from sim.faces.report import run_report
    from sim.params import resolve
    from sim.runs.ensemble import run_ensemble, seeds_arg, write_tables
    from sim.runs.score import decision_evidence, format_evidence, format_scorecard, scorecard
    from sim.scenario import load_scenario

    scenario = load_scenario(a.scenario)
    params = dict(a.param or [])
    resolve(scenario.parameters, params)  # validate before starting work
    worlds = _worlds(a.world)
    out = Path(a.out or f"runs/{scenario.name}")
    seeds = seeds_arg(a.seeds, a.first_seed)
    posterior = _posterior(a, worlds, seeds, params)
    print(f"running {scenario.name} ({len(scenario.states)} states, {len(scenario.events)} events) "
          f"under {', '.join(worlds)} on {len(seeds)} seeds -> {out}", file=sys.stderr)
    with atomic_output_dir(out) as tmp:
        ens = run_ensemble(scenario, worlds, seeds, posterior or params, workers=a.workers, progress=not a.quiet,
                           out=tmp)
        manifest = {"command": _command_line(), "scenario": scenario.name, "scenario_hash": scenario.hash,
                    "scenario_files": list(scenario.files), "worlds": list(worlds), "seeds": seeds,
                    "parameters": params}
        if posterior is not None:
            manifest["posterior"] = posterior.describe(worlds, seeds)
        write_tables(ens, tmp, manifest)
        card = scorecard(ens.observables, ens.events)
        card.to_csv(tmp / "scorecard.csv", index=False)
        pulses = None if a.no_pulses_check else _pulses_check(card, scenario, worlds, seeds, posterior or params,
                                                               a.workers, a.quiet)
        if pulses is not None:
            pulses.to_csv(tmp / "pulses_off.csv", index=False)
        run_report(ens.observables, ens.events, card, tmp / "report.html", manifest, pulses=pulses)
    print(format_scorecard(card))
    _print_pulses(pulses)
    evidence = format_evidence(decision_evidence(getattr(ens, "decisions", None),
                                                 int(ens.observables["year"].min())))
    if evidence:
        print()
        print(evidence)
    _where(out, "report.html")
    return 0


def _pulses_check(card, scenario, worlds, seeds, params, workers, quiet):
    """The 'Western pulses off' check: the same runs with NATO's stance held at cooperate (None, with a note
    on stderr, when the model has no such switch)."""
    from sim.params import PARAMETERS
    from sim.runs.score import pulses_off_card, pulses_off_check

    if "west_pulses_off" not in PARAMETERS:
        print("note: no 'Western pulses off' check: this model has no west_pulses_off parameter", file=sys.stderr)
        return None
    off = pulses_off_card(scenario, worlds, seeds, params, workers=workers, progress=not quiet)
    return pulses_off_check(card, off)


def _print_pulses(pulses) -> None:
    from sim.runs.score import format_pulses_check

    if pulses is not None:
        print()
        print(format_pulses_check(pulses))


def _pulses_check_of_folder(run_dir: Path, card, a):
    """The pulses-off check of a folder written by 'spiral run': its scenario, worlds, seeds and parameters
    come from its manifest.json (skipped, with a note, if the scenario file is gone or has changed)."""
    import json

    from sim.scenario import load_scenario

    try:
        m = json.loads((run_dir / "manifest.json").read_text())
        path = Path(m["scenario_files"][-1])
        worlds, seeds, params = m["worlds"], m["seeds"], m.get("parameters") or {}
    except (OSError, ValueError, KeyError, IndexError):
        print(f"note: no 'Western pulses off' check: {run_dir}/manifest.json does not say which runs these are",
              file=sys.stderr)
        return None
    if not path.is_file():
        print(f"note: no 'Western pulses off' check: the scenario file {path} is not here (run from the folder "
              "where 'spiral run' ran)", file=sys.stderr)
        return None
    if m.get("posterior"):  # run with --posterior: the same draws again
        from sim.runs.calibrate.posterior import PosteriorRuns
        try:
            params = PosteriorRuns(m["posterior"]["calibration"], params).check(worlds, seeds)
        except SpiralError as exc:
            print(f"note: no 'Western pulses off' check: {exc}", file=sys.stderr)
            return None
    scenario = load_scenario(path)
    if str(scenario.hash) != str(m.get("scenario_hash")):
        print(f"note: no 'Western pulses off' check: {path} changed since these runs ('spiral run' them again)",
              file=sys.stderr)
        return None
    return _pulses_check(card, scenario, worlds, seeds, params, a.workers, a.quiet)


def cmd_score(a) -> int:
    from sim.runs.ensemble import read_tables
    from sim.runs.score import decision_evidence, format_evidence, format_scorecard, scorecard

    run_dir = _existing_dir(a.run_dir, "run folder")
    csv = _new_file(a.csv)
    if not (run_dir / "observables.parquet").exists():
        raise SpiralError(f"{run_dir}: no observables.parquet here (is this a folder written by 'spiral run'?)")
    ens = read_tables(run_dir)
    card = scorecard(ens.observables, ens.events)
    pulses = None if a.no_pulses_check else _pulses_check_of_folder(run_dir, card, a)
    print(format_scorecard(card))
    _print_pulses(pulses)
    start = int(ens.observables["year"].min())
    evidence = format_evidence(decision_evidence(ens.decisions, start))
    if evidence:
        print()
        print(evidence)
    if csv:
        out = card if pulses is None else card.merge(
            pulses[["scenario", "world", "pattern", "share_pulses_off"]], on=["scenario", "world", "pattern"], how="left")
        out.to_csv(csv, index=False)
    return 0


def cmd_sensitivity(a) -> int:
    from sim.faces.output import atomic_output_dir
    from sim.runs.sensitivity import format_summary, problem, run_morris, training_scenario

    scenario = training_scenario(_existing_file(a.scenario, "scenario file") if a.scenario else _default_scenario())
    worlds = list(_worlds(a.world))
    out = Path(a.out or f"runs/sensitivity/{scenario.name}")
    k = problem()["num_vars"]
    runs = len(worlds) * a.trajectories * (k + 1) * a.seeds
    print(f"Morris screening of {scenario.name} to 2013Q4: {k} parameters, {a.trajectories} trajectories x {k + 1} "
          f"points x {a.seeds} seeds x {len(worlds)} world(s) = {runs} runs -> {out}", file=sys.stderr)
    with atomic_output_dir(out) as tmp:
        res = run_morris(scenario, worlds, a.trajectories, a.seeds, a.levels, seed=a.design_seed,
                         workers=a.workers or _default_workers(), progress=not a.quiet, command=_command_line())
        res.write(tmp)
    print(format_summary(res))
    _where(out, "sensitivity.html", " (indices.csv: mu*, sigma per world, parameter and outcome)")
    return 0


def _default_scenario():
    from sim.model import DEFAULT_SCENARIO
    return DEFAULT_SCENARIO


def _default_workers() -> int:
    from sim.runs.executors import default_workers
    return default_workers()


def cmd_params(a) -> int:
    from sim.params import PARAMETERS
    print(f"{'name':24s} {'default':>8s} {'range':>15s}  mech  description [source]")
    for k, p in PARAMETERS.items():
        print(f"{k:24s} {p.default:8.3g} {f'[{p.low:g}, {p.high:g}]':>15s}  {p.mechanism:4s}  {p.description} [{p.source}]")
    return 0


def cmd_compare(a) -> int:
    from sim.calendar import quarter_label
    from sim.faces.output import atomic_output_dir
    from sim.faces.compare_report import comparison_report
    from sim.faces.tables import comparison_table
    from sim.runs.compare import compare
    from sim.runs.ensemble import seeds_arg
    from sim.scenario import load_scenario

    scen = [load_scenario(p) for p in [a.base] + list(a.counterfactuals)]  # validate before any run
    b = scen[0]
    for s in scen[1:]:
        if (s.start, s.end) != (b.start, b.end):
            raise SpiralError(f"scenario {s.name!r} runs {quarter_label(s.start)}..{quarter_label(s.end)}, the base "
                              f"{quarter_label(b.start)}..{quarter_label(b.end)}: paired runs need the same period")
    worlds = _worlds(a.world)
    if a.out:
        out = Path(a.out)
    else:
        tail = scen[1].name if len(scen) == 2 else f"{len(scen) - 1}_counterfactuals"
        out = Path("runs") / "compare" / _slug(f"{b.name}-vs-{tail}")
    n_runs = len(scen) * len(worlds) * len(seeds_arg(a.seeds, a.first_seed))
    posterior = _posterior(a, worlds, seeds_arg(a.seeds, a.first_seed))
    print(f"comparing {b.name} with {', '.join(s.name for s in scen[1:])}: {n_runs} paired runs -> {out}",
          file=sys.stderr)
    with atomic_output_dir(out) as tmp:
        c = compare(b, scen[1:], list(worlds), a.seeds, first_seed=a.first_seed, parameters=posterior,
                    workers=a.workers, progress=not a.quiet, command=_command_line())
        if not a.quiet:
            print(f"writing tables and the report to {out} ...", file=sys.stderr)
        c.write(tmp)
        comparison_report(c, tmp / "report.html")
    bad = c.scope[c.scope["identical_before_first_edit"] == False]  # noqa: E712 - a column of bools and None
    for _, r in bad.iterrows():
        print(f"warning: {r['scenario']} ({r['world']}) differs from the base at {r['first_divergence']}, before its "
              f"first edited date {r['first_edit']}", file=sys.stderr)
    print(comparison_table(c))
    _where(out, "report.html", " (outcomes.csv: every outcome, with intervals)")
    return 0


def cmd_attribute(a) -> int:
    from sim.faces.output import atomic_output_dir
    from sim.faces.compare_report import attribution_report
    from sim.faces.tables import attribution_table
    from sim.runs.compare import attribute
    from sim.scenario import load_scenario

    s = load_scenario(a.scenario)
    kinds = a.kinds
    events = [e for e in s.events if not kinds or e.kind in kinds]
    if not events:
        which = f" of the kinds {', '.join(kinds)}" if kinds else ""
        raise SpiralError(f"scenario {s.name!r} has no scripted events{which} to attribute")
    worlds = _worlds(a.world)
    out = Path(a.out) if a.out else Path("runs") / "attribute" / _slug(s.name)
    from sim.runs.ensemble import seeds_arg
    posterior = _posterior(a, worlds, seeds_arg(a.seeds, a.first_seed))
    print(f"attributing the outcomes of {s.name} to its {len(events)} scripted events under {', '.join(worlds)} "
          f"-> {out}", file=sys.stderr)
    with atomic_output_dir(out) as tmp:
        res = attribute(s, list(worlds), a.seeds, kinds=kinds, first_seed=a.first_seed, parameters=posterior,
                        workers=a.workers, progress=not a.quiet, command=_command_line())
        res.write(tmp)
        attribution_report(res, tmp / "attribution.html")
    print(attribution_table(res, top=a.top))
    _where(out, "attribution.html", " (attribution.csv: every event and outcome, with intervals)")
    return 0


def cmd_sweep(a) -> int:
    _existing_file(a.spec, "sweep specification")
    from sim.runs.sweep import plan_sweep, run_sweep
    if a.dry_run:
        print(plan_sweep(a.spec).describe())
        return 0
    out = run_sweep(a.spec, executor=a.executor, workers=a.workers, scheduler=a.scheduler, out=a.out,
                    progress=not a.quiet, on_code_change="continue" if a.allow_code_change else "error",
                    command=_command_line())
    print(f"sweep results: {out}")
    return 0


def cmd_calibrate(a) -> int:
    _existing_file(a.spec, "calibration specification")
    from sim.runs.calibrate import calibrate
    if a.dry_run:
        from sim.runs.calibrate.spec import load_calibration
        print(load_calibration(a.spec).describe())
        return 0
    res = calibrate(a.spec, out=a.out, executor=a.executor, workers=a.workers, scheduler=a.scheduler,
                    progress=not a.quiet, resume=a.resume,
                    on_code_change="continue" if a.allow_code_change else "error", command=_command_line())
    print(res.summary)
    if not res.complete:
        return 0
    try:  # the calibration report (sim/faces/calibration_report.py), when it is there
        from sim.faces.calibration_report import write_report
    except ImportError:
        print(f"\ncalibration tables: {res.out}")
        return 0
    write_report(res.out)
    _where(res.out, "report.html")
    return 0


def cmd_recover(a) -> int:
    calib = Path(a.calib_dir)
    if calib.is_file() and calib.suffix in (".yaml", ".yml"):  # a spec: its calibration's default folder
        from sim.runs.calibrate import DEFAULT_OUT
        from sim.runs.calibrate.spec import load_calibration
        calib = DEFAULT_OUT / load_calibration(calib).name
    calib = _existing_dir(str(calib), "calibration folder")
    from sim.runs.calibrate.recover import format_recovery, recover_folder
    rec, out = recover_folder(calib, per_world=a.per_world, seed=a.seed, exclude=a.exclude, out=a.out)
    print(format_recovery(rec))
    print(f"\nrecovery tables: {out}/ (recovery.csv, confusion.csv, parameter_recovery.csv)")
    if a.out is None and (calib / "report.html").is_file():  # the report shows the recovery beside the probabilities
        try:
            from sim.faces.calibration_report import write_report
        except ImportError:
            return 0
        write_report(calib)
        print(f"report: {(calib / 'report.html').resolve()}")
    return 0


def cmd_heldout(a) -> int:
    calib = _existing_dir(a.calib_dir, "calibration folder")
    from sim.runs.calibrate.predictive import format_heldout, heldout_study
    table = heldout_study(calib, runs=a.runs, progress=not a.quiet, m8=a.m8, prior=a.prior, rescore=a.rescore)
    if a.prior:
        print("PRIOR predictive (every prior draw alike): a baseline, not the pre-registered posterior scoring")
    print(format_heldout(table))
    tag = "_prior" if a.prior else ""
    print(f"\nheld-out tables: {calib}/heldout{tag}.csv, heldout{tag}_features.parquet")
    if (calib / "report.html").is_file():  # the report shows the held-out table
        try:
            from sim.faces.calibration_report import write_report
        except ImportError:
            return 0
        write_report(calib)
        print(f"report: {(calib / 'report.html').resolve()}")
    return 0


def cmd_smc(a) -> int:
    calib = _existing_dir(a.calib_dir, "calibration folder")
    from sim.runs.calibrate.smc import smc_folder
    worlds = None if a.world in (None, ["all"]) else a.world
    res = smc_folder(calib, generations=a.generations, population=a.population, out=a.out, workers=a.workers,
                     seed=a.seed, alpha=a.alpha, kernel=a.kernel, move=a.move, worlds=worlds, progress=not a.quiet,
                     command=_command_line())
    print(res.summary)
    print(f"\nSMC tables: {res.out}/ (population.parquet, generations.parquet, schedule.csv, marginals.csv, "
          "summary.json)")
    return 0


def _models_list(text: str) -> list[str]:
    """``all`` or a comma-separated list of a calibration's models (checked against the folder later)."""
    names = [w.strip() for w in text.split(",") if w.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give a model, a comma-separated list of models, or 'all'")
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"a model is listed twice in {text!r}")
    return names


def _quantile_level(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"alpha must be a number in (0, 1), not {text!r}") from None
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"alpha must be in (0, 1), not {x:g}")
    return x


def cmd_analyze(a) -> int:
    from sim.runs.analyze import analyze
    run_dir = _existing_dir(a.run_dir, "sweep folder")
    out = analyze(run_dir, outcomes=a.outcome or None, out_html=_new_file(a.out))
    print(f"report: {Path(out).resolve()}")
    return 0


def cmd_dashboard(a) -> int:
    from sim.faces.dashboard.server import run_dashboard
    return run_dashboard(a.scenario, a.port, posterior=a.posterior) or 0


# ------------------------------------------------------------------------------------- the parser

def _world_option(p, default: str) -> None:
    from sim.worlds import WORLDS
    p.add_argument("--world", type=worlds_list, default=worlds_list(default), metavar="W[,W...]|all",
                   help=f"the worlds (hypotheses) to run: one, a comma-separated list, or 'all' for every one "
                        f"({', '.join(WORLDS)}); default {default}")


def _ensemble_options(p, seeds: int, out_default: str) -> None:
    """The options every ensemble-running command shares."""
    p.add_argument("--seeds", type=seeds_count, default=seeds, metavar="N",
                   help=f"number of paired seeds, at least 1 (default {seeds})")
    p.add_argument("--first-seed", type=first_seed, default=1, metavar="S",
                   help="the first seed; the seeds are S, S+1, ... (default 1)")
    p.add_argument("--out", metavar="DIR",
                   help=f"output folder (default {out_default}); replaced only when the command succeeds")
    p.add_argument("--workers", type=workers_count, default=None, metavar="N",
                   help=f"worker processes (default: {ENSEMBLE_WORKERS})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _posterior_option(p) -> None:
    p.add_argument("--posterior", metavar="CALIB_DIR",
                   help="run each world with its parameters drawn from its posterior in a folder written by "
                        "'spiral calibrate' (seed s takes one accepted draw, picked by a hash of s and weighted by "
                        "its accepted seeds: reproducible); docs/calibration.md")


def _pulses_options(p) -> None:
    p.add_argument("--no-pulses-check", action="store_true",
                   help="skip the 'Western pulses off' check (the same runs with NATO's stance held at cooperate, "
                        "to 2013Q4, scored beside the scorecard)")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("spiral-sim")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="spiral", description="The NATO–Russia security spiral: an agent-based model.",
                 epilog="Every command has its own --help. Documentation: README.md and docs/.")
    ap.add_argument("--version", action="version", version=f"spiral {_version()}",
                    help="print the version of the installed spiral-sim package and exit")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND", help="one of the commands below")

    r = sub.add_parser("run", help="run a scenario under one or more worlds on an ensemble of seeds",
                       description="Run a scenario under one or more worlds on paired seeds; print the scorecard; "
                                   "write Parquet tables, manifest.json, scorecard.csv and report.html.")
    r.add_argument("scenario", help="a scenario YAML file, e.g. scenarios/historical.yaml")
    _world_option(r, "all")
    r.add_argument("--param", action="append", type=param_item, metavar="NAME=VALUE",
                   help="override a parameter (repeatable; 'spiral params' lists them)")
    _ensemble_options(r, 20, "runs/SCENARIO")
    _posterior_option(r)
    _pulses_options(r)
    r.set_defaults(fn=cmd_run)

    s = sub.add_parser("score", help="the training patterns (docs/theory.md §6) as a scorecard per world",
                       description="Print the scorecard of a folder written by 'spiral run'.")
    s.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'spiral run' (e.g. runs/historical)")
    s.add_argument("--csv", metavar="FILE", help="also write the scorecard as CSV to FILE")
    _pulses_options(s)
    s.add_argument("--workers", type=workers_count, default=None, metavar="N",
                   help=f"worker processes for the pulses-off runs (default: {ENSEMBLE_WORKERS})")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(fn=cmd_score)

    v = sub.add_parser("sensitivity", help="Morris screening: which parameters decide the training outcomes",
                       description="Morris screening (SALib) of the training features 1992-2013 over every "
                                   "parameter of 'spiral params' but the switches, per world; writes indices.csv, "
                                   "indices.parquet, design.parquet, manifest.json and sensitivity.html. "
                                   "See docs/sensitivity.md.")
    v.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                   help="a scenario YAML file (default: the historical scenario)")
    _world_option(v, "all")
    v.add_argument("--trajectories", type=_whole(2, "the number of trajectories"), default=10, metavar="N",
                   help="Morris trajectories, each of (parameters + 1) points (default 10)")
    v.add_argument("--seeds", type=seeds_count, default=10, metavar="S",
                   help="seeds per design point, the same at every point and in every world (default 10)")
    v.add_argument("--levels", type=_whole(2, "the number of levels"), default=4, metavar="L",
                   help="Morris grid levels (default 4)")
    v.add_argument("--design-seed", type=first_seed, default=0, metavar="N", help="seed of the Morris design (default 0)")
    v.add_argument("--out", metavar="DIR", help="output folder (default runs/sensitivity/SCENARIO); replaced only "
                                                "when the command succeeds")
    v.add_argument("--workers", type=workers_count, default=None, metavar="N",
                   help="worker processes (default: every core this process may use)")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(fn=cmd_sensitivity)

    p = sub.add_parser("params", help="list every parameter with default, range and source",
                       description="List every parameter with its default, range, mechanism and source.")
    p.set_defaults(fn=cmd_params)

    c = sub.add_parser("compare", help="paired comparison of a base scenario and counterfactuals",
                       description="Run a base scenario and counterfactuals on the same seeds and worlds; print the "
                                   "main outcomes with intervals and the paired differences from the base; write "
                                   "the tables and report.html.")
    c.add_argument("base", metavar="BASE", help="the base scenario YAML, e.g. scenarios/historical.yaml")
    c.add_argument("counterfactuals", nargs="+", metavar="CF",
                   help="one or more counterfactual scenario YAMLs (scenarios/counterfactuals/*.yaml)")
    _world_option(c, "all")
    _ensemble_options(c, 20, "runs/compare/BASE-vs-CF")
    _posterior_option(c)
    c.set_defaults(fn=cmd_compare)

    t = sub.add_parser("attribute", help="event attribution: each scripted event left out, on paired seeds",
                       description="Leave each scripted event out in turn, on paired seeds; print the events ranked "
                                   "by their effect on the headline outcomes; write the table and attribution.html.")
    t.add_argument("scenario", help="a scenario YAML file, e.g. scenarios/historical.yaml")
    _world_option(t, "revisionist_spiral")
    t.add_argument("--kinds", type=event_kinds, metavar="K[,K...]",
                   help="comma-separated event kinds to attribute, e.g. accession,membership_pledge "
                        "(default: every scripted event)")
    t.add_argument("--top", type=_whole(1, "--top"), default=15, metavar="N",
                   help="how many events to print per world (default 15; the CSV holds all)")
    _ensemble_options(t, 10, "runs/attribute/SCENARIO")
    _posterior_option(t)
    t.set_defaults(fn=cmd_attribute)

    w = sub.add_parser("sweep", help="run a parameter sweep specification (experiments/*.yaml)",
                       description="Run a sweep specification; resumable: run the same command again to continue. "
                                   "The worlds are given in the specification.")
    w.add_argument("spec", metavar="SPEC", help="a sweep specification YAML, e.g. experiments/worlds_perception.yaml")
    w.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local process pool or a Dask cluster (default local)")
    w.add_argument("--workers", type=workers_count, default=None, metavar="N",
                   help="worker processes (default: every core this process may use)")
    w.add_argument("--scheduler", metavar="ADDRESS", help="address of an existing Dask scheduler (with --executor dask)")
    w.add_argument("--out", metavar="DIR", help="output folder (default runs/sweeps/NAME, NAME from the spec)")
    w.add_argument("--quiet", action="store_true", help="no progress bar")
    w.add_argument("--dry-run", action="store_true", help="validate the spec and print its size, run nothing")
    w.add_argument("--allow-code-change", action="store_true",
                   help="resume even if the model code changed since the sweep started")
    w.set_defaults(fn=cmd_sweep)

    k = sub.add_parser("calibrate", help="equal-budget calibration of the worlds and the null model (ABC)",
                       description="Run a calibration specification (experiments/calibration.yaml): every world "
                                   "and the null model on the same prior draws and seeds, to 2013Q4; resumable: "
                                   "run the same command again to continue. Writes the reference table, "
                                   "acceptance, posterior and manifest into --out (docs/calibration.md).")
    k.add_argument("spec", metavar="SPEC", help="a calibration specification YAML, e.g. experiments/calibration.yaml")
    k.add_argument("--out", metavar="DIR", help="output folder (default runs/calibration/NAME, NAME from the spec)")
    k.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local process pool or a Dask cluster (default local)")
    k.add_argument("--scheduler", metavar="ADDRESS", help="address of an existing Dask scheduler (with --executor dask)")
    k.add_argument("--workers", type=workers_count, default=None, metavar="N",
                   help="worker processes (default: every core this process may use)")
    k.add_argument("--resume", action="store_true", help="finish the calibration already in --out (an error if none)")
    k.add_argument("--quiet", action="store_true", help="no progress bar")
    k.add_argument("--dry-run", action="store_true", help="validate the spec and print its budget, run nothing")
    k.add_argument("--allow-code-change", action="store_true",
                   help="resume even if the model code changed since the calibration started")
    k.set_defaults(fn=cmd_calibrate)

    g = sub.add_parser("recover", help="model recovery: the calibration run against synthetic records of known world",
                       description="Model recovery from a calibration's reference table (no new simulation): "
                                   "runs of each world (the null model included) are treated as the record, with the "
                                   "record's acceptance rule and tolerances; prints the confusion matrix and "
                                   "parameter recovery and writes recovery.csv, confusion.csv, parameter_recovery.csv.")
    g.add_argument("calib_dir", metavar="CALIB_DIR",
                   help="a folder written by 'spiral calibrate' (or its SPEC: the spec's default folder)")
    g.add_argument("--per-world", type=_whole(1, "the number of synthetic records per world"), default=25,
                   metavar="N", help="synthetic records per world (default 25)")
    g.add_argument("--seed", type=_whole(0, "the seed"), default=0, metavar="N",
                   help="seed of the choice of synthetic records (default 0)")
    g.add_argument("--exclude", choices=("run", "draw"), default="run",
                   help="left out of each synthetic record's reference set: its run (default), or every run of its "
                        "parameter draw (no run then shares the truth's parameters, as on the record)")
    g.add_argument("--out", metavar="DIR", help="output folder (default CALIB_DIR/recovery)")
    g.set_defaults(fn=cmd_recover)

    h = sub.add_parser("heldout", help="the pre-registered held-out scores (2014-2025) of a calibration's posteriors",
                       description="Run every calibrated model's posterior predictive to 2025Q4 (the same number of "
                                   "runs and the same seeds for every model, the null model included) and score it by "
                                   "the rules of docs/heldout.md (log scores of the held-out patterns, CRPS of Russia's "
                                   "burden 2014-2024). Refuses to score if docs/heldout.md changed since the "
                                   "calibration. Writes heldout.csv and heldout_features.parquet.")
    h.add_argument("calib_dir", metavar="CALIB_DIR", help="a folder written by 'spiral calibrate'")
    h.add_argument("--runs", type=_whole(1, "the number of predictive runs per model"), default=1000, metavar="N",
                   help="predictive runs per model (default 1000)")
    h.add_argument("--m8", action="store_true", help="draw from the M8-weighted posterior instead of the main one")
    h.add_argument("--prior", action="store_true",
                   help="score the PRIOR predictive instead (every prior draw alike; heldout_prior.csv): a baseline "
                        "for the posterior's score, and a score for a model with no accepted draw - not part of "
                        "the pre-registration")
    h.add_argument("--rescore", action="store_true",
                   help="score the predictive runs already made again (their saved features), simulating nothing")
    h.add_argument("--quiet", action="store_true", help="no progress lines")
    h.set_defaults(fn=cmd_heldout)

    m = sub.add_parser("smc", help="ABC-SMC refinement of a calibration's posteriors, per model, equal budgets",
                       description="ABC-SMC per model (MCMC moves by default, or population Monte Carlo), starting "
                                   "from a finished calibration's reference table (no re-simulation): each generation "
                                   "runs the SAME number of new runs for every model (the null model included), on the "
                                   "same seeds, in batched engine calls on the calibration's scenario cut at 2013Q4; "
                                   "the distance is the number of the record's patterns not matched plus a tie-breaker "
                                   "below one half. No model probability is computed. Writes CALIB_DIR/smc/ "
                                   "(docs/smc.md).")
    m.add_argument("calib_dir", metavar="CALIB_DIR", help="a folder written by 'spiral calibrate'")
    m.add_argument("--generations", type=_whole(0, "the number of generations"), default=4, metavar="G",
                   help="SMC generations after the start (default 4)")
    m.add_argument("--population", type=_whole(2, "the population"), default=512, metavar="N",
                   help="new runs per model and generation, the same for every model; also the size of generation 0 "
                        "(each model's N closest reference runs) (default 512)")
    m.add_argument("--out", metavar="DIR", help="output folder (default CALIB_DIR/smc)")
    m.add_argument("--workers", type=workers_count, default=None, metavar="W",
                   help="split each generation's batch into W engine calls on a local process pool (default: every "
                        "core this process may use; 1: in this process)")
    m.add_argument("--world", type=_models_list, default=None, metavar="MODELS",
                   help="only these models of the calibration, comma-separated (default: all, the null model "
                        "included); each still gets the same budget")
    m.add_argument("--seed", type=_whole(0, "the seed"), default=0, metavar="N",
                   help="seed of the proposals and the engine seeds (default 0); the result is deterministic given it")
    m.add_argument("--alpha", type=_quantile_level, default=0.5, metavar="A",
                   help="the next tolerance is the A-quantile of the previous population's distances (default 0.5)")
    m.add_argument("--move", choices=("mcmc", "pmc"), default="mcmc",
                   help="how a generation moves the particles: one Metropolis-Hastings step each within the tolerance "
                        "(default; Drovandi & Pettitt 2011, Del Moral et al. 2012), or importance weights prior / "
                        "kernel mixture (Beaumont et al. 2009), whose weights collapse with many parameters "
                        "(docs/smc.md)")
    m.add_argument("--kernel", choices=("diagonal", "mvn"), default="diagonal",
                   help="Gaussian perturbation: per parameter, kept inside its interval (default; works with 144 "
                        "parameters), or with the full covariance, proposals outside the prior drawn again (pmc "
                        "only; for few parameters)")
    m.add_argument("--quiet", action="store_true", help="no progress lines")
    m.set_defaults(fn=cmd_smc)

    z = sub.add_parser("analyze", help="sensitivity analysis and report of a sweep's results",
                       description="Sensitivity indices and an offline HTML report of a sweep's results.")
    z.add_argument("run_dir", metavar="SWEEP_DIR", help="a folder written by 'spiral sweep' (runs/sweeps/NAME)")
    z.add_argument("--outcome", action="append", metavar="OUTCOME",
                   help="outcome column or summary like tension@2008 to analyse (repeatable; default: all kept)")
    z.add_argument("--out", metavar="FILE", help="HTML report path (default SWEEP_DIR/report.html)")
    z.set_defaults(fn=cmd_analyze)

    d = sub.add_parser("dashboard", help="start the dashboard (SolaraViz) on 127.0.0.1",
                       description="Serve the dashboard on 127.0.0.1 until Ctrl-C; works offline.")
    d.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                   help="a scenario name (historical, a counterfactual's file stem) or YAML path "
                        "(default: the historical scenario)")
    d.add_argument("--port", type=port_number, default=None, metavar="N", help="TCP port (default: a free port)")
    d.add_argument("--posterior", metavar="CALIB_DIR",
                   help="also offer each world of a calibration folder as 'WORLD (posterior)': its parameters "
                        "drawn from its posterior for the chosen seed (docs/calibration.md)")
    d.set_defaults(fn=cmd_dashboard)
    return ap


def _silence_stdout() -> None:
    """After a closed pipe: send what is left of stdout nowhere, so that Python's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv=None) -> int:
    """Run one command; the one place where user errors become ``error: ...`` and exit code 2."""
    try:
        a = build_parser().parse_args(argv)
        code = a.fn(a)
        sys.stdout.flush()
        return code
    except SpiralError as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (spiral params | head): not an error
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
