"""The reference table of a calibration: every world × draw × seed, its training features and M8 evidence.

One row per run: ``world, draw, seed`` (``seed`` is the engine seed, the same for draw k and seed index j
in every world: :func:`sim.runs.calibrate.prior.run_seed`), the training features of
:data:`sim.runs.score.FEATURES` computed by :func:`sim.runs.score.batch_features` (the ONE implementation,
float32), and the run's M8 log-likelihoods of NATO's recorded decisions 1992–2013, taken and withheld, summed
over decisions (:data:`M8_COLUMNS`: under the run's own world, and under each leader type S, R, G; float64),
and the decisions NATO's own vote took in the run with their log-likelihood by leader type
(:data:`M8_VOTE_COLUMNS`).
The null model (``world == "null"``) has its own draws and seeds (the same counts: equal budget) and no M8
columns (NaN): its West takes no decisions.

Runs are planned into chunks (:func:`plan`), a chunk is ONE engine call (:func:`sim.engine.simulate`, scenario
cut at ``train_end`` by :func:`sim.scenario.until`, ``keep_states=False``), features are vectorised over the
chunk, and each chunk is committed as one Parquet part (``DIR/reference/part-NNNNNN.parquet``) written to a
temporary name, fsynced and renamed — by the loop of sweeps (:func:`sim.runs.sweep.store.run_chunks`): a kill
at any moment loses at most the chunks in flight, and the same command resumes with the rest. Parts hold no
timestamps or versions, and a run's results never depend on the batch it ran in, so parts are
byte-identical whatever the executor (``local`` process pool or Dask: :func:`sim.runs.executors.open_executor`),
the worker count or the order in which chunks finished.

Chunks group the draws by the rounded values of :data:`LAG_PARAMETERS`: the engine schedules NATO's votes on
emergent applications and their accessions by these rounded lags, one event per distinct value in a batch,
so batches homogeneous in them run faster (measured on prior draws: 10-40 % less CPU per run in chunks of 256
to 1024 runs; docs/performance.md, "Calibration"). The grouping changes no result.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.calendar import quarter_label
from sim.runs.calibrate.prior import draws as prior_draws
from sim.runs.calibrate.prior import draws_digest, run_seed
from sim.runs.calibrate.spec import FORMAT, NULL_WORLD, CalibrationSpec, SpecError
from sim.runs.executors import one_blas_thread
from sim.runs.score import FEATURES, TRAINING_END, batch_features
from sim.runs.sweep.spec import SweepError
from sim.runs.sweep.store import (ChunkJob, _atomic_write, _parquet_bytes, _write_manifest, check_code, clean_parts,
                                  committed_chunks, read_same_manifest, run_chunks)

KEY_COLUMNS = ("world", "draw", "seed")
M8_TYPES = ("security_seeker", "order_revisionist", "greedy_expansionist")  # sim.engine.record.DECISION_TYPES
M8_COLUMNS = ("m8_ll_own", "m8_ll_S", "m8_ll_R", "m8_ll_G")
# the decisions NATO's own vote took in the run (emergent applications; in a scenario that makes NATO decide
# its rounds endogenously, every round): their count and log-likelihood under each leader type, along the run's
# own path — the evidence a synthetic history with an endogenous NATO holds about the West's type (recovery)
M8_VOTE_COLUMNS = ("m8_votes", "m8_vote_ll_S", "m8_vote_ll_R", "m8_vote_ll_G")
COLUMNS = KEY_COLUMNS + tuple(FEATURES) + M8_COLUMNS + M8_VOTE_COLUMNS
LAG_PARAMETERS = ("application_review_quarters", "ratification_quarters")
REFERENCE = "reference"
DRAWS = "draws.parquet"
NULL_DRAWS = "null_draws.parquet"
MANIFEST = "manifest.json"


# ----------------------------------------------------------------------------------------------------------
# One chunk: runs -> rows (the worker side)
# ----------------------------------------------------------------------------------------------------------


def m8_loglik(decisions: dict, R: int, start: int) -> dict[str, np.ndarray]:
    """Per run (``[R]``): the sum of the M8 log-likelihoods of NATO's *recorded* decisions (``scripted``: the
    record's, taken or withheld; decisions NATO's own vote took in a run are the model's, not data) before
    2014, under the run's own world (``m8_ll_own``) and under each leader type (``m8_ll_S/R/G``); NaN for a
    run that replayed none (a scenario in which NATO decides every round by its own vote)."""
    run = np.asarray(decisions.get("run", []), dtype=np.int64)
    if not len(run):
        return {c: np.full(R, np.nan) for c in M8_COLUMNS}
    year = start / 4.0 + np.asarray(decisions["step"], dtype=float) / 4.0
    sel = np.asarray(decisions["scripted"], dtype=bool) & (year < TRAINING_END)
    src = ("loglik",) + tuple(f"loglik_{t}" for t in M8_TYPES)
    # a run in which no recorded decision was replayed (NATO decided every round itself) has no such evidence
    none = np.bincount(run[sel], minlength=R) == 0
    return {c: np.where(none, np.nan, np.bincount(run[sel], weights=np.asarray(decisions[s], dtype=float)[sel],
                                                  minlength=R))
            for c, s in zip(M8_COLUMNS, src)}


def m8_votes(decisions: dict, R: int, start: int) -> dict[str, np.ndarray]:
    """Per run (``[R]``): the number of NATO decisions its own M8 vote took before 2014 (not scripted:
    emergent applications, and every round of a scenario that makes them endogenous) and the sum of their
    log-likelihoods under each leader type (``m8_vote_ll_S/R/G``), along the run's own path."""
    run = np.asarray(decisions.get("run", []), dtype=np.int64)
    if not len(run):
        return {c: np.zeros(R) for c in M8_VOTE_COLUMNS}
    year = start / 4.0 + np.asarray(decisions["step"], dtype=float) / 4.0
    sel = ~np.asarray(decisions["scripted"], dtype=bool) & (year < TRAINING_END)
    out = {"m8_votes": np.bincount(run[sel], minlength=R).astype(float)}
    for c, t in zip(M8_VOTE_COLUMNS[1:], M8_TYPES):
        out[c] = np.bincount(run[sel], weights=np.asarray(decisions[f"loglik_{t}"], dtype=float)[sel], minlength=R)
    return out


