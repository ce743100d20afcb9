"""Scenario 6, bad input: the small versions of every row, a hypothesis fuzzer over definitions, and regressions."""

from __future__ import annotations

import tempfile
from pathlib import Path

import bad_input
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapping.definition.parse import parse_definition
from mapping.errors import DefinitionError

mutations = st.builds(
    bad_input.Mutation,
    kind=st.sampled_from(bad_input.MUTATION_KINDS),
    file=st.sampled_from(bad_input.DEFINITION_FILES),
    position=st.integers(min_value=0, max_value=1 << 16),
    payload=st.one_of(st.sampled_from(bad_input.PAYLOADS), st.text(max_size=40)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutations, min_size=1, max_size=4))
def test_a_mutated_definition_loads_or_fails_with_located_errors(edits: list[bad_input.Mutation]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "definitions"
        bad_input.write_mutated(directory, edits)
        kind, detail = bad_input.definition_outcome(directory)
    assert kind in {"valid", "located"}, detail


def _sources(**replacements: tuple[str, str]) -> dict[str, str]:
    texts = {name: (bad_input.DEFINITIONS / name).read_text() for name in bad_input.DEFINITION_FILES}
    for key, (old, new) in replacements.items():
        name = f"{key}.yaml"
        assert old in texts[name]
        texts[name] = texts[name].replace(old, new, 1)
    return texts


# Each of these raised a bare exception (a traceback) before the parser learned to refuse it with a location.
REGRESSIONS = {
    "integer over Python's digit limit": (_sources(lifecycle=("version: 1", "version: " + "9" * 5000)), 4, "unreadable"),
    "impossible date": (_sources(calendar=("2026-12-24", "2026-13-45")), 15, "month must be in 1..12"),
    "alias that contains itself": (_sources(lifecycle=("version: 1", "version: &a [*a]")), 4, "alias refers"),
    "nesting deeper than the stack": (_sources(lifecycle=("version: 1", "version: " + "[" * 5000 + "]" * 5000)), 1,
                                      "nested too deeply"),
    "control character": (_sources(calendar=("timezone:", "\x00timezone:")), 2, "U+0000"),
    "budget beyond timedelta": (_sources(lifecycle=("budget: 4h", "budget: 99999999999999999999h")), 28,
                                "longer than 10000 business hours"),
}


@pytest.mark.parametrize("case", REGRESSIONS, ids=list(REGRESSIONS))
def test_former_tracebacks_are_located_definition_errors(case: str) -> None:
    sources, line, message = REGRESSIONS[case]
    with pytest.raises(DefinitionError) as raised:
        parse_definition(sources)
    assert any(issue.line == line and message in issue.message for issue in raised.value.issues), raised.value
    assert all("\n" not in str(issue) for issue in raised.value.issues)


def test_an_alias_bomb_is_refused_quickly() -> None:
    levels = "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 9))
    sources = _sources(lifecycle=("version: 1", "l0: &l0 [x, x, x, x, x, x, x, x, x]\n" + levels + "version: 1"))
    with pytest.raises(DefinitionError, match="expands to more than"):
        parse_definition(sources)


def test_a_nan_threshold_is_not_a_number_value() -> None:
    with pytest.raises(DefinitionError, match="nan is not a number value"):
        parse_definition(_sources(lifecycle=("value: 50", "value: .nan")))


def test_fuzzed_definitions() -> None:
    row = bad_input.definitions_row(full=False)
    assert row.passed, row.line()
    assert row.figures["tracebacks"] == 0 and row.figures["located_errors"] > 0


def test_garbage_records_are_quarantined_and_good_ones_planned() -> None:
    row = bad_input.garbage_row(full=False)
    assert row.passed, row.line()
    assert row.figures["crashes"] == 0 and row.figures["quarantined"] > 0


def test_bad_cli_arguments_and_flow_parameters_fail_clearly() -> None:
    row = bad_input.cli_row(full=False)
    assert row.passed, row.line()
    assert row.figures["tracebacks"] == 0


@pytest.mark.e2e
def test_garbage_and_injection_records_in_the_sandbox() -> None:
    row = bad_input.sandbox_row(full=False)
    assert row.passed, row.line()
    assert row.figures["soql_refused"] == 0 and row.figures["inflated_matches"] == 0
