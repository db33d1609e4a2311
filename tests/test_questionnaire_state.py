"""The questionnaire state as a dataclass reads and writes back exactly the JSON stored."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from backend.services.questionnaire.state import QuestionnaireState

keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=12)
stored = st.fixed_dictionaries(
    {},
    optional={
        "asked_key": keys,
        "asked_at": st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
        "cursor": st.none() | keys,
        "history": st.lists(keys, max_size=5),
        "failures": st.dictionaries(keys, st.integers(1, 9), max_size=3),
        "paused": st.just(True),
        "closing_said": st.just(True),
        "ended": st.sampled_from(["consent_refused", "consent_withdrawn"]),
        "added_later": st.integers(),  # a key this code does not know stays
    },
)


@given(stored)
def test_a_stored_state_round_trips_exactly(data: dict) -> None:
    assert QuestionnaireState.from_json(data).to_json() == data


def test_fields_are_typed_and_cleared_flags_go() -> None:
    state = QuestionnaireState.from_json(
        {"asked_key": "q1", "asked_at": "2026-01-02T03:04:05+00:00", "paused": True}
    )
    assert state.asked_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    state.paused = False
    state.failures["q1"] = 1
    assert state.to_json() == {
        "asked_key": "q1",
        "asked_at": "2026-01-02T03:04:05+00:00",
        "failures": {"q1": 1},
    }
    assert QuestionnaireState.from_json(None).to_json() == {}
