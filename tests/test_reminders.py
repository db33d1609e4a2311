"""Appointment reminders with a controlled clock, run by the real queue and worker code."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.core import clock
from backend.core.db import session_scope
from backend.models import (
    Appointment,
    AppointmentReminder,
    AppointmentStatus,
    Beneficiary,
    Contact,
    Event,
    Message,
    Structure,
    Task,
)
from backend.services import appointments, queue, reminders
from backend.worker import run_pending
from tests.support.database import reset_caches

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def now(database_url) -> Iterator[clock.FrozenClock]:
    """Monday 1 March 2027, 10:00 in Paris (the queue and the reminders follow this clock)."""
    frozen = clock.FrozenClock(paris(1, 10))
    clock.set_now(frozen)
    yield frozen
    clock.reset()


def person(session, phone: str = "+33611111111", **contact_fields) -> Beneficiary:
    structure = Structure(name="Mission locale Test", address="3 rue Neuve, 69001 Lyon")
    session.add(structure)
    session.flush()
    beneficiary = Beneficiary(
        first_name="Lina", last_name="Test", birth_date=date(2000, 1, 2), structure_id=structure.id
    )
    session.add(beneficiary)
    session.flush()
    fields = {"verified": True, **contact_fields}
    session.add(Contact(beneficiary_id=beneficiary.id, channel="sms", address=phone, **fields))
    session.flush()
    return beneficiary


def book(session, beneficiary: Beneficiary, starts_at: datetime) -> Appointment:
    return appointments.create(
        session,
        beneficiary.id,
        beneficiary.structure_id,
        appointments.AppointmentFields(starts_at=starts_at, with_whom="Claire Martin"),
    )


def reminder_messages() -> list[Message]:
    with session_scope() as session:
        return [
            m
            for m in session.scalars(select(Message).where(Message.direction == "out"))
            if m.payload.get("kind") == "reminder"
        ]


def reminder_tasks() -> list[Task]:
    with session_scope() as session:
        return list(session.scalars(select(Task).where(Task.kind == reminders.TASK_KIND)))


def test_sent_once_at_48_hours_with_confirm_and_cannot_attend_options(now):
    with session_scope() as session:
        book(session, person(session), paris(3, 14, 30))  # Wednesday 14:30
    [task] = reminder_tasks()
    assert task.run_at == paris(1, 14, 30)
    assert run_pending("w1") == 0 and reminder_messages() == []
    now.set(paris(1, 14, 30))
    run_pending("w1")
    [message] = reminder_messages()
    assert message.text.startswith(
        "Rappel de votre RDV : mercredi 3/3 à 14h30, Mission locale Test"
    )
    assert message.text.endswith("1 Je confirme\n2 Je ne peux pas venir\nRépondez 1 ou 2")
    assert [b["payload"] for b in message.payload["buttons"]] == [
        "/confirm_attendance",
        "/cannot_attend",
    ]
    assert message.in_reply_to_id is None and message.encoding == "GSM-7"
    now.advance(hours=3)
    run_pending("w1")
    assert len(reminder_messages()) == 1


def test_quiet_hours_shift_a_reminder_earlier_never_into_the_night(now):
    with session_scope() as session:
        someone = person(session)
        early = book(session, someone, paris(4, 7, 30))  # 48 h before: Tuesday 07:30
        late = book(session, someone, paris(5, 21, 0))  # 48 h before: Wednesday 21:00
        early_id, late_id = early.id, late.id
    run_at = {t.payload["appointment_id"]: t.run_at for t in reminder_tasks()}
    assert run_at[early_id] == paris(1, 20, 0)  # the evening before, not 07:30
    assert run_at[late_id] == paris(3, 20, 0)


def test_a_late_worker_does_not_text_at_night_it_waits_for_the_morning(now):
    with session_scope() as session:
        book(session, person(session), paris(3, 19, 0))  # reminder due Monday 19:00
    now.set(paris(1, 22, 30))  # the worker was down until 22:30
    run_pending("w1")
    assert reminder_messages() == []
    [task] = reminder_tasks()
    assert (task.status, task.run_at) == ("pending", paris(2, 8, 0))
    now.set(paris(2, 8, 0))
    run_pending("w1")
    assert len(reminder_messages()) == 1


def test_a_moved_appointment_is_reminded_for_its_new_time_only(now):
    with session_scope() as session:
        appointment = book(session, person(session), paris(3, 14, 30))
        appointments.update(session, appointment, {"starts_at": paris(5, 9, 0)})
    now.set(paris(1, 14, 30))  # the old reminder time: nothing goes out
    run_pending("w1")
    assert reminder_messages() == []
    now.set(paris(3, 9, 0))
    run_pending("w1")
    [message] = reminder_messages()
    assert "vendredi 5/3 à 9h" in message.text


def test_moving_after_the_reminder_sends_a_new_one_and_clears_the_confirmation(now):
    with session_scope() as session:
        appointment_id = book(session, person(session), paris(3, 14, 30)).id
    now.set(paris(1, 15, 0))
    run_pending("w1")
    with session_scope() as session:
        appointment = session.get(Appointment, appointment_id)
        appointment.confirmed_at = clock.now()
        appointments.update(session, appointment, {"starts_at": paris(4, 16, 0)})
        assert appointment.confirmed_at is None
    now.set(paris(2, 16, 0))
    run_pending("w1")
    texts = [m.text for m in reminder_messages()]
    assert len(texts) == 2 and "jeudi 4/3 à 16h" in texts[1]


def test_cancelled_or_past_appointments_are_not_reminded(now):
    with session_scope() as session:
        someone = person(session)
        cancelled = book(session, someone, paris(3, 14, 30))
        appointments.update(session, cancelled, {"status": AppointmentStatus.revoked})
        book(session, someone, paris(1, 9, 0))  # already over
    assert len(reminder_tasks()) == 1  # the past one was never queued
    now.set(paris(1, 14, 30))
    run_pending("w1")
    assert reminder_messages() == []
    assert [t.status for t in reminder_tasks()] == ["done"]


def test_cancelled_then_restored_is_reminded_again(now):
    with session_scope() as session:
        appointment_id = book(session, person(session), paris(3, 14, 30)).id
        appointment = session.get(Appointment, appointment_id)
        appointments.update(session, appointment, {"status": AppointmentStatus.revoked})
    now.set(paris(1, 14, 30))
    run_pending("w1")  # dropped
    with session_scope() as session:
        appointment = session.get(Appointment, appointment_id)
        appointments.update(session, appointment, {"status": AppointmentStatus.unknown})
    run_pending("w1")
    assert len(reminder_messages()) == 1


def test_a_stopped_contact_never_gets_a_reminder(now):
    with session_scope() as session:
        book(session, person(session, status="stopped"), paris(3, 14, 30))
    now.set(paris(1, 14, 30))
    run_pending("w1")
    assert reminder_messages() == []
    with session_scope() as session:
        [event] = session.scalars(select(Event).where(Event.kind == "reminder_not_sent")).all()
        assert event.data["reason"] == "no active verified contact"


def test_stopping_after_the_reminder_was_queued_suppresses_it(now):
    with session_scope() as session:
        book(session, person(session), paris(3, 14, 30))
    now.set(paris(1, 14, 30))
    with session_scope() as session:  # the reminder task alone: the send task stays queued
        task = queue.claim_next(session, "w1", {reminders.TASK_KIND})
        payload = dict(task.payload)
    assert reminders.send_due(payload) == "sent"
    with session_scope() as session:
        session.scalars(select(Contact)).one().status = "stopped"
    run_pending("w1")
    [message] = reminder_messages()
    assert message.status == "suppressed"


def test_unverified_contacts_do_not_get_appointment_details(now):
    with session_scope() as session:
        book(session, person(session, verified=False), paris(3, 14, 30))
    now.set(paris(1, 14, 30))
    run_pending("w1")
    assert reminder_messages() == []


def test_two_workers_send_each_reminder_exactly_once(now):
    with session_scope() as session:
        for n in range(12):
            someone = person(session, phone=f"+336111100{n:02d}")
            book(session, someone, paris(3, 10 + n % 8, 0))
    now.set(paris(2, 19, 0))  # every reminder is due
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(worker_id: str) -> None:
        try:
            barrier.wait()
            run_pending(worker_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    messages = reminder_messages()
    assert len(messages) == 12
    assert len({m.contact_id for m in messages}) == 12
    workers = {t.locked_by for t in reminder_tasks()}
    assert workers == {None}  # all finished and released


def test_the_same_reminder_handled_twice_at_once_is_sent_once(now):
    """A retried task racing its first run (worker thought dead): the unique row decides."""
    with session_scope() as session:
        book(session, person(session), paris(3, 14, 30))
    [task] = reminder_tasks()
    now.set(paris(1, 14, 30))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        outcomes.append(reminders.send_due(dict(task.payload)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["already sent", "sent"]
    assert len(reminder_messages()) == 1


def test_reminders_survive_a_restart_and_a_worker_dying_mid_task(now):
    with session_scope() as session:
        book(session, person(session), paris(3, 14, 30))
    reset_caches()  # a new process: nothing in memory, only the database
    now.set(paris(1, 14, 30))
    with session_scope() as session:
        assert queue.claim_next(session, "dead-worker", {reminders.TASK_KIND}) is not None
    run_pending("w2")
    assert reminder_messages() == []  # still leased by the dead worker
    now.advance(seconds=queue.LEASE_SECONDS + 1)
    with session_scope() as session:
        assert queue.recover_stale(session) == 1
    run_pending("w2")
    assert len(reminder_messages()) == 1


def test_late_booking_gets_one_catch_up_reminder(now):
    with session_scope() as session:
        book(session, person(session), paris(2, 11, 0))  # tomorrow: 48 h is already past
    [task] = reminder_tasks()
    assert task.run_at == paris(1, 10, 0)
    run_pending("w1")
    assert len(reminder_messages()) == 1


def test_changed_offsets_apply_to_upcoming_appointments(now):
    with session_scope() as session:
        appointment_id = book(session, person(session), paris(4, 15, 0)).id
        settings = reminders.save_settings(
            session, offsets_hours=[48, 2], quiet_start="09:00", quiet_end="19:00", account=None
        )
    assert settings.offsets_hours == (48, 2)
    tasks = {t.payload["offset_hours"]: t.run_at for t in reminder_tasks()}
    assert tasks == {48: paris(2, 15, 0), 2: paris(4, 13, 0)}
    with session_scope() as session:
        reminders.save_settings(
            session, offsets_hours=[2], quiet_start="09:00", quiet_end="19:00", account=None
        )
    now.set(paris(2, 15, 0))
    run_pending("w1")  # the 48 h reminder is no longer configured
    assert reminder_messages() == []
    now.set(paris(4, 13, 0))
    run_pending("w1")
    with session_scope() as session:
        [sent] = session.scalars(select(AppointmentReminder)).all()
        assert (sent.appointment_id, sent.offset_hours) == (appointment_id, 2)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("", "at least one"), ("0", "between 1"), ("abc", "whole numbers")],
)
def test_bad_offsets_are_refused(raw, problem):
    with pytest.raises(reminders.InvalidReminderSettings, match=problem):
        reminders.parse_offsets(raw)


def test_quiet_hours_must_be_a_window():
    assert reminders.parse_quiet_hours("8h-20h30") == (
        datetime(2000, 1, 1, 8).time(),
        datetime(2000, 1, 1, 20, 30).time(),
    )
    for raw in ("20:00-08:00", "25:00-26:00", "8"):
        with pytest.raises(reminders.InvalidReminderSettings):
            reminders.parse_quiet_hours(raw)


def test_dst_change_keeps_local_times():
    settings = reminders.default_settings()
    # The night French clocks go forward (28 March 2027): 20:00 local is still 20:00 local.
    shifted = settings.latest_allowed(paris(28, 7, 0) - timedelta(hours=0))
    assert shifted.astimezone(PARIS) == paris(27, 20, 0)
