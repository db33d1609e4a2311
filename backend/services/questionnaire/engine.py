"""The pre-diagnostic engine: which question comes next, what an answer means, and how it is
stored as declarations (answers, Carnet de bord situations, professional projects), append-only.

Everything the person says is saved at once: a pre-diagnostic left half-way is kept, and resumes
at the first unanswered question. Nothing is overwritten: a re-given answer is a new row (the
latest counts), a situation no longer declared gets a new 'removed' row pointing to the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from backend.models import (
    Beneficiary,
    Consent,
    Contact,
    Event,
    Prediagnostic,
    PrediagnosticAnswer,
    utcnow,
)

from .declarations import projects_from, sync_projects, sync_situations
from .parser import Parsed, parse_answer
from .render import Prompt, render_question, render_text
from .schema import Option, Question, Questionnaire, load_questionnaire
from .summary import freins_from, summary
from .view import View, _yes_key, latest_answers, latest_prediagnostic

CONSENT_KIND = "prediagnostic"
# Intents that, when the text is no answer, are a digression handled by their own flow.
DIGRESSION_INTENTS = {
    "ask_next_appointment",
    "cannot_attend",
    "confirm_attendance",
    "request_referent",
    "delete_data",
    # Not update_situation: "j'ai bossé l'an dernier" answers the questionnaire, it is about
    # the person's situation; the engine asks again rather than leaving it.
}
# A free-text answer ("vendeuse, caissière", "conseillère") reads like a situation update or a
# referent request to the NLU: on free-text questions only these unmistakable ones digress.
TEXT_DIGRESSION_INTENTS = {
    "ask_next_appointment",
    "cannot_attend",
    "confirm_attendance",
    "delete_data",
}
INTENT_THRESHOLD = 0.6
TEXT_DIGRESSION_THRESHOLD = 0.8  # free-text questions accept anything: be surer before leaving


@dataclass
class Outcome:
    """What the engine made of a message. status: accepted | unclear | not_an_answer | done."""

    status: str
    detail: str
    question_key: str | None
    prediagnostic_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "detail": self.detail,
            "question_key": self.question_key,
            "prediagnostic_id": self.prediagnostic_id,
        }


class Engine:
    def __init__(
        self, session: Session, contact: Contact, questionnaire: Questionnaire | None = None
    ) -> None:
        self.session = session
        self.contact = contact
        self.q = questionnaire or load_questionnaire()

    # Beneficiary and pre-diagnostic -------------------------------------------------------------

    def beneficiary(self) -> Beneficiary:
        """The person behind the contact; an unknown number gets a 'pending' beneficiary."""
        if self.contact.beneficiary is None:
            beneficiary = Beneficiary(identification="pending")
            self.session.add(beneficiary)
            self.session.flush()
            self.contact.beneficiary_id = beneficiary.id
            self.session.flush()
            self.session.refresh(self.contact)
        assert self.contact.beneficiary is not None
        return self.contact.beneficiary

    def current(self) -> Prediagnostic | None:
        return latest_prediagnostic(self.session, self.contact.beneficiary_id)

    def start(self) -> tuple[Prediagnostic, bool]:
        """The pre-diagnostic in progress (or submitted); a new one after a refusal or none."""
        beneficiary = self.beneficiary()
        prediag = latest_prediagnostic(self.session, beneficiary.id)
        if prediag is not None and prediag.status != "abandoned":
            return prediag, False
        prediag = Prediagnostic(
            beneficiary_id=beneficiary.id,
            status="in_progress",
            channel=str(self.contact.channel),
            questionnaire_version=f"v{self.q.version}-{self.q.digest}",
            state={},
        )
        self.session.add(prediag)
        self.session.flush()
        return prediag, True

    def view(self, prediag: Prediagnostic) -> View:
        return View(self.q, latest_answers(self.session, prediag))

    # Asking ----------------------------------------------------------------------------------------

    def ask(self) -> dict[str, Any]:
        """The message to show now: the current question (with a note: not understood, resumed...),
        or a closing text when the pre-diagnostic is over."""
        prediag = self.current()
        if prediag is None:
            prediag, _ = self.start()
        channel = str(self.contact.channel)
        state = dict(prediag.state or {})
        if prediag.status != "in_progress":
            if prediag.status == "abandoned":
                text = self.q.messages.refused
            elif state.get("closing_said"):
                text = self.q.messages.already_submitted
            else:
                text = self.q.messages.submitted
            state["closing_said"] = True
            prediag.state = state
            return self._reply("done", None, prediag, render_text(text, channel))
        note = state.pop("note", None)
        if note == "paused":
            prediag.state = state
            return self._reply(
                "paused", None, prediag, render_text(self.q.messages.paused, channel)
            )
        if note == "offer":
            prediag.state = state
            key = state.get("cursor") or state.get("asked_key")
            return self._reply("offer", key, prediag, render_text(self.q.messages.offer, channel))
        if note == "confirm_no":
            prediag.state = state
            key = state.get("asked_key")
            return self._reply(
                "asking", key, prediag, render_text(self.q.messages.confirm_no, channel)
            )
        view = self.view(prediag)
        question = view.next_question(state.get("cursor"))
        if question is None:  # every question answered but not submitted: should not happen
            prediag.state = state
            return self._reply(
                "done", None, prediag, render_text(self.q.messages.submitted, channel)
            )
        prompt = render_question(
            self.q,
            question,
            view.options(question),
            channel,
            note=note,
            summary=self._summary_text(view),
        )
        state.update(asked_key=question.key, asked_at=utcnow().isoformat())
        prediag.state = state
        self._event("prediag_question_asked", prediag, question.key)
        return self._reply("asking", question.key, prediag, prompt)

    def _reply(
        self, status: str, key: str | None, prediag: Prediagnostic, prompt: Prompt
    ) -> dict[str, Any]:
        return {
            "status": status,
            "question_key": key,
            "prediagnostic_id": prediag.id,
            "text": prompt.text,
            "buttons": prompt.buttons,
        }

    # Answering -------------------------------------------------------------------------------------

    def answer(
        self,
        text: str,
        *,
        intent: str | None = None,
        confidence: float | None = None,
        message_id: int | None = None,
    ) -> Outcome:
        prediag = self.current()
        if prediag is None or prediag.status != "in_progress":
            return Outcome("done", "no pre-diagnostic in progress", None, prediag and prediag.id)
        state = dict(prediag.state or {})
        view = self.view(prediag)
        question = view.next_question(state.get("cursor"))
        if question is None:
            return Outcome("done", "nothing left to ask", None, prediag.id)
        confident = confidence is not None and confidence >= INTENT_THRESHOLD

        if state.pop("paused", False):  # back after a pause: show the question again
            return self._note(prediag, state, question, "resumed")

        options = view.options(question)
        parsed = self._parse_with_offer(question, options, text, state)

        # A free-text question takes anything, so a plain digression must not become an answer.
        if (
            question.type == "text"
            and parsed.kind == "answer"
            and intent in TEXT_DIGRESSION_INTENTS
            and (confidence or 0) >= TEXT_DIGRESSION_THRESHOLD
        ):
            return Outcome("not_an_answer", intent or "", question.key, prediag.id)

        if parsed.kind == "unclear":
            if intent in DIGRESSION_INTENTS and confident:
                return Outcome("not_an_answer", intent or "", question.key, prediag.id)
            if intent == "help" and confident:
                parsed = Parsed("help")
            elif intent == "stop" and confident:
                parsed = Parsed("pause")
            elif intent in ("greet", "start_prediagnostic") and confident or self._stale(state):
                parsed = Parsed("resume")

        if parsed.kind == "unclear":
            failures = dict(state.get("failures") or {})
            failures[question.key] = failures.get(question.key, 0) + 1
            state["failures"] = failures
            if failures[question.key] >= self.q.settings.failures_before_offer:
                state["offer"] = True
                return self._note(prediag, state, question, "offer", status="unclear")
            return self._note(prediag, state, question, "unclear", status="unclear")
        if parsed.kind == "help":
            return self._note(prediag, state, question, "help")
        if parsed.kind == "resume":
            return self._note(prediag, state, question, "resumed")
        if parsed.kind == "pause":
            state["paused"] = True
            state["offer"] = False
            return self._note(prediag, state, question, "paused")
        if parsed.kind == "back":
            return self._back(prediag, state, view, question)
        confirm_no = question.type == "confirm" and parsed.value != [_yes_key(question)]
        if parsed.kind == "answer" and confirm_no:
            return self._note(prediag, state, question, "confirm_no")
        return self._record(prediag, state, question, parsed, text, message_id)

    def _parse_with_offer(
        self, question: Question, options: list[Option], text: str, state: dict[str, Any]
    ) -> Parsed:
        """After repeated failures the person was offered '1 skip, 2 later': honour that first."""
        if state.get("offer"):
            stripped = text.strip()
            if stripped == "1":
                return (
                    Parsed("skip")
                    if question.type not in ("consent", "confirm")
                    else Parsed("unclear")
                )
            if stripped == "2":
                return Parsed("pause")
        return parse_answer(question, options, text)

    def _stale(self, state: dict[str, Any]) -> bool:
        asked_at = state.get("asked_at")
        if not asked_at:
            return False
        age = utcnow() - datetime.fromisoformat(asked_at)
        return age > timedelta(hours=self.q.settings.resume_after_hours)

    def _note(
        self,
        prediag: Prediagnostic,
        state: dict[str, Any],
        question: Question,
        note: str,
        status: str = "accepted",
    ) -> Outcome:
        state["note"] = note
        if note != "offer" and status == "accepted":
            state["offer"] = False
        prediag.state = state
        return Outcome(status, note, question.key, prediag.id)

    def _back(
        self, prediag: Prediagnostic, state: dict[str, Any], view: View, question: Question
    ) -> Outcome:
        history = list(state.get("history") or [])
        while history:
            previous = self.q.question(history.pop())
            if previous is not None and previous.key != question.key and view.applicable(previous):
                state.update(history=history, cursor=previous.key, offer=False)
                state.pop("note", None)
                prediag.state = state
                return Outcome("accepted", "back", previous.key, prediag.id)
        state["history"] = []
        return self._note(prediag, state, question, "back_first")

    def _record(
        self,
        prediag: Prediagnostic,
        state: dict[str, Any],
        question: Question,
        parsed: Parsed,
        raw: str,
        message_id: int | None,
    ) -> Outcome:
        skipped = parsed.kind == "skip"
        row = PrediagnosticAnswer(
            prediagnostic_id=prediag.id,
            question_key=question.key,
            value=None if skipped else parsed.value,
            raw_text=raw[:2000],
            skipped=skipped,
            source_message_id=message_id,
        )
        self.session.add(row)
        self.session.flush()
        history = [k for k in state.get("history") or [] if k != question.key] + [question.key]
        failures = dict(state.get("failures") or {})
        failures.pop(question.key, None)
        state.update(history=history, failures=failures, cursor=None, offer=False)
        state.pop("note", None)
        prediag.state = state
        self._event("prediag_answer_saved", prediag, question.key, message_id)

        if question.type == "consent":
            given = parsed.value == [_yes_key(question)]
            self.session.add(
                Consent(
                    beneficiary_id=prediag.beneficiary_id,
                    kind=CONSENT_KIND,
                    given=given,
                    text_version=f"v{self.q.version}-{self.q.digest}",
                    source_message_id=message_id,
                )
            )
            if not given:
                prediag.status = "abandoned"
                prediag.state = {**state, "ended": "consent_refused"}
                return Outcome("done", "consent_refused", question.key, prediag.id)
        if question.type == "confirm":
            prediag.status = "submitted"
            prediag.submitted_at = utcnow()
            self._event("prediag_submitted", prediag, None, message_id)
            return Outcome("done", "submitted", question.key, prediag.id)

        view = self.view(prediag)
        source = {
            "channel": str(self.contact.channel),
            "message_ids": [message_id],
            "entered_by": "USAGER",
        }
        sync_situations(self.session, prediag, view, source)
        sync_projects(self.session, prediag, view, source)
        return Outcome("accepted", "skipped" if skipped else "saved", question.key, prediag.id)

    # Events --------------------------------------------------------------------------------------

    def _event(
        self, kind: str, prediag: Prediagnostic, key: str | None, message_id: int | None = None
    ) -> None:
        data: dict[str, Any] = {
            "prediagnostic_id": prediag.id,
            "channel": str(self.contact.channel),
        }
        if kind != "prediag_submitted":
            data["question_key"] = key
        self.session.add(
            Event(
                kind=kind,
                contact_id=self.contact.id,
                beneficiary_id=prediag.beneficiary_id,
                message_id=message_id,
                data=data,
            )
        )

    # Summary shown before submission ---------------------------------------------------------------

    def _summary_text(self, view: View) -> str:
        parts: list[str] = []
        for key in ("activite", "emploi_actuel", "situation_actuelle", "niveau"):
            question = view.q.question(key)
            if question and view.applicable(question):
                labels = [o.sms for o in view.selected_options(question)]
                if labels:
                    parts.append(", ".join(labels))
        projects = projects_from(view) or []
        if projects:
            jobs = ", ".join(p["job_label"] for p in projects)
            radius = projects[0]["mobility_radius_km"]
            parts.append(f"Projet: {jobs}" + (f", {radius} km" if radius is not None else ""))
        else:
            question = view.q.question("projet")
            labels = [o.sms for o in view.selected_options(question)] if question else []
            if labels:
                parts.append(f"Projet: {labels[0]}")
        freins = [
            f"{f['short']} ({f['impact_label'].lower()})" if f["impact_label"] else f["short"]
            for f in freins_from(view)
            if f["selected"]
        ]
        parts.append("Freins: " + (", ".join(freins) if freins else "aucun"))
        return "Résumé: " + ". ".join(parts) + "."


__all__ = ["Engine", "Outcome", "latest_prediagnostic", "summary"]
