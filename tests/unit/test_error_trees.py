"""The exception trees drawn in the error modules' docstrings are the real class hierarchy.

A drawn tree is read from its docstring: a root line indented four spaces, then one `├── ` / `└── ` line per class,
nested by `│   ` columns. Both directions are checked: every drawn class exists with the drawn parent
(`__subclasses__()`), and every leadsync error class in the code is drawn — the ones each module defines in that
module's own tree.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from mapping.errors import LeadsyncError
from tests.conftest import REPO

DRAWING_MODULES = ("mapping.errors", "connectors.errors")
PRODUCT_PACKAGES = ("mapping", "connectors", "flows", "sandbox")
TREE_LINE = re.compile(r"^ {4}(?P<columns>(?:[│ ] {3})*)(?P<branch>[├└]── )?(?P<name>[A-Z]\w*)")

Edge = tuple[str, str]  # (class, drawn parent)


def drawn_edges(module: ModuleType) -> list[Edge]:
    """(class, parent) for every class below the root of the module docstring's tree, in drawing order."""
    edges: list[Edge] = []
    ancestors: list[str] = []
    for line in (module.__doc__ or "").splitlines():
        found = TREE_LINE.match(line)
        if found is None or (not ancestors and found["branch"]):
            if ancestors:
                break  # the tree has ended
            continue
        depth = len(found["columns"]) // 4 + 1 if found["branch"] else 0
        if depth > len(ancestors):
            pytest.fail(f"{module.__name__}: {found['name']} is drawn deeper than any parent")
        ancestors[depth:] = [found["name"]]
        if depth:
            edges.append((found["name"], ancestors[depth - 1]))
    return edges


def drawn_root(module: ModuleType) -> str:
    for line in (module.__doc__ or "").splitlines():
        found = TREE_LINE.match(line)
        if found and not found["branch"]:
            return found["name"]
    pytest.fail(f"{module.__name__} draws no tree")


def defined_errors() -> dict[str, str]:
    """Every class in the product code that descends from LeadsyncError, by name -> defining module (read from
    the source, so an error in a module nothing imported yet is found too)."""
    classes: list[tuple[str, str, set[str]]] = []  # (name, module, base names)
    for path in _product_files():
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                classes.append((node.name, module, {_base_name(base) for base in node.bases}))
    errors = {LeadsyncError.__name__: LeadsyncError.__module__}
    while new := [(name, module) for name, module, bases in classes if bases & errors.keys() and name not in errors]:
        for name, module in new:
            assert name not in errors, f"two errors named {name}: a drawing could not tell them apart"
            errors[name] = module
    return errors


def _product_files() -> Iterator[Path]:
    for package in PRODUCT_PACKAGES:
        yield from sorted((REPO / package).rglob("*.py"))


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def real_classes() -> dict[str, type[BaseException]]:
    """LeadsyncError and every subclass of it, once each module that defines one is imported."""
    for module in set(defined_errors().values()):
        importlib.import_module(module)
    found: dict[str, type[BaseException]] = {}
    pending: list[type[BaseException]] = [LeadsyncError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending += cls.__subclasses__()
    return found


@pytest.mark.parametrize("module_name", DRAWING_MODULES)
def test_every_drawn_class_exists_under_its_drawn_parent(module_name: str) -> None:
    module = importlib.import_module(module_name)
    classes = real_classes()
    assert drawn_root(module) in classes
    wrong = []
    for name, parent in drawn_edges(module):
        real_children = {child.__name__ for child in classes[parent].__subclasses__()} if parent in classes else set()
        if name not in real_children:
            actual = [base.__name__ for base in classes[name].__bases__] if name in classes else "no such class"
            wrong.append(f"{name} drawn under {parent}; its parents: {actual}")
    assert wrong == []


@pytest.mark.parametrize("module_name", DRAWING_MODULES)
def test_every_error_a_drawing_module_defines_is_in_its_own_tree(module_name: str) -> None:
    module = importlib.import_module(module_name)
    drawn = {drawn_root(module)} | {name for name, _ in drawn_edges(module)}
    defined = {name for name, value in vars(module).items()
               if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == module_name}
    assert defined - drawn == set()


def test_every_leadsync_error_in_the_code_is_drawn_somewhere() -> None:
    drawn: set[str] = set()
    for module_name in DRAWING_MODULES:
        module = importlib.import_module(module_name)
        drawn |= {drawn_root(module)} | {name for name, _ in drawn_edges(module)}
    undrawn = {f"{name} ({module})" for name, module in defined_errors().items() if name not in drawn}
    assert undrawn == set()


def test_the_reader_follows_nesting() -> None:
    module = ModuleType("drawing", """A tree.

    Root                 the root
    ├── Left             a branch
    │   ├── LeftOne
    │   └── LeftTwo
    └── Right
        └── RightOne

Text after the tree: Not a class.
""")
    assert drawn_root(module) == "Root"
    assert drawn_edges(module) == [("Left", "Root"), ("LeftOne", "Left"), ("LeftTwo", "Left"), ("Right", "Root"),
                                   ("RightOne", "Right")]
