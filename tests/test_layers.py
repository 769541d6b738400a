"""The layers depend one way (README, "Layout"): scenarios → mechanisms → engine → Mesa face →
runs → faces. Checked on the imports of every module (ast), so a violation fails here."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
FORBIDDEN = {
    "sim/scenario": ("sim.mechanisms", "sim.engine", "sim.model", "sim.runs", "sim.faces", "mesa"),
    "sim/mechanisms": ("sim.engine", "sim.model", "sim.runs", "sim.faces", "mesa", "pandas"),
    "sim/engine": ("sim.model", "sim.runs", "sim.faces", "mesa", "pandas"),
    "sim/runs": ("sim.faces",),
}


def imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
    return out


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    bad = [f"{p.relative_to(SIM.parent)} imports {m}" for p in sorted((SIM.parent / layer).rglob("*.py"))
           for m in imports(p) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN[layer])]
    assert not bad, "\n".join(bad)
