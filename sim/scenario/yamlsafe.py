"""Safe YAML loading that remembers where every value came from.

Scenario errors must name the file and the line (docs/scenario-format.md), so mappings and sequences
are loaded as :class:`LineDict` / :class:`LineList`, which carry the file, their own line and the line
of each key or item. Only PyYAML's safe constructors are used; python tags are refused, and anchors
and aliases are refused outright (no alias bombs). Duplicate keys are errors, not silent overwrites.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from sim.errors import SpiralError


class ScenarioError(SpiralError):
    """A one-line, user-facing error: ``file:line: problem``."""

    def __init__(self, file: str | Path | None, line: int | None, message: str):
        self.file = str(file) if file is not None else None
        self.line = line
        self.message = message
        if self.file is None:  # no file (a command-line option, a Python dict): the problem alone
            super().__init__(f"line {line}: {message}" if line else message)
            return
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {message}")


def nearest(name: str, choices) -> str:
    """A 'did you mean' suffix for a misspelt name ('' when nothing is close)."""
    match = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


class LineDict(dict):
    file: str = "<python>"
    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


class LineList(list):
    file: str = "<python>"
    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if index < len(lines) else self.line


_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available (fast)


def _make_loader(file: str):
    class Loader(_BASE_LOADER):
        pass

    def construct_mapping(self, node, deep=False):
        out = LineDict()
        out.file, out.line, out.key_lines = file, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ScenarioError(file, key_node.start_mark.line + 1, f"unsupported mapping key {key!r}")
            if key in out:
                raise ScenarioError(file, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def construct_sequence(self, node, deep=False):
        out = LineList(self.construct_object(child, deep=True) for child in node.value)
        out.file, out.line = file, node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out

    Loader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    Loader.add_constructor("tag:yaml.org,2002:seq", construct_sequence)
    return Loader


def _refuse_anchors(text: str, file: str) -> None:
    """Anchors and aliases are refused before anything is built (no alias bombs)."""
    if "&" not in text and "*" not in text:
        return
    for token in yaml.scan(text, Loader=_BASE_LOADER):
        if isinstance(token, yaml.AliasToken):
            raise ScenarioError(file, token.start_mark.line + 1, "YAML aliases (*name) are not allowed in scenarios")
        if isinstance(token, yaml.AnchorToken):
            raise ScenarioError(file, token.start_mark.line + 1,
                                f"YAML anchors (&{token.value}) are not allowed in scenarios")


def load_yaml(path: str | Path):
    """Load one YAML file safely, with line information. Errors are :class:`ScenarioError`."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(file, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(file, None, f"cannot read file: {exc}") from None
    try:
        _refuse_anchors(text, file)
        data = yaml.load(text, Loader=_make_loader(file))  # noqa: S506 - a SafeLoader subclass
    except ScenarioError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "could not determine a constructor" in str(exc):
            problem = "unsupported YAML tag (only plain data is allowed: " + problem.split("tag")[-1].strip() + ")"
        raise ScenarioError(file, mark.line + 1 if mark else None, f"invalid YAML: {problem}") from None
    if data is None:
        data = LineDict()
        data.file, data.line, data.key_lines = file, 1, {}
    return data
