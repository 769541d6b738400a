"""Output folders that are either complete or untouched.

A command that writes a finished result (``spiral run``, ``compare``, ``attribute``) writes it into a
temporary folder beside the target — same parent, so the final move is a rename on one file system —
and moves it into place only when everything is written. A command that fails or is interrupted leaves
an earlier result in the target folder exactly as it was.

Resumable commands (sweeps) do not use this: they keep writing into their own folder as they go.

>>> with atomic_output_dir("runs/historical") as tmp:
...     (tmp / "manifest.json").write_text("{}")
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from sim.errors import SpiralError
from sim.runs.executors import process_alive


def _remove_stale(parent: Path, name: str) -> None:
    """Remove temporary folders that a killed command left for this target (their process is gone)."""
    for kind in ("tmp", "old"):
        for p in parent.glob(f".{name}.{kind}-*"):
            pid = p.name.rsplit("-", 1)[-1]
            if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def atomic_output_dir(path: str | Path) -> Iterator[Path]:
    """Yield a fresh temporary folder ``PARENT/.NAME.tmp-PID``; on success, replace ``path`` by it.

    On an exception (a user error, a bug, Ctrl-C) the temporary folder is removed and ``path`` is left
    untouched. ``path`` must be a folder or not exist (checked before any work, as a one-line error).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise SpiralError(f"{path} exists and is not a folder; choose another --out")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpiralError(f"cannot create the folder {parent}: {exc.strerror or exc}") from None
    _remove_stale(parent, path.name)
    tmp = parent / f".{path.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
    except OSError as exc:
        raise SpiralError(f"cannot write into {parent}: {exc.strerror or exc}") from None
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if path.is_dir():  # replace the old result only now that the new one is complete
        old = parent / f".{path.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(path)


__all__ = ["atomic_output_dir"]
