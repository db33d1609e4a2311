"""The event log's kinds are one vocabulary (backend/services/events.py): every kind the code
writes is a member of ``EventKind``, and ``record_event`` is the only way to write one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.models import Event
from backend.services.events import EventKind, record_event

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    path
    for folder in ("backend", "channels", "bot/actions", "scripts")
    for path in sorted((ROOT / folder).rglob("*.py"))
]
HELPER = ROOT / "backend" / "services" / "events.py"
# The action server's own door: it records kinds of its own (today only nlu_fallback).
BOT_ROUTE = ROOT / "backend" / "api" / "routes" / "bot.py"


def _calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def test_no_event_is_built_by_hand():
    """An ``Event(...)`` outside the helper could carry a kind nobody reads back."""
    offenders = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in SOURCES
        if path not in (HELPER, BOT_ROUTE)
        for call in _calls(path, "Event")
        if isinstance(call.func, ast.Name)  # threading.Event() is another thing
    ]
    assert offenders == []


def _kind_argument(call: ast.Call) -> ast.expr | None:
    if len(call.args) >= 2:
        return call.args[1]
    return next((k.value for k in call.keywords if k.arg == "kind"), None)


def test_every_literal_kind_written_is_a_member():
    """Kinds written as ``EventKind.x`` or as a string must exist; other expressions (a
    constant, a mapping) hold members, checked at run time by the helper."""
    unknown = []
    for path in SOURCES:
        if path == HELPER:
            continue
        for call in _calls(path, "record_event"):
            kind = _kind_argument(call)
            if isinstance(kind, ast.Constant) and kind.value not in EventKind.__members__:
                unknown.append(f"{path.relative_to(ROOT)}:{call.lineno} {kind.value!r}")
            if (
                isinstance(kind, ast.Attribute)
                and isinstance(kind.value, ast.Name)
                and kind.value.id == "EventKind"
                and kind.attr not in EventKind.__members__
            ):
                unknown.append(f"{path.relative_to(ROOT)}:{call.lineno} {kind.attr}")
    assert unknown == []


def test_kinds_the_bot_sends_are_members():
    """The action server's record_event calls (bot/actions) name kinds of the enum too."""
    kinds = [
        kind.value
        for path in sorted((ROOT / "bot" / "actions").rglob("*.py"))
        for call in _calls(path, "record_event")
        if isinstance(kind := (call.args[1] if len(call.args) > 1 else None), ast.Constant)
    ]
    assert kinds, "the fallback action records nlu_fallback"
    assert set(kinds) <= set(EventKind)


def test_members_are_their_own_values():
    """The column keeps plain strings: a member's name is its value, so rows written before
    the enum read the same and a grep for the string finds the writer."""
    assert all(kind.name == kind.value for kind in EventKind)
    assert all(len(kind.value) <= 50 for kind in EventKind)  # events.kind is String(50)


@pytest.fixture
def session(sqlite_url):
    from backend.core.db import get_sessionmaker

    with get_sessionmaker()() as session:
        yield session


def test_record_event_refuses_an_unknown_kind(session):
    with pytest.raises(ValueError):
        record_event(session, "prediag_answer_savd")


def test_record_event_writes_the_row(session):
    event = record_event(session, EventKind.retention_purged, data={"days": 180})
    session.flush()
    stored = session.scalar(select(Event).where(Event.id == event.id))
    assert stored is not None
    assert (stored.kind, stored.data) == ("retention_purged", {"days": 180})
    assert record_event(session, "staff_login").data == {}
