"""YAML text to plain data plus a line for every path in it, so validation errors can name file and line.

Pure: parses a string. Duplicate keys, which PyYAML would silently overwrite, are reported as issues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from mapping.errors import DefinitionIssue

Path = tuple[str | int, ...]


@dataclass
class LocatedDocument:
    """Plain data (dicts, lists, scalars) and the 1-based line of each path in it."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    issues: list[DefinitionIssue] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1

    def issue(self, path: Path, message: str) -> DefinitionIssue:
        return DefinitionIssue(self.file, self.line_of(path), format_path(path), message)


def format_path(path: Path) -> str:
    """('stages', 2, 'sla', 'budget') -> 'stages[2].sla.budget'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def parse_yaml(file: str, text: str) -> LocatedDocument:
    """Parse one YAML document; syntax errors and duplicate keys become located issues, never tracebacks."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return LocatedDocument(file, None, issues=[DefinitionIssue(file, line, "(syntax)", _yaml_problem(exc))])
    except yaml.YAMLError as exc:
        return LocatedDocument(file, None, issues=[DefinitionIssue(file, 1, "(syntax)", str(exc))])
    finally:
        loader.dispose()
    document = LocatedDocument(file, None)
    if node is not None:
        document.data = _convert(node, (), document, loader)
    return document


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    return f"invalid YAML: {problem}" + (f" ({exc.context})" if exc.context else "")


def _convert(node: yaml.Node, path: Path, document: LocatedDocument, loader: yaml.SafeLoader) -> Any:
    document.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, document, loader)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), document, loader) for index, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        document.issues.append(document.issue(path, f"unreadable value: {exc}"))
        return None


def _convert_mapping(
    node: yaml.MappingNode, path: Path, document: LocatedDocument, loader: yaml.SafeLoader
) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    first_seen: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = _convert(key_node, (*path, "<key>"), document, loader)
        if not isinstance(key, str | int | float | bool) or key is None:
            document.issues.append(document.issue(path, "mapping keys must be plain text"))
            continue
        key_path: Path = (*path, key if isinstance(key, str | int) else str(key))
        line = key_node.start_mark.line + 1
        if key in first_seen:
            message = f"duplicate key {key!r} (first given on line {first_seen[key]}); each key may appear once"
            document.issues.append(DefinitionIssue(document.file, line, format_path(key_path), message))
            continue
        first_seen[key] = line
        document.lines[key_path] = line
        result[key] = _convert(value_node, key_path, document, loader)
    return result