def rows_of(res, world, draw, seed, m8: bool = True) -> pa.Table:
    """The reference rows of a batch result (a :class:`sim.engine.BatchResult`, or anything with the fields
    :meth:`sim.runs.score.Runs.from_batch` and :meth:`~sim.runs.score.Events.from_batch` read — the null
    model's result): ``world``/``draw``/``seed`` per run, the features, and the M8 columns (NaN if not
    ``m8``). Vectorised over the batch."""
    R = res.R
    f = batch_features(res)
    cols = {"world": pa.array(np.broadcast_to(np.asarray(world, dtype=object), (R,)), type=pa.string()),
            "draw": pa.array(np.asarray(draw, dtype=np.int64)),
            "seed": pa.array(np.asarray(seed, dtype=np.int64))}
    for name in FEATURES:
        cols[name] = pa.array(np.asarray(f[name], dtype=np.float32))
    ll = m8_loglik(res.decisions, R, res.scenario.start) if m8 else {c: np.full(R, np.nan) for c in M8_COLUMNS}
    for c in M8_COLUMNS:
        cols[c] = pa.array(np.asarray(ll[c], dtype=np.float64))
    votes = m8_votes(res.decisions, R, res.scenario.start) if m8 else {c: np.full(R, np.nan) for c in M8_VOTE_COLUMNS}
    for c in M8_VOTE_COLUMNS:
        cols[c] = pa.array(np.asarray(votes[c], dtype=np.float64))
    return pa.table(cols)


@dataclass
class ChunkTask:
    chunk: int
    kind: str                    # "agent" | "null"
    scenario_hash: str
    scenario_blob: bytes
    worlds: list[str]            # per run
    draw: np.ndarray             # [n]
    seed: np.ndarray             # [n]
    names: tuple[str, ...]       # parameter names of ``values``
    values: np.ndarray           # [n, P] each run's free parameter values
    fixed: dict = field(default_factory=dict)


@dataclass
class ChunkResult:
    chunk: int
    n_runs: int
    part: bytes
    seconds: float


_SCENARIOS: dict[str, object] = {}


