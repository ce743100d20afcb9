"""The `world` fixture: each behaviour runs once per world of its module's `WORLDS` (see worlds.py).

`@pytest.mark.cassettes("salesforce", …)` adds those systems' recorded traffic; `@pytest.mark.worlds(…)` names the
worlds of one behaviour instead (one the others cannot show, such as a flag field being cleared).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.ports.worlds import World, open_world


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cassettes(*systems): the behaviour also runs on these systems' recorded traffic")
    config.addinivalue_line("markers", "worlds(*names): the worlds this behaviour runs on, instead of the module's")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "world" not in metafunc.fixturenames:
        return
    only = metafunc.definition.get_closest_marker("worlds")
    names = list(only.args) if only else list(metafunc.module.WORLDS)
    recorded = metafunc.definition.get_closest_marker("cassettes")
    names += [f"{system}-cassette" for system in (recorded.args if recorded else ())]
    metafunc.parametrize("world", names, indirect=True)


@pytest.fixture
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with open_world(request.param, request) as opened:
        yield opened
