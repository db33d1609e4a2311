"""Messages the bot did not understand, their assignment to an intent, and the NLU export.

An assignment is an ``nlu_fallback_assigned`` event (the latest one per fallback counts), so
the log keeps who decided what and when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Account, Contact, Event
from backend.services.events import EventKind, record_event

FALLBACK, ASSIGNED = EventKind.nlu_fallback, EventKind.nlu_fallback_assigned
IGNORED = ""  # assigning to no intent sets a message aside

INTENTS_FILE = Path(__file__).resolve().parents[2] / "bot" / "domain" / "intents.yml"
CONTRACT_INTENTS = [
    "greet", "goodbye", "thanks", "affirm", "deny", "help", "start_prediagnostic",
    "ask_next_appointment", "cannot_attend", "confirm_attendance", "update_situation",
    "request_referent", "stop", "delete_data", "out_of_scope",
]  # fmt: skip


@lru_cache
def intents() -> list[str]:
    """The bot's intents (the NLU contract, plus any added since), nlu_fallback excepted."""
    try:
        declared = yaml.safe_load(INTENTS_FILE.read_text(encoding="utf-8")).get("intents", [])
        names = [i if isinstance(i, str) else next(iter(i)) for i in declared]
    except (OSError, yaml.YAMLError, AttributeError):
        names = []
    names = [n for n in names if n != "nlu_fallback"]
    return names or list(CONTRACT_INTENTS)


@dataclass
class Fallback:
    event: Event
    channel: str | None
    intent: str | None  # None: not assigned yet; "": set aside
    assigned_by: str | None
    assigned_at: datetime | None

    @property
    def text(self) -> str:
        return str((self.event.data or {}).get("text") or "")

    @property
    def best_guess(self) -> str | None:
        return (self.event.data or {}).get("best_guess")

    @property
    def question(self) -> str | None:
        """The questionnaire question this message answered (None: outside the questionnaire)."""
        key = (self.event.data or {}).get("question_key")
        if not key:
            return None
        from backend.services.questionnaire.schema import QuestionnaireError, load_questionnaire

        try:
            question = load_questionnaire().question(str(key))
        except QuestionnaireError:
            question = None
        return question.text if question else str(key)

    @property
    def answer_guess(self) -> str | None:
        """The options the engine thought of for an answer it did not take as said."""
        keys = (self.event.data or {}).get("answer_guess") or []
        key = (self.event.data or {}).get("question_key")
        if not keys or not key:
            return None
        from backend.services.questionnaire.schema import QuestionnaireError, load_questionnaire

        try:
            question = load_questionnaire().question(str(key))
        except QuestionnaireError:
            return ", ".join(keys)
        options = [question.option(k) for k in keys] if question else []
        return ", ".join(o.sms for o in options if o) or None

    @property
    def confidence(self) -> float | None:
        value = (self.event.data or {}).get("confidence")
        return float(value) if isinstance(value, int | float) else None


def assignments(session: Session) -> dict[int, Event]:
    latest: dict[int, Event] = {}
    for event in session.scalars(select(Event).where(Event.kind == ASSIGNED).order_by(Event.id)):
        target = (event.data or {}).get("fallback_event_id")
        if isinstance(target, int):
            latest[target] = event
    return latest


def list_fallbacks(session: Session, show: str = "todo", limit: int = 200) -> list[Fallback]:
    assigned = assignments(session)
    emails = dict(session.execute(select(Account.id, Account.email)).all())
    query = (
        select(Event, Contact.channel)
        .outerjoin(Contact, Contact.id == Event.contact_id)
        .where(Event.kind == FALLBACK)
        .order_by(Event.id.desc())
    )
    result = []
    for event, channel in session.execute(query):
        decision = assigned.get(event.id)
        intent = (decision.data or {}).get("intent") if decision else None
        if (show == "todo" and decision) or (show == "done" and not decision):
            continue
        result.append(
            Fallback(
                event=event,
                channel=channel,
                intent=intent,
                assigned_by=emails.get(decision.account_id)
                if decision and decision.account_id is not None
                else None,
                assigned_at=decision.created_at if decision else None,
            )
        )
        if len(result) >= limit:
            break
    return result


def assign(session: Session, account: Account, fallback_id: int, intent: str) -> Event:
    event = session.get(Event, fallback_id)
    if event is None or event.kind != FALLBACK:
        raise LookupError("unknown fallback")
    if intent != IGNORED and intent not in intents():
        raise ValueError("unknown intent")
    decision = record_event(
        session,
        ASSIGNED,
        account_id=account.id,
        data={
            "fallback_event_id": fallback_id,
            "intent": intent,
            "text": (event.data or {}).get("text"),
        },
    )
    session.flush()
    return decision


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def training_example(text: str) -> str:
    """One line, no Rasa entity markup (square brackets would start an annotation)."""
    text = _CONTROL.sub(" ", text).replace("[", "(").replace("]", ")")
    return " ".join(text.split())


def nlu_yaml(session: Session) -> str:
    by_intent: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for fallback in reversed(list_fallbacks(session, show="done", limit=100_000)):
        if not fallback.intent:
            continue
        example = training_example(fallback.text)
        if not example or (fallback.intent, example.casefold()) in seen:
            continue
        seen.add((fallback.intent, example.casefold()))
        by_intent.setdefault(fallback.intent, []).append(example)
    lines = [
        "# Messages the bot did not understand, assigned to an intent by a coordinator.",
        "# Paste into bot/data/nlu/ (check the phrasings first).",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(by_intent, key=lambda i: ([*intents(), i]).index(i)):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in by_intent[intent])
    if not by_intent:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"
