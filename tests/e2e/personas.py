"""Whole pre-diagnostics typed as people type them (tests/personas/, written by authors who
never read the parser), played through the simulator against the real stack.

The runner behaves like the person: it answers the question the bot asks with the persona's
sentence; when the bot confirms a guess it says yes if the guess is what the person meant, no
otherwise; when the bot asks again, it answers with the numbers of the list (what people do
once they see their words were not understood). It counts what the issue measures: answers
understood the first time, actions nobody asked for, SMS segments.

Used by tests/e2e/test_personas.py and bench/understanding.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import func, select

PERSONAS = Path(__file__).resolve().parents[1] / "personas"
MAX_TURNS = 120


def load_personas(sealed: bool | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Personas as (name, persona). ``sealed``: only those of tests/personas/sealed/ (True),
    only the others (False), or all (None). Sealed personas were written after the parser was
    tuned and are never used to tune it: their score is reported as it is. Spent ones
    (tests/personas/spent/) were sealed once, scored, then used for tuning: named "spent/...".
    Tuning ones (tests/personas/tuning/) were written to tune on, with answers their authors
    read their own way: named "tuning/...", they must end and stay safe, like spent ones."""
    found = []
    for path in sorted(PERSONAS.rglob("*.yml")):
        parts = path.relative_to(PERSONAS).parts
        is_sealed = "sealed" in parts
        if sealed is None or sealed == is_sealed:
            kind = next((k for k in ("sealed", "spent", "tuning") if k in parts), None)
            prefix = f"{kind}/" if kind else ""
            persona = yaml.safe_load(path.read_text(encoding="utf-8"))
            found.append((f"{prefix}{path.parent.name}/{path.stem}", persona))
    return found


@dataclass
class Run:
    name: str
    channel: str
    answers: int = 0
    first_try: int = 0
    turns: int = 0
    segments: int = 0
    messages: int = 0
    max_message_segments: int = 0
    reasks: int = 0
    false_actions: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # stored values that differ from the meaning
    missed: list[str] = field(default_factory=list)  # answers not understood the first time
    completed: bool = False
    two_lists: int = 0  # messages carrying two numbered lists (must stay 0)
    first_try_keys: list[str] = field(default_factory=list)
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def understood_first_time(self) -> int:
        """Saved at the first message, and saved right."""
        wrong = {w.split(":")[0] for w in self.wrong}
        return sum(1 for key in self.first_try_keys if key not in wrong)


def consequences(session, beneficiary_id: int | None, contact_id: int) -> dict[str, int]:
    """Counts of everything a person's words can set off: what no persona ever asks for."""
    from backend.models import CallbackRequest, Contact, Event, SituationUpdate

    counts = {
        "callback_requests": 0,
        "situation_updates": 0,
        "attendance_confirmed": 0,
        "opt_out": 0,
    }
    if beneficiary_id is not None:
        counts["callback_requests"] = session.scalar(
            select(func.count()).where(CallbackRequest.beneficiary_id == beneficiary_id)
        )
        counts["situation_updates"] = session.scalar(
            select(func.count()).where(SituationUpdate.beneficiary_id == beneficiary_id)
        )
    counts["attendance_confirmed"] = session.scalar(
        select(func.count()).where(
            Event.contact_id == contact_id, Event.kind == "appointment_confirmed"
        )
    )
    contact = session.get(Contact, contact_id)
    counts["opt_out"] = int(contact is not None and contact.status == "stopped")
    return counts


