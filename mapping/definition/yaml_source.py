"""YAML text to plain data plus a line for every path in it, so validation errors can name file and line.

Pure: parses a string. Duplicate keys, which PyYAML would silently overwrite, are reported as issues, and so
are values no definition needs and that would otherwise crash or hang the parser: self-referencing aliases,
alias bombs, absurd nesting, integers beyond Python's digit limit, impossible dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from mapping.errors import DefinitionIssue

Path = tuple[str | int, ...]

MAX_DEPTH = 50  # a definition nests a handful of levels; deeper is garbage (and would exhaust the stack)
MAX_VALUES = 100_000  # aliases can expand a small file exponentially ("billion laughs")


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
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # the reader already refuses control characters here
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return LocatedDocument(file, None, issues=[DefinitionIssue(file, line, "(syntax)", _yaml_problem(exc))])
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        shown = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        message = f"invalid YAML: control character {shown} is not allowed in a definition file"
        return LocatedDocument(file, None, issues=[DefinitionIssue(file, line, "(syntax)", message)])
    except yaml.YAMLError as exc:
        message = f"invalid YAML: {_one_line(exc)}"
        return LocatedDocument(file, None, issues=[DefinitionIssue(file, 1, "(syntax)", message)])
    except RecursionError:
        return LocatedDocument(file, None, issues=[DefinitionIssue(file, 1, "(syntax)", "invalid YAML: nested too deeply")])
    finally:
        if loader is not None:
            loader.dispose()
    document = LocatedDocument(file, None)
    if node is not None:
        document.data = _Converter(document, loader).convert(node, ())
    return document


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    return _one_line(f"invalid YAML: {problem}" + (f" ({exc.context})" if exc.context else ""))


class _Converter:
    """Walks the node graph into plain data, recording lines; refuses cycles, depth and alias bombs."""

    def __init__(self, document: LocatedDocument, loader: yaml.SafeLoader) -> None:
        self.document = document
        self.loader = loader
        self.open: set[int] = set()  # ids of the nodes on the current path: an alias back into it is a cycle
        self.values = 0
        self.stopped = False  # after the value budget is spent, report once and stop walking

    def convert(self, node: yaml.Node, path: Path) -> Any:
        document = self.document
        document.lines.setdefault(path, node.start_mark.line + 1)
        refusal = self._refusal(node, path)
        if refusal is not None:
            if not self.stopped:
                document.issues.append(document.issue(path, refusal))
            self.stopped = self.stopped or refusal.startswith("the document expands")
            return None
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self.open.add(id(node))
            try:
                if isinstance(node, yaml.MappingNode):
                    return self._mapping(node, path)
                return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]
            finally:
                self.open.discard(id(node))
        return self._scalar(node, path)

    def _refusal(self, node: yaml.Node, path: Path) -> str | None:
        self.values += 1
        if self.stopped or self.values > MAX_VALUES:
            return f"the document expands to more than {MAX_VALUES} values (aliases?); write the values out"
        if id(node) in self.open:
            return "an alias refers to the value that contains it"
        if len(path) > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        return None

    def _scalar(self, node: yaml.Node, path: Path) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:  # e.g. 2026-13-45, a 5,000-digit integer
            self.document.issues.append(self.document.issue(path, f"unreadable value: {_one_line(exc)}"))
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        document = self.document
        result: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if self.stopped:
                break
            key = self.convert(key_node, (*path, "<key>"))
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
            result[key] = self.convert(value_node, key_path)
        return result


def _one_line(message: object) -> str:
    """Issues are one line each (`file:line: field: message`); a multi-line vendor message would break that."""
    return " ".join(str(message).split())[:200]
