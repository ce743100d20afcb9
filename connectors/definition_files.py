"""Reads a definition directory from disk and hands the text to the pure parser."""

from __future__ import annotations

from pathlib import Path

from mapping.definition.models import Definition
from mapping.definition.parse import DEFINITION_FILES, parse_definition
from mapping.errors import DefinitionError, DefinitionIssue

DEFAULT_DIRECTORY = Path("definitions")


def read_definition_sources(directory: Path) -> dict[str, str]:
    """The text of each definition file present in `directory` (missing files are reported by the parser)."""
    if not directory.is_dir():
        raise DefinitionError([DefinitionIssue(str(directory), 1, "(directory)", "not a directory of definition files")])
    sources: dict[str, str] = {}
    for name in DEFINITION_FILES:
        path = directory / name
        if path.is_file():
            try:
                sources[name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise DefinitionError([DefinitionIssue(str(path), 1, "(file)", f"not UTF-8 text: {exc.reason}")]) from None
    return sources


def load_definition(directory: Path | None = None) -> Definition:
    """Read and validate a definition; errors name paths relative to the directory as given.

    None means ./definitions: an entry point that honours LEADSYNC_DEFINITIONS resolves it first
    (`connectors.settings.definitions_directory`)."""
    where = DEFAULT_DIRECTORY if directory is None else directory
    sources = read_definition_sources(where)
    try:
        return parse_definition(sources)
    except DefinitionError as exc:
        located = [
            DefinitionIssue(str(where / issue.file), issue.line, issue.field, issue.message) for issue in exc.issues
        ]
        raise DefinitionError(located) from None
