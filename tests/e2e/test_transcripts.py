"""Personas of the pre-diagnostic, played through the real stack (simulator -> gateway -> Rasa
-> actions -> backend engine), one YAML file each in tests/transcripts/."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from backend.core.db import session_scope
from backend.models import (
    Consent,
    Contact,
    Event,
    Prediagnostic,
    PrediagnosticAnswer,
    SituationItem,
)
from backend.services.questionnaire.engine import latest_prediagnostic, summary
from backend.services.questionnaire.state import QuestionnaireState
from tests.e2e.personas import consequences
from tests.e2e.transcripts import check_reply, load_transcripts

pytestmark = pytest.mark.e2e

_telegram_ids = itertools.count(910_000_000)
MAX_SEGMENTS_PER_MESSAGE = 2


def contact_of(address: str, channel: str) -> Contact:
    with session_scope() as session:
        contact = session.scalar(
            select(Contact).where(Contact.address == address, Contact.channel == channel)
        )
        assert contact is not None
        session.expunge(contact)
        return contact


def wait_hours(address: str, channel: str, hours: float) -> None:
    """Time passes: the question was asked ``hours`` earlier than recorded."""
    contact = contact_of(address, channel)
    with session_scope() as session:
        prediag = latest_prediagnostic(session, contact.beneficiary_id)
        state = QuestionnaireState.from_json(prediag.state)
        assert state.asked_at is not None
        state.asked_at -= timedelta(hours=hours)
        prediag.state = state.to_json()


def restart_tracker(stack, address: str, channel: str) -> None:
    """The conversation is lost on Rasa's side (new tracker): only the backend remembers."""
    contact = contact_of(address, channel)
    response = httpx.post(
        f"{stack.rasa_url}/conversations/{contact.id}/tracker/events",
        json={"event": "restart"},
        timeout=30,
    )
    assert response.status_code == 200, response.text


def check_backend(address: str, channel: str, expected: dict[str, Any]) -> None:  # noqa: C901 - one check per transcript key
    contact = contact_of(address, channel)
    if "contact_status" in expected:
        assert contact.status == expected["contact_status"]
    if "identification" in expected:
        with session_scope() as session:
            contact_row = session.get(Contact, contact.id)
            assert contact_row.beneficiary.identification == expected["identification"]
    if expected.get("prediagnostics") == 0:  # nothing kept (a refused consent)
        with session_scope() as session:
            assert latest_prediagnostic(session, contact.beneficiary_id) is None
            consents = session.scalars(
                select(Consent.given).where(Consent.beneficiary_id == contact.beneficiary_id)
            ).all()
            assert consents == expected.get("consents", consents)
            answers = session.scalar(
                select(func.count())
                .select_from(PrediagnosticAnswer)
                .join(Prediagnostic)
                .where(Prediagnostic.beneficiary_id == contact.beneficiary_id)
            )
            assert answers == 0
        return
    with session_scope() as session:
        prediag = latest_prediagnostic(session, contact.beneficiary_id)
        assert prediag is not None
        held = summary(session, prediag)
        if "status" in expected:
            assert held["status"] == expected["status"]
        answers = {a["question_key"]: a for a in held["answers"]}
        for key, value in (expected.get("answers") or {}).items():
            assert key in answers, f"no answer to {key}"
            assert answers[key]["value"] == value, (key, answers[key])
        for key in expected.get("skipped") or []:
            assert answers[key]["skipped"], key
        for key in expected.get("unanswered") or []:
            assert key not in answers, key
        for field, value in (expected.get("orientation") or {}).items():
            assert held["orientation"][field] == value, (field, held["orientation"][field])
        live = {(s["theme_key"], s["label"]) for s in held["situations"]}
        for theme, label in expected.get("situations") or []:
            assert (theme, label) in live, (theme, label, live)
        for theme, label in expected.get("not_situations") or []:
            assert (theme, label) not in live, (theme, label)
        if "situation_count" in expected:
            assert len(live) == expected["situation_count"], live
        removed = {
            (r.theme_key, r.label)
            for r in session.scalars(
                select(SituationItem).where(
                    SituationItem.prediagnostic_id == prediag.id,
                    SituationItem.status == "removed",
                    SituationItem.supersedes_id.is_not(None),
                )
            )
        }
        for theme, label in expected.get("removed_situations") or []:
            assert (theme, label) in removed, (theme, label, removed)
        for item in held["situations"]:
            assert item["status"] == "declared"
            assert item["source"]["channel"] == channel
            assert item["source"]["message_ids"][0] is not None
        for wanted in expected.get("projects") or []:
            assert any(all(p[k] == v for k, v in wanted.items()) for p in held["projects"]), (
                wanted,
                held["projects"],
            )
        if "priorities" in expected:
            assert held["priorities"] == expected["priorities"]
        if "pouvoir_d_agir" in expected:
            assert held["pouvoir_d_agir"] == expected["pouvoir_d_agir"]
        rows = Counter(
            session.scalars(
                select(PrediagnosticAnswer.question_key).where(
                    PrediagnosticAnswer.prediagnostic_id == prediag.id
                )
            )
        )
        for key, count in (expected.get("answer_rows") or {}).items():
            assert rows[key] == count, (key, rows)
        consents = session.scalars(
            select(Consent.given)
            .where(Consent.beneficiary_id == contact.beneficiary_id)
            .order_by(Consent.id)
        ).all()
        if "consents" in expected:
            assert consents == expected["consents"]
        events = Counter(
            dict(
                session.execute(
                    select(Event.kind, func.count())
                    .where(Event.contact_id == contact.id)
                    .group_by(Event.kind)
                ).all()
            )
        )
        for kind, count in (expected.get("events") or {}).items():
            assert events[kind] == count, (kind, events)
        prediags = session.scalar(
            select(func.count()).where(Prediagnostic.beneficiary_id == contact.beneficiary_id)
        )
        if "prediagnostics" in expected:
            assert prediags == expected["prediagnostics"]