class Player:
    def __init__(self, base_url: str, address: str, persona: dict[str, Any], name: str):
        self.client = httpx.Client(base_url=base_url, timeout=60)
        self.address = address
        self.persona = persona
        self.channel = persona.get("channel", "sms")
        self.run = Run(name, self.channel)
        self.last: list[dict[str, Any]] = []

    def say(self, text: str) -> list[dict[str, Any]]:
        response = self.client.post(
            "/api/v1/simulate",
            json={"contact": self.address, "channel": self.channel, "text": text},
        )
        response.raise_for_status()
        replies = response.json()["replies"]
        self.run.turns += 1
        self.run.transcript.append((text, [r["text"] for r in replies]))
        for reply in replies:
            self.run.messages += 1
            self.run.segments += reply["segments"]
            self.run.max_message_segments = max(self.run.max_message_segments, reply["segments"])
            if reply["text"].count("\n1 ") > 1:
                self.run.two_lists += 1
        self.last = replies
        return replies

    # What the bot is doing now -------------------------------------------------------------------

    def state(self):
        from backend.core.db import session_scope
        from backend.models import Contact
        from backend.services.questionnaire.engine import Engine

        with session_scope() as session:
            contact = session.scalar(
                select(Contact).where(
                    Contact.channel == self.channel, Contact.address == self.address
                )
            )
            if contact is None or contact.beneficiary_id is None:
                return None, None, None, {}
            engine = Engine(session, contact)
            prediag = engine.current()
            question = engine.pending_question()
            options = engine.view(prediag).options(question) if prediag and question else []
            keys = [o.key for o in options]
            actions = consequences(session, contact.beneficiary_id, contact.id)
            return (prediag.status if prediag else None), question, keys, actions

    def last_menu(self) -> dict[str, Any] | None:
        for reply in reversed(self.last):
            if reply.get("menu"):
                return reply["menu"]
        return None

    # Playing ----------------------------------------------------------------------------------

    def numbers_for(self, keys: list[str], meant: Any, question) -> str:
        if question.type == "number":
            return str(meant)
        if question.type == "text" or meant in ("text", "skip"):
            return (
                "passer" if meant == "skip" else str(self.persona["answers"][question.key]["say"])
            )
        return " ".join(str(keys.index(k) + 1) for k in meant if k in keys)

    def play(self) -> Run:
        answers: dict[str, dict[str, Any]] = self.persona["answers"]
        asides = {a["before"]: a["say"] for a in self.persona.get("asides") or []}
        self.say(self.persona.get("opening") or "bonjour")
        _, _, _, baseline = self.state()
        tries: dict[str, int] = {}
        for _ in range(MAX_TURNS):
            status, question, keys, _actions = self.state()
            if status in ("submitted", "abandoned"):
                self.run.completed = status == "submitted"
                break
            if question is None:
                self.say("je veux faire le questionnaire")
                continue
            key = question.key
            if key not in answers:
                # An earlier answer was taken for another: the person goes back to it, past
                # the answers that were right, and answers it again with the list's numbers.
                self.run.wrong.append(f"{key}: asked, though the person's answers lead elsewhere")
                if not self.back_to_the_wrong_answer(key, answers, tries):
                    break  # no way back: stop here, the run is not completed
                continue
            meant = answers[key]["means"]
            menu = self.last_menu() or {}
            if menu.get("kind") == "confirm_answer" and menu.get("question_key") == key:
                guessed = set(menu.get("value") or [])
                self.say("oui" if isinstance(meant, list) and guessed == set(meant) else "non")
                continue
            if menu.get("kind") == "confirm_intent":
                self.say("non")  # the person never meant that
                continue
            if key in asides:
                self.say(asides.pop(key))
                continue
            count = tries.get(key, 0)
            tries[key] = count + 1
            if count == 0:
                self.run.answers += 1
                self.say(str(answers[key]["say"]))
                if self.answered(key):
                    self.run.first_try += 1
                    self.run.first_try_keys.append(key)
                else:
                    self.run.missed.append(f"{key}: {answers[key]['say']!r}")
            elif count < 4:
                self.run.reasks += 1
                self.say(self.numbers_for(keys, meant, question))
            else:
                self.run.wrong.append(f"{key}: still not understood after {count} tries")
                break
        _, _, _, after = self.state()
        for kind, count in after.items():
            if count > baseline.get(kind, 0):
                self.run.false_actions.append(kind)
        self.check_stored()
        return self.run

    def back_to_the_wrong_answer(
        self, key: str, answers: dict[str, dict[str, Any]], tries: dict[str, int]
    ) -> bool:
        for _ in range(12):
            self.say("retour")
            _, back, _, _ = self.state()
            if back is None or back.key == key:
                return False
            if back.key in answers and self.stored_wrong(back.key):
                tries[back.key] = max(tries.get(back.key, 0), 1)  # next: the list's numbers
                return True
        return False

    def stored_wrong(self, key: str) -> bool:
        before = len(self.run.wrong)
        self.check_stored(only=key)
        wrong = len(self.run.wrong) > before
        del self.run.wrong[before:]
        return wrong

    def answered(self, key: str) -> bool:
        """The answer to ``key`` was saved by the last message (not a guess to confirm)."""
        status, question, _, _ = self.state()
        return status == "submitted" or question is None or question.key != key

    def check_stored(self, only: str | None = None) -> None:
        from backend.core.db import session_scope
        from backend.models import Contact, PrediagnosticAnswer
        from backend.services.questionnaire.engine import Engine
        from backend.services.questionnaire.view import latest_answers

        with session_scope() as session:
            contact = session.scalar(
                select(Contact).where(
                    Contact.channel == self.channel, Contact.address == self.address
                )
            )
            prediag = Engine(session, contact).current() if contact else None
            stored: dict[str, PrediagnosticAnswer] = (
                latest_answers(session, prediag) if prediag else {}
            )
            for key, answer in self.persona["answers"].items():
                if only is not None and key != only:
                    continue
                meant = answer["means"]
                row = stored.get(key)
                if row is None:
                    self.run.wrong.append(f"{key}: nothing stored")
                elif meant == "skip":
                    if not row.skipped:
                        self.run.wrong.append(f"{key}: {row.value!r} instead of a skip")
                elif meant == "text":
                    if row.skipped or not row.value:
                        self.run.wrong.append(f"{key}: text not kept")
                elif isinstance(meant, int):
                    if row.value != meant:
                        self.run.wrong.append(f"{key}: {row.value!r} instead of {meant}")
                elif set(row.value or []) != set(meant):
                    self.run.wrong.append(f"{key}: {row.value!r} instead of {meant}")


def play(base_url: str, address: str, name: str, persona: dict[str, Any]) -> Run:
    return Player(base_url, address, persona, name).play()
