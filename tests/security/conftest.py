"""Hostile input at every edge: the app with every webhook configured (against local fakes),
on SQLite and on PostgreSQL.

Property tests run twice: bounded and derandomized in ``make test``; with many more examples
and a fixed seed in ``make fuzz`` (marker ``fuzz``; ``FUZZ_EXAMPLES`` sets the budget).
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from tests.channels.conftest import (  # noqa: F401 - fixtures
    channels_env,
    fake_telegram,
    fake_twilio,
    make_client,
    telegram,
    twilio,
)
from tests.fakes.rasa import FakeRasa

RDV_SECRET = "lapin-secret-for-tests"
# Status codes answered per test, printed at the end of the run: how many examples ran and
# how many were accepted (a property that only ever sees 400s proves little).
OUTCOMES: defaultdict[str, Counter[int]] = defaultdict(Counter)


def record_outcome(status: int) -> None:
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0].split("::")[-1]
    OUTCOMES[test][status] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if not OUTCOMES:
        return
    terminalreporter.section("hostile input: requests per test and status")
    for test, statuses in sorted(OUTCOMES.items()):
        spread = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
        terminalreporter.write_line(f"{test}: {sum(statuses.values())} ({spread})")


@dataclass(frozen=True)
class Budget:
    """How hard a property is tried: ``examples(n)`` settings for a property worth n."""

    fuzz: bool

    def examples(self, bounded: int) -> settings:
        """``bounded`` examples in make test; in make fuzz FUZZ_EXAMPLES for a property worth
        40 in make test, the others in proportion (ten times as many by default)."""
        count = bounded
        if self.fuzz:
            fuzz_examples = int(os.environ.get("FUZZ_EXAMPLES") or 400)
            count = max(bounded, fuzz_examples * bounded // 40)
        return settings(
            max_examples=count,
            deadline=None,
            derandomize=not self.fuzz,  # make fuzz fixes the seed with --hypothesis-seed
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )


@pytest.fixture(params=["bounded", pytest.param("fuzz", marks=pytest.mark.fuzz)])
def budget(request) -> Budget:
    return Budget(fuzz=request.param == "fuzz")


@pytest.fixture(scope="session")
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def edge(channels_env, fake_rasa, database_url, monkeypatch) -> Iterator[TestClient]:  # noqa: F811
    """Every webhook and the simulator configured; Rasa is a fake that always answers."""
    from backend.core.config import get_settings

    monkeypatch.setenv("RASA_URL", fake_rasa.url)
    monkeypatch.setenv("RDV_SOLIDARITES_WEBHOOK_SECRET", RDV_SECRET)
    monkeypatch.setenv("SIMULATOR_OPEN", "true")
    get_settings.cache_clear()
    with make_client() as client:
        yield client