def _scenario(h: str, blob: bytes):
    s = _SCENARIOS.get(h)
    if s is None:
        if len(_SCENARIOS) > 8:
            _SCENARIOS.clear()
        s = _SCENARIOS[h] = pickle.loads(blob)
    return s


def evaluate(scenario, kind: str, worlds, draw, seed, names, values, fixed=None) -> pa.Table:
    """The rows of one chunk: ONE engine call for the agent worlds (any mix of worlds, draws and seeds), or
    the null model's vectorised simulation. ``scenario`` must end by 2013Q4 (the training window)."""
    if (scenario.end + 1) / 4.0 > TRAINING_END:
        raise SpecError(f"the scenario given to the calibration ends in {quarter_label(scenario.end)}: cut it at "
                        "2013Q4 (sim.scenario.until) - nothing after 2013 may reach a calibration")
    if kind == "null":
        from sim.runs.calibrate.null import simulate_null

        table = pd.DataFrame(np.asarray(values, dtype=float), columns=list(names))
        res = simulate_null(scenario, table, np.asarray(seed, dtype=np.int64))
        return rows_of(res, NULL_WORLD, draw, seed, m8=False)
    from sim.engine import simulate

    fixed = dict(fixed or {})
    params = [{**dict(zip(names, row)), **fixed} for row in np.asarray(values, dtype=float).tolist()]
    res = simulate(scenario, list(worlds), np.asarray(seed, dtype=np.int64), params, keep_states=False)
    return rows_of(res, list(worlds), draw, seed)


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run one chunk (in a worker) and return its Parquet part as bytes."""
    from sim.runs.executors import release_free_memory
    from sim.runs.sweep.store import _parquet_bytes

    t0 = time.perf_counter()
    table = evaluate(_scenario(task.scenario_hash, task.scenario_blob), task.kind, task.worlds, task.draw,
                     task.seed, task.names, task.values, task.fixed)
    part = _parquet_bytes(table)
    del table
    release_free_memory()
    return ChunkResult(task.chunk, len(task.draw), part, time.perf_counter() - t0)


# ----------------------------------------------------------------------------------------------------------
# The plan
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Chunk:
    kind: str            # "agent" | "null"
    world: np.ndarray    # [n] index into ReferencePlan.worlds
    draw: np.ndarray     # [n]
    j: np.ndarray        # [n] seed index 0..seeds-1


@dataclass
class ReferencePlan:
    spec: CalibrationSpec
    draws: pd.DataFrame               # the prior draws (agent worlds)
    null_draws: pd.DataFrame | None   # the null model's own draws, or None (not in the spec / not available)
    null_note: str                    # why the null model is skipped, or ""
    seeds: np.ndarray                 # [draws, seeds] engine seeds (the same in every world)
    worlds: tuple[str, ...]           # the worlds that run (spec order; "null" only if available)
    chunks: list[Chunk]

    @property
    def n_chunks(self) -> int:
        return len(self.chunks)

    def chunk_len(self, c: int) -> int:
        return len(self.chunks[c].draw)

    @property
    def n_runs(self) -> int:
        return sum(len(c.draw) for c in self.chunks)

    def task(self, c: int, scenario_hash: str, blob: bytes) -> ChunkTask:
        ch = self.chunks[c]
        table = self.null_draws if ch.kind == "null" else self.draws
        names = tuple(x for x in table.columns if x != "draw")
        values = table[list(names)].to_numpy(dtype=float)[ch.draw]
        fixed = {} if ch.kind == "null" else self.spec.fixed
        return ChunkTask(c, ch.kind, scenario_hash, blob, [self.worlds[i] for i in ch.world], ch.draw,
                         self.seeds[ch.draw, ch.j], names, values, fixed)


def _split(n: int, size: int) -> list[slice]:
    """``n`` runs in near-equal consecutive pieces of at most ``size``."""
    k = max(1, -(-n // size))
    edges = np.linspace(0, n, k + 1).round().astype(int)
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def lag_groups(draws: pd.DataFrame) -> np.ndarray:
    """``[draws]`` group code: the rounded values of :data:`LAG_PARAMETERS` (those that are free)."""
    keys = [np.maximum(1, np.rint(draws[p].to_numpy(float))).astype(np.int64) for p in LAG_PARAMETERS if p in draws]
    if not keys:
        return np.zeros(len(draws), dtype=np.int64)
    return np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)[1].ravel()


def plan(spec: CalibrationSpec, quiet: bool = False) -> ReferencePlan:
    """The runs of a calibration, in chunks of at most ``spec.chunk``: agent-world chunks first (draws
    ordered by :func:`lag_groups`, then by draw; a draw's runs by world, then seed), then the null model's
    (by draw and seed). Deterministic: the same spec gives the same chunks."""
    dr = prior_draws(spec)
    seeds = run_seed(spec.design_seed, np.arange(spec.draws)[:, None], np.arange(spec.seeds)[None, :])
    null, note = None, ""
    if spec.has_null:
        try:
            from sim.runs.calibrate.prior import null_draws

            null = null_draws(spec)
        except ImportError as exc:
            note = (f"the null model is skipped: sim.runs.calibrate.null is not available ({exc}); the other "
                    "worlds run as planned, and the null model's runs are added when the same command is run "
                    "again once it is there")
            if not quiet:
                print(f"note: {note}", file=sys.stderr)
    worlds = tuple(w for w in spec.worlds if w != NULL_WORLD or null is not None)
    agent = [i for i, w in enumerate(worlds) if w != NULL_WORLD]
    chunks: list[Chunk] = []
    if agent:
        # draws in order of their lag group (then draw), each draw's runs world-major then seed; the sequence
        # is cut into equal chunks, so a chunk spans few lag groups however small the budget
        d = np.argsort(lag_groups(dr), kind="stable")
        W, S = len(agent), spec.seeds
        draw = np.repeat(d, W * S)
        world = np.tile(np.repeat(np.asarray(agent), S), len(d))
        j = np.tile(np.arange(S), len(d) * W)
        for sl in _split(len(draw), spec.chunk):
            chunks.append(Chunk("agent", world[sl], draw[sl], j[sl]))
    if null is not None:
        ni = worlds.index(NULL_WORLD)
        draw = np.repeat(np.arange(spec.draws), spec.seeds)
        j = np.tile(np.arange(spec.seeds), spec.draws)
        for sl in _split(len(draw), spec.chunk):
            chunks.append(Chunk("null", np.full(sl.stop - sl.start, ni), draw[sl], j[sl]))
    return ReferencePlan(spec, dr, null, note, seeds, worlds, chunks)


# ----------------------------------------------------------------------------------------------------------
# The output folder
# ----------------------------------------------------------------------------------------------------------


def part_name(c: int) -> str:
    return f"part-{c:06d}.parquet"


def committed(out: Path) -> set[int]:
    """Chunks whose part is on disk."""
    return committed_chunks(out, REFERENCE)


def calibration_hash(spec: CalibrationSpec) -> str:
    return hashlib.sha256(json.dumps(spec.identity(), sort_keys=True, default=str).encode()).hexdigest()


def file_sha256(path: Path | None) -> str | None:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path is not None and Path(path).is_file() else None


def _new_manifest(p: ReferencePlan) -> dict:
    from sim.runs.sweep.store import _git_commit, _versions, code_fingerprint
    import platform

    s = p.spec
    return {
        "format": FORMAT,
        "name": s.name,
        "description": s.description,
        "spec_path": str(s.path),
        "spec_sha256": s.spec_sha256,
        "calibration_hash": calibration_hash(s),
        "spec": s.identity(),
        "scenario": {"name": s.scenario.name, "path": s.scenario_path, "hash": s.scenario_full_hash,
                     "hash_cut": s.scenario.hash,
                     "train_end": quarter_label(s.train_end)},
        "heldout": {"path": str(s.heldout) if s.heldout else None, "sha256": file_sha256(s.heldout)},
        "record": {"path": str(s.record), "sha256": file_sha256(s.record)},
        "budget": {"worlds": list(s.worlds), "draws": s.draws, "seeds": s.seeds, "runs_per_world": s.runs_per_world,
                   "runs": s.n_runs, "free_parameters": len(s.free), "prior_scale": s.scale, "chunk": s.chunk},
        "draws_sha256": draws_digest(p.draws),
        "null": {"status": "planned" if p.null_draws is not None else ("skipped" if s.has_null else "not asked"),
                 "note": p.null_note,
                 "parameters": [c for c in p.null_draws.columns if c != "draw"] if p.null_draws is not None else None,
                 "draws_sha256": draws_digest(p.null_draws) if p.null_draws is not None else None},
        "provenance": {"versions": _versions(), "code_fingerprint": code_fingerprint(), "git": _git_commit(),
                       "platform": platform.platform()},
        "sessions": [],
        "status": "incomplete",
        "runs_done": 0,
        "chunks": p.n_chunks,
    }


def read_manifest(out) -> dict:
    """A calibration folder's manifest; a one-line :class:`SweepError` if ``out`` is not a calibration folder
    (no manifest, or the manifest of a run, sweep or comparison folder)."""
    m = Path(out) / MANIFEST
    if not m.is_file():
        what = "no such calibration folder" if not Path(out).exists() else f"not a calibration folder (no {MANIFEST})"
        raise SweepError(f"{out}: {what}; write one with 'spiral calibrate SPEC --out DIR'")
    manifest = json.loads(m.read_text())
    if not isinstance(manifest, dict) or "budget" not in manifest:  # every calibration records its budget
        raise SweepError(f"{out}: not a calibration folder (its {MANIFEST} is that of another command's output, "
                         "e.g. 'spiral run' or 'spiral sweep'); write one with 'spiral calibrate SPEC --out DIR'")
    return manifest


def read_complete_manifest(out) -> dict:
    """The manifest of a FINISHED calibration (recovery and SMC read only those: an incomplete reference
    table's budgets would be unequal); a one-line :class:`SweepError` otherwise."""
    manifest = read_manifest(out)
    if manifest.get("status") != "complete":
        raise SweepError(f"{out}: the calibration is not complete ({manifest.get('runs_done', 0):,} runs done); "
                         "finish it with 'spiral calibrate SPEC --out DIR --resume' first")
    return manifest


def write_manifest(out: Path, manifest: dict) -> None:
    _write_manifest(Path(out), manifest)


def _write_parquet(path: Path, df: pd.DataFrame) -> None:
    _atomic_write(path, _parquet_bytes(df))


def _prepare(p: ReferencePlan, out: Path, on_code_change: str) -> dict:
    """Create the folder or check that it holds this same calibration; clean half-written parts."""
    s = p.spec
    mpath = out / MANIFEST
    if mpath.exists():
        manifest = read_same_manifest(out, mpath, FORMAT, "a calibration", "calibration", "calibration_hash",
                                      calibration_hash(s), s.identity())
        if manifest.get("draws_sha256") != draws_digest(p.draws):
            raise SweepError(f"{out}: the prior draws made now differ from those its chunks used (another scipy?); "
                             "delete it or run with the versions of its manifest")
        nd = manifest.get("null", {}).get("draws_sha256")
        if p.null_draws is not None:
            if nd is not None and nd != draws_digest(p.null_draws):
                raise SweepError(f"{out}: the null model's draws changed since its chunks were written; delete "
                                 "its null chunks or the folder")
            manifest["null"] = {"status": "planned", "note": "",
                                "parameters": [c for c in p.null_draws.columns if c != "draw"],
                                "draws_sha256": draws_digest(p.null_draws)}
        check_code(manifest, out, on_code_change)
    else:
        if out.exists() and any(x.name != ".lock" for x in out.iterdir()):
            raise SweepError(f"{out} is not empty and holds no calibration manifest; choose another --out")
        manifest = _new_manifest(p)
    clean_parts(out / REFERENCE)
    _write_parquet(out / DRAWS, p.draws)
    if p.null_draws is not None:
        _write_parquet(out / NULL_DRAWS, p.null_draws)
    return manifest


# ----------------------------------------------------------------------------------------------------------
# The driver
# ----------------------------------------------------------------------------------------------------------


def run_reference(spec: CalibrationSpec, out, executor="local", workers: int | None = None,
                  scheduler: str | None = None, progress: bool = True, *, on_code_change: str = "error",
                  command: str | None = None, max_chunks: int | None = None) -> Path:
    """Run (or finish) the reference table of ``spec`` in ``out``; return ``out``.

    ``executor``: ``"local"``, ``"dask"`` or any ``concurrent.futures.Executor``
    (:func:`sim.runs.executors.open_executor`). Chunks already committed are not run again.
    ``max_chunks`` stops after that many new chunks (tests, trial runs). The loop is that of sweeps
    (:func:`sim.runs.sweep.store.run_chunks`); the manifest adds ``runs_planned`` and each session its
    ``runs_per_second``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    p = plan(spec, quiet=not progress)

    def tasks():
        blob = pickle.dumps(spec.scenario, protocol=pickle.HIGHEST_PROTOCOL)
        h = hashlib.sha256(blob).hexdigest()
        return lambda c: p.task(c, h, blob)

    def commit(c: int, res: ChunkResult) -> None:
        _atomic_write(out / REFERENCE / part_name(c), res.part)  # the commit

    def finish(manifest: dict, session: dict) -> None:
        manifest["runs_planned"] = p.n_runs
        manifest["chunks"] = p.n_chunks
        new = manifest["runs_done"] - session["runs_before"]
        session["runs_per_second"] = round(new / session["seconds"], 2) if session["seconds"] and new else None

    job = ChunkJob(out, p, prepare=lambda: _prepare(p, out, on_code_change), committed=lambda: committed(out),
                   tasks=tasks, worker=run_chunk, commit=commit, finish=finish, smoothing=0.05)
    with one_blas_thread():  # the workers (a Dask LocalCluster's too) run BLAS with one thread
        run_chunks(job, executor, workers, scheduler, progress, command=command, max_chunks=max_chunks)
    return out


# ----------------------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------------------


def load_reference(out, columns=None, worlds=None) -> pd.DataFrame:
    """The reference table of a calibration folder (committed chunks only), sorted by world (spec order),
    draw and seed index. ``columns``: a subset to read; ``worlds``: only these worlds."""
    import pyarrow.parquet as pq

    out = Path(out)
    parts = sorted((out / REFERENCE).glob("part-*.parquet")) if (out / REFERENCE).is_dir() else []
    if not parts:
        read_manifest(out)
        return pd.DataFrame(columns=list(columns or COLUMNS))
    cols = None if columns is None else list(dict.fromkeys(["world", "draw", *columns]))
    filters = [("world", "in", list(worlds))] if worlds is not None else None
    t = pa.concat_tables([pq.read_table(x, columns=cols, filters=filters) for x in parts])
    df = t.to_pandas()
    order = {w: i for i, w in enumerate(read_manifest(out).get("budget", {}).get("worlds", []))}
    rank = df["world"].map(lambda w: order.get(w, len(order))).to_numpy()
    idx = np.lexsort((df["draw"].to_numpy(), rank))  # stable: seeds keep their plan order within a draw
    df = df.iloc[idx].reset_index(drop=True)
    return df if columns is None else df[list(columns)]


def check_budgets(table: pd.DataFrame, draws: int | None = None, seeds: int | None = None) -> pd.DataFrame:
    """Equal budgets, enforced: every world has the same number of runs, as draws × seeds; the agent worlds
    share their (draw, seed) pairs (paired draws and seeds). Returns the runs per world; raises
    :class:`SweepError` (one line) otherwise."""
    n = table.groupby("world", sort=False).size()
    if n.nunique() > 1:
        raise SweepError("unequal budgets: " + ", ".join(f"{w} {k}" for w, k in n.items())
                         + " runs; every world must have the same draws x seeds")
    if draws is not None and seeds is not None and len(n) and int(n.iloc[0]) != draws * seeds:
        raise SweepError(f"each world has {int(n.iloc[0])} runs, not draws x seeds = {draws * seeds}")
    agent = table[table["world"] != NULL_WORLD]
    keys = None
    for w, g in agent.groupby("world", sort=False):
        k = pd.MultiIndex.from_arrays([g["draw"].to_numpy(), g["seed"].to_numpy()]).sort_values()
        if keys is None:
            keys = k
        elif not k.equals(keys):
            raise SweepError(f"world {w!r} was not run on the same (draw, seed) pairs as the others: draws and "
                             "seeds must be paired across worlds")
    return n.rename("runs").reset_index()


__all__ = ["COLUMNS", "KEY_COLUMNS", "LAG_PARAMETERS", "M8_COLUMNS", "M8_VOTE_COLUMNS", "ChunkTask", "ReferencePlan", "check_budgets",
           "committed", "evaluate", "lag_groups", "load_reference", "m8_loglik", "m8_votes", "plan", "read_complete_manifest", "read_manifest",
           "rows_of", "run_chunk", "run_reference"]
