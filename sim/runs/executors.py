"""Executors for sweeps: a local process pool or a Dask cluster, behind one ``concurrent.futures`` face.

A sweep only ever calls ``executor.submit(fn, task)`` and waits on the returned futures, so any
``concurrent.futures.Executor`` works. This module builds the two that the command line offers:

- ``local`` — a :class:`concurrent.futures.ProcessPoolExecutor` (``forkserver`` start method on Linux, with
  the sweep module preloaded so that workers start in milliseconds, ``spawn`` elsewhere);
- ``dask`` — ``distributed.Client(...).get_executor()``, on a new :class:`distributed.LocalCluster`
  (``workers`` processes, one thread each, on 127.0.0.1, no dashboard) or on an existing scheduler given by
  its address (``tcp://host:8786``) — which is how a SLURM cluster started with ``dask-jobqueue`` is used
  (see docs/sweeps.md).

:func:`open_executor` is a context manager yielding an :class:`ExecutorHandle`: the executor, how many tasks
it can usefully run at once (``capacity()``, asked again as the sweep goes, since a Dask cluster can grow),
and a one-line description for the manifest.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sim.errors import SpiralError

EXECUTORS = ("local", "dask")


class ExecutorError(SpiralError, RuntimeError, ValueError):
    """An executor could not be started (one line, for the command line; also a ValueError for it)."""


@dataclass
class ExecutorHandle:
    executor: cf.Executor
    capacity: Callable[[], int]  # worker slots available now (>= 1)
    description: str
    kind: str
    workers: int | None


def default_workers() -> int:
    """Cores this process may use (respects CPU affinity / cgroup pinning where the OS exposes it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


_LIBC_TRIM = None
_FROZEN = False


def release_free_memory() -> None:
    """Free the finished runs of a chunk now and give the memory back to the operating system. Called by a
    worker after each chunk.

    Objects in reference cycles (a Mesa model's wrapped ``step``, event generator and schedule; a toy or user
    backend's) are freed only by Python's cyclic collector, whose full passes come rarely once a process holds
    many long-lived objects; glibc then keeps the freed numpy buffers in a fragmented heap. Measured with the
    one-run-at-a-time Mesa model in one worker running chunks of 50 historical runs: resident memory
    195 → 244 MiB over 2,500 runs without this, flat at 181 MiB with a full collection and ``malloc_trim(0)``
    after each chunk (the engine's batched chunks hold one batch's arrays, released here too). After the first
    collection everything still alive (modules, caches, the compiled scenario) is moved out of the collector's
    sight (``gc.freeze``), so later collections look only at what the last chunk made: a few ms instead of
    ~40 ms per chunk.
    ``malloc_trim`` is glibc's; elsewhere only the collection runs."""
    global _FROZEN, _LIBC_TRIM
    gc.collect()
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True
    if _LIBC_TRIM is None:
        _LIBC_TRIM = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _LIBC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):  # not glibc (musl, ...)
                _LIBC_TRIM = False
    if _LIBC_TRIM:
        _LIBC_TRIM(0)


def _process_context():
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        # the workers fork from a server that has already imported the sweep machinery (numpy, pandas,
        # pyarrow, mesa): no per-worker import cost, and no fork of a threaded parent.
        main_spec = getattr(sys.modules.get("__main__"), "__spec__", None)
        main_name = getattr(main_spec, "name", None)  # `python -m sim.runs.sweep`: do not import it twice
        ctx.set_forkserver_preload([m for m in ("sim.runs.sweep", "mesa", "sim.runs.single") if m != main_name])
        return ctx
    return multiprocessing.get_context("spawn")


def process_alive(pid: int) -> bool:
    """Is process ``pid`` running (not a zombie)? Shared by the sweep's workers and the CLI's output folders."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _watch_parent(pid: int) -> None:
    """Pool worker initializer: exit when the sweep process is gone (even after ``kill -9``), instead of
    waiting forever on a task queue whose other end no one will write to again."""
    import threading
    import time

    def watch():
        while process_alive(pid):
            time.sleep(1.0)
        os._exit(3)

    threading.Thread(target=watch, name="sweep-parent-watch", daemon=True).start()


@contextlib.contextmanager
def open_executor(
    kind: str | cf.Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[ExecutorHandle]:
    """Start the executor a sweep runs on, and shut it down afterwards.

    ``kind`` is ``"local"``, ``"dask"`` or an already built ``concurrent.futures.Executor`` (used as is and
    not shut down here; ``workers`` then tells the sweep how many tasks to keep in flight).
    """
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise ExecutorError(f"--workers must be a positive integer, not {workers!r}")
    if isinstance(kind, cf.Executor):
        n = workers or default_workers()
        yield ExecutorHandle(kind, lambda: n, f"{type(kind).__name__} (given), {n} slots", "custom", workers)
        return
    if kind == "local":
        if scheduler is not None:
            raise ExecutorError("--scheduler is only for --executor dask")
        n = workers or default_workers()
        with one_blas_thread():  # a worker is one core's worth of runs: no BLAS threads on top of it
            pool = cf.ProcessPoolExecutor(max_workers=n, mp_context=_process_context(),
                                          initializer=_watch_parent, initargs=(os.getpid(),))
            try:
                yield ExecutorHandle(pool, lambda: n, f"local process pool, {n} workers", "local", n)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        return
    if kind == "dask":
        with _dask_executor(workers, scheduler) as handle:
            yield handle
        return
    raise ExecutorError(f"unknown executor {kind!r}: choose one of {', '.join(EXECUTORS)}")


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def one_blas_thread():
    """Worker processes started inside this block run their BLAS with one thread (unless the user set these
    variables): a worker is one core's worth of runs, and OpenBLAS's own threads on top of it oversubscribe
    the cores — measured on the 2-core machine, 6.4 ms of CPU per run with one thread against 15-17 ms with
    the default two (docs/performance.md). The variables are read when a worker imports numpy,
    so they are set before the pool starts and restored afterwards."""
    old = {k: os.environ.get(k) for k in BLAS_THREADS}
    for k in BLAS_THREADS:
        os.environ.setdefault(k, "1")
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def _dask_executor(workers: int | None, scheduler: str | None) -> Iterator[ExecutorHandle]:
    try:
        import distributed
    except ImportError:  # pragma: no cover - dask is a dependency
        raise ExecutorError("--executor dask needs dask[distributed]: pip install 'dask[distributed]'") from None
    import logging

    # Dask logs every worker start and stop at INFO: keep the terminal for the progress bar.
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.WARNING)
    cluster = None
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = distributed.Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
            stack.callback(client.close)
            if workers:
                # an existing cluster sizes itself; wait until the requested number of workers has joined
                client.wait_for_workers(workers, timeout=600)
            else:
                client.wait_for_workers(1, timeout=600)
            description = f"dask scheduler {scheduler}"
        else:
            n = workers or default_workers()
            # worker processes start with SIGINT ignored: Ctrl-C reaches the sweep, which saves what finished
            # and closes the cluster, instead of every worker printing a KeyboardInterrupt traceback
            with _sigint_ignored():
                cluster = distributed.LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            stack.callback(cluster.close)
            client = distributed.Client(cluster)
            stack.callback(client.close)
            description = f"dask LocalCluster, {n} worker processes"

        def capacity() -> int:
            try:
                return max(1, sum(client.nthreads().values()))
            except Exception:  # the scheduler is briefly unreachable: keep going with what is in flight
                return 1

        executor = client.get_executor(pure=False)
        yield ExecutorHandle(executor, capacity, description, "dask", workers)