@pytest.mark.parametrize(
    ("name", "transcript"), load_transcripts(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_transcript(name, transcript, chat, stack, e2e_db, new_phone, enrol):
    channel = transcript.get("channel", "sms")
    address = new_phone if channel in ("sms", "whatsapp") else str(next(_telegram_ids))
    if "enrolled" in transcript:  # a known person of the demo structure, maybe with a RDV
        enrol(**(transcript["enrolled"] or {}))
    person = chat(address, channel)
    segments = 0
    per_step: list[tuple[str, list[int]]] = []
    for number, step in enumerate(transcript["steps"], start=1):
        if "wait_hours" in step:
            wait_hours(address, channel, step["wait_hours"])
            continue
        if step.get("restart_tracker"):
            restart_tracker(stack, address, channel)
            continue
        replies = person.say(str(step["say"]))
        text = "\n".join(r["text"] for r in replies)
        where = f"{name} step {number} ({step['say']!r}) got:\n{text}"
        problems = check_reply(step, text)
        assert not problems, f"{where}\n" + "\n".join(problems)
        if "buttons" in step:
            titles = [b["title"] for r in replies for b in r["buttons"]]
            assert titles[: len(step["buttons"])] == step["buttons"], where
        # One numbered menu at a time: never two lists in one message.
        assert all(r["text"].count("\n1 ") <= 1 for r in replies), where
        per_step.append((str(step["say"]), [r["segments"] for r in replies]))
        for reply in replies:
            if channel == "sms":
                assert reply["encoding"] == "GSM-7", where
                assert reply["segments"] <= MAX_SEGMENTS_PER_MESSAGE, where
            segments += reply["segments"]
    if "max_segments" in transcript:
        assert segments <= transcript["max_segments"], (segments, per_step)
    if "backend" in transcript:
        check_backend(address, channel, transcript["backend"])
    wanted = transcript.get("consequences")
    if wanted is not None:  # what the person's words set off (callbacks, updates, STOP...)
        contact = contact_of(address, channel)
        with session_scope() as session:
            done = consequences(session, contact.beneficiary_id, contact.id)
        for kind, count in wanted.items():
            assert done[kind] == count, (kind, done)
