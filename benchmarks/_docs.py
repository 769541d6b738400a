"""Shared by the benchmarks: replace one '## ' section of docs/performance.md, keeping the others."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: str | Path, heading: str, body: str) -> None:
    """Put ``heading`` + ``body`` in place of that section (or append it)."""
    path = Path(path)
    doc = path.read_text() if path.exists() else "# Performance\n"
    section = f"{heading}\n\n{body.rstrip()}\n"
    if heading in doc:
        head, _, rest = doc.partition(heading)
        tail = rest[rest.find("\n## "):] if "\n## " in rest else ""
        doc = head + section + tail
    else:
        doc = doc.rstrip() + "\n\n" + section
    path.write_text(doc)
