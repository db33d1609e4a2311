"""The pre-diagnostic engine: which question comes next, what an answer means, and how it is
stored as declarations (answers, Carnet de bord situations, professional projects), append-only.

Everything the person says is saved at once: a pre-diagnostic left half-way is kept, and resumes
at the first unanswered question. Nothing is overwritten: a re-given answer is a new row (the
latest counts), a situation no longer declared gets a new 'removed' row pointing to the old one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Beneficiary,
    Consent,
    Contact,
    Identification,
    Message,
    MessageDirection,
    Prediagnostic,
    PrediagnosticAnswer,
    PrediagnosticStatus,
    utcnow,
)
from backend.services.events import EventKind, record_event

from .correction import earlier_change
from .declarations import projects_from, sync_projects, sync_situations
from .parser import parse_answer
from .reading.normalising import normalise
from .reading.parsed import Parsed
from .reading.questions import is_question, long_question
from .render import (
    between_message,
    change_message,
    guess_message,
    more_message,
    note_message,
    question_message,
    reask_message,
    text_message,
)
from .schema import Option, Question, Questionnaire, load_questionnaire
from .state import CONSENT_REFUSED, QuestionnaireState
from .summary import freins_from, summary
from .view import View, _yes_key, latest_answers, latest_prediagnostic

logger = logging.getLogger(__name__)

CONSENT_KIND = "prediagnostic"
# Intents that, when the text is no answer to the pending question, leave the questionnaire for
# their own flow (the turn router asks for a confirmation first when they have consequences).
# Not update_situation: "j'ai bossé l'an dernier" is about the person's situation, which is
# what the questionnaire asks; it is an answer, or it is asked again.
DIGRESSION_INTENTS = {
    "ask_next_appointment",
    "appointment_question",
    "cannot_attend",
    "confirm_attendance",
    "request_referent",
    "delete_data",
    "stop",
    "thanks",
    "withdraw_consent",  # data rights (issue 16): the turn router confirms, then it stops
    "ask_my_data",
}
# Not out_of_scope: mid-questionnaire, what is not understood is asked again (one short SMS)
# and recorded for the coordinators, rather than answered with the main menu.
# A free-text answer ("vendeuse, caissière", "conseillère") reads like a situation update or a
# referent request to the NLU: on free-text questions only these unmistakable ones digress.
TEXT_DIGRESSION_INTENTS = {
    "ask_next_appointment",
    "appointment_question",
    "cannot_attend",
    "confirm_attendance",
    "delete_data",
    "stop",
    "withdraw_consent",
    "ask_my_data",
}
INTENT_THRESHOLD = 0.6
TEXT_DIGRESSION_THRESHOLD = 0.8  # free-text questions accept anything: be surer before leaving
QUESTION_DIGRESSION_THRESHOLD = 0.8
MORE_WORDS = {"0", "autres choix", "autre choix", "plus de choix", "voir plus", "la suite", "suite"}


class LazyIntent:
    """The message's intent, asked for once and only when a decision needs it: most answers
    are plain answers to the question, and a call to Rasa's parse is the dearest step of a
    questionnaire turn."""

    def __init__(self, understand: Callable[[], tuple[str | None, float | None]]) -> None:
        self._understand = understand
        self._pair: tuple[str | None, float | None] | None = None

    def pair(self) -> tuple[str | None, float | None]:
        if self._pair is None:
            self._pair = self._understand()
        return self._pair

    def name(self) -> str | None:
        return self.pair()[0]

    def confidence(self) -> float:
        return self.pair()[1] or 0.0


@dataclass
class Turn:
    """What the engine made of a message, and what to say.

    status: answered | unclear | guess | help | resumed | back | paused | digression | done
    """

    status: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    question_key: str | None = None
    prediagnostic_id: int | None = None
    intent: str | None = None  # for a digression: the flow to run instead

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "question_key": self.question_key,
            "prediagnostic_id": self.prediagnostic_id,
            "intent": self.intent,
            "messages": self.messages,
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
            beneficiary = Beneficiary(identification=Identification.pending)
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
        if prediag is not None and prediag.status != PrediagnosticStatus.abandoned:
            return prediag, False
        prediag = Prediagnostic(
            beneficiary_id=beneficiary.id,
            status=PrediagnosticStatus.in_progress,
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

    def ask(self, note: str | None = None) -> Turn:
        """The current question, whole and on its own (first time, or again after a digression,
        help or a pause), or the closing text when the pre-diagnostic is over."""
        prediag = self.current()
        if prediag is None:
            prediag, _ = self.start()
        state = QuestionnaireState.from_json(prediag.state)
        if prediag.status != PrediagnosticStatus.in_progress:
            return self._closing(prediag, state)
        view = self.view(prediag)
        question = view.next_question(state.cursor)
        if question is None:  # every question answered but not submitted: should not happen
            return Turn("done", [text_message(self.q.messages.submitted)], None, prediag.id)
        message = question_message(
            self.q,
            question,
            view.options(question),
            str(self.contact.channel),
            summary=self._summary_text(view),
        )
        state.asked_key, state.asked_at, state.paused = question.key, utcnow(), False
        prediag.state = state.to_json()
        self._event(EventKind.prediag_question_asked, prediag, question.key)
        before = note_message(self.q, question, note)
        messages = [before, message] if before else [message]
        return Turn(note or "asking", messages, question.key, prediag.id)

    def _first_page(self, question: Question, options: list[Option], view: View) -> int | None:
        message = question_message(
            self.q, question, options, str(self.contact.channel), summary=self._summary_text(view)
        )
        return (message.get("menu") or {}).get("paged")

    def _closing(self, prediag: Prediagnostic, state: QuestionnaireState) -> Turn:
        if prediag.status == PrediagnosticStatus.abandoned:
            text = self.q.messages.refused
        elif state.closing_said:
            text = self.q.messages.already_submitted
        else:
            text = self.q.messages.submitted
        state.closing_said = True
        prediag.state = state.to_json()
        return Turn("done", [text_message(text)], None, prediag.id)

    def in_progress(self) -> bool:
        prediag = self.current()
        return prediag is not None and prediag.status == PrediagnosticStatus.in_progress

    def pending_question(self) -> Question | None:
        prediag = self.current()
        if prediag is None or prediag.status != PrediagnosticStatus.in_progress:
            return None
        return self.view(prediag).next_question(QuestionnaireState.from_json(prediag.state).cursor)

    # Answering -------------------------------------------------------------------------------------

    def respond(  # noqa: C901 - one decision table; splitting it hides the order
        self,
        text: str,
        *,
        intent: str | None = None,
        confidence: float | None = None,
        understand: Callable[[], tuple[str | None, float | None]] | None = None,
        message_id: int | None = None,
    ) -> Turn:
        """An answer to the pending question, a keyword (passer, retour, aide, plus tard...),
        or a digression for another flow; says what comes next. ``understand``: how to get the
        intent when the decision needs it (a call to Rasa's parse), instead of ``intent`` and
        ``confidence``: a plain answer to the question needs none."""
        nlu = LazyIntent(understand or (lambda: (intent, confidence)))
        prediag = self.current()
        if prediag is None or prediag.status != PrediagnosticStatus.in_progress:
            return Turn("done", [], None, prediag.id if prediag else None)
        state = QuestionnaireState.from_json(prediag.state)
        view = self.view(prediag)
        question = view.next_question(state.cursor)
        if question is None:
            return Turn("done", [], None, prediag.id)
        options = view.options(question)
        if normalise(text) in MORE_WORDS:
            shown = self._first_page(question, options, view)
            if shown is not None:  # "0 Autres choix": the rest of a long list
                return Turn(
                    "more",
                    [more_message(self.q, question, options, shown)],
                    question.key,
                    prediag.id,
                )
        parsed = parse_answer(question, options, text)

        # A free-text question takes anything, so a plain digression must not become an answer.
        if (
            question.type == "text"
            and parsed.kind == "answer"
            and nlu.name() in TEXT_DIGRESSION_INTENTS
            and nlu.confidence() >= TEXT_DIGRESSION_THRESHOLD
            and not self._said_again(text, message_id)
        ):
            return Turn("digression", [], question.key, prediag.id, nlu.name())

        # A question asked back ("c'est quand mon rdv ?") is a digression even when one of its
        # words names an option ("... pour le petit" is not the answer "Famille").
        if (
            parsed.kind == "answer"
            and is_question(text)
            and not self._answered_after(question, options, text)
            and (
                (
                    nlu.name() in DIGRESSION_INTENTS
                    and nlu.confidence() >= QUESTION_DIGRESSION_THRESHOLD
                )
                or long_question(text)
            )
            and not self._said_again(text, message_id)
        ):
            return Turn("digression", [], question.key, prediag.id, nlu.name())

        was_paused, state.paused = state.paused, False
        if was_paused and parsed.kind != "answer":
            prediag.state = state.to_json()  # back after a pause: show the question again
            return self.ask("resumed")

        if parsed.kind == "unclear":
            intent, confident = nlu.name(), nlu.confidence() >= INTENT_THRESHOLD
            if intent in DIGRESSION_INTENTS and confident:
                return Turn("digression", [], question.key, prediag.id, intent)
            if intent == "help" and confident:
                parsed = Parsed("help")
            elif intent == "goodbye" and confident:
                parsed = Parsed("pause")
            elif (intent in ("greet", "start_prediagnostic") and confident) or self._stale(state):
                parsed = Parsed("resume")

        if parsed.kind == "unclear":
            return self._unclear(prediag, state, question, options, parsed, text, *nlu.pair())
        if parsed.kind == "help":
            return self.ask("help")
        if parsed.kind == "resume":
            return self.ask("resumed")
        if parsed.kind == "pause":
            state.paused = True
            prediag.state = state.to_json()
            return Turn("paused", [text_message(self.q.messages.paused)], question.key, prediag.id)
        if parsed.kind == "back":
            return self._back(prediag, state, view, question)
        confirm_no = question.type == "confirm" and parsed.value != [_yes_key(question)]
        if parsed.kind == "answer" and confirm_no:
            prediag.state = state.to_json()
            return Turn(
                "answered", [text_message(self.q.messages.confirm_no)], question.key, prediag.id
            )
        change = earlier_change(view, question, options, parsed, text)
        if change is not None:  # neither answer is stored on a guess: asked in one SMS
            prediag.state = state.to_json()
            message = change_message(self.q, change[0], change[1], text)
            return Turn("guess", [message], question.key, prediag.id)
        return self._record(prediag, state, question, parsed, text, message_id)

    def _answered_after(self, question: Question, options: list[Option], text: str) -> bool:
        """'un professionnel c est qui ? bon je ne sais pas encore': the question asked back is
        followed by a plain answer of its own; that answer stands."""
        tail = text.rsplit("?", 1)[1] if "?" in text else ""
        if not question.has_options or sum(c.isalpha() for c in tail) < 2:
            return False
        parsed = parse_answer(question, options, tail)
        if parsed.kind != "answer":
            return False
        # Only "I don't know", or a bare yes or no: a topic word after a question ("... je dois
        # savoir pour le petit") is not the answer "Famille", and a reason ("... jpe pa le
        # mardi") is not the answer "Non".
        meaning = {o.key: o.means for o in options}
        means = {meaning.get(k) for k in parsed.value or [None]}
        if means == {"dont_know"}:
            return True
        return means <= {"yes", "no"} and None not in means and len(tail.split()) <= 3

    def _said_again(self, text: str, message_id: int | None) -> bool:
        """The same words as the person's previous message: they insist it is their answer
        (a job like "surveillant de parking" read as an appointment question must not loop)."""
        if message_id is None:
            return False
        previous = self.session.scalar(
            select(Message.text)
            .where(
                Message.contact_id == self.contact.id,
                Message.direction == MessageDirection.inbound,
                Message.id < message_id,
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        return previous is not None and normalise(previous) == normalise(text)

    def accept_guess(
        self, question_key: str, value: list[str], raw: str, message_id: int | None
    ) -> Turn:
        """The person said yes to 'X : c'est bien ça ?': X is the answer, to the pending
        question or, for a change to an earlier answer, to that one (the pending question is
        then asked again)."""
        prediag = self.current()
        question = self.pending_question()
        if prediag is None or question is None:
            return self.ask()
        view = self.view(prediag)
        if question.key != question_key:
            earlier = self.q.question(question_key)
            if earlier is None or not view.applicable(earlier) or not view.answered(earlier):
                return self.ask()  # the questionnaire moved on meanwhile: show where it is
            question = earlier
        keys = {o.key for o in view.options(question)}
        if not value or not set(value) <= keys:
            return self.ask()
        parsed = Parsed("answer", value=list(value), options=list(value))
        state = QuestionnaireState.from_json(prediag.state)
        return self._record(prediag, state, question, parsed, raw, message_id)

    def refuse_guess(self) -> Turn:
        """The person said no to the guess: the list they have is still the one to answer."""
        prediag = self.current()
        question = self.pending_question()
        if prediag is None or question is None:
            return self.ask()
        options = self.view(prediag).options(question)
        message = reask_message(self.q, question, options, str(self.contact.channel))
        message["text"] = self.q.messages.guess_refused
        return Turn("unclear", [message], question.key, prediag.id)

    def _unclear(
        self,
        prediag: Prediagnostic,
        state: QuestionnaireState,
        question: Question,
        options: list[Option],
        parsed: Parsed,
        raw: str,
        intent: str | None,
        confidence: float | None,
    ) -> Turn:
        failures = state.failures
        failures[question.key] = failures.get(question.key, 0) + 1
        prediag.state = state.to_json()
        self._not_understood(prediag, question, raw, intent, confidence, parsed.options)
        channel = str(self.contact.channel)
        guessed = [o for key in parsed.options for o in options if o.key == key]
        if parsed.reason == "guess" and guessed:
            return Turn(
                "guess",
                [guess_message(self.q, question, guessed, raw)],
                question.key,
                prediag.id,
            )
        if parsed.reason == "between" and len(guessed) == 2:
            message = between_message(self.q, question, options, guessed[0], guessed[1], channel)
            return Turn("unclear", [message], question.key, prediag.id)
        again = failures[question.key] >= self.q.settings.failures_before_offer
        message = reask_message(self.q, question, options, channel, again=again)
        return Turn("unclear", [message], question.key, prediag.id)

    def _not_understood(
        self,
        prediag: Prediagnostic,
        question: Question,
        raw: str,
        intent: str | None,
        confidence: float | None,
        guessed: list[str],
    ) -> None:
        """Every answer not understood reaches the coordinators' page, with its question."""
        record_event(
            self.session,
            EventKind.nlu_fallback,
            contact_id=self.contact.id,
            beneficiary_id=prediag.beneficiary_id,
            data={
                "text": raw[:500],
                "best_guess": intent,
                "confidence": confidence,
                "question_key": question.key,
                "answer_guess": guessed,
                "context": "questionnaire",
            },
        )

    def _stale(self, state: QuestionnaireState) -> bool:
        if state.asked_at is None:
            return False
        age = utcnow() - state.asked_at
        return age > timedelta(hours=self.q.settings.resume_after_hours)

    def _back(
        self, prediag: Prediagnostic, state: QuestionnaireState, view: View, question: Question
    ) -> Turn:
        history = list(state.history)
        while history:
            previous = self.q.question(history.pop())
            if previous is not None and previous.key != question.key and view.applicable(previous):
                state.history, state.cursor = history, previous.key
                prediag.state = state.to_json()
                return self.ask()
        state.history = []
        prediag.state = state.to_json()
        return self.ask("back_first")

    def _record(
        self,
        prediag: Prediagnostic,
        state: QuestionnaireState,
        question: Question,
        parsed: Parsed,
        raw: str,
        message_id: int | None,
    ) -> Turn:
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
        state.history = [k for k in state.history if k != question.key] + [question.key]
        state.failures.pop(question.key, None)
        state.cursor = None
        prediag.state = state.to_json()
        self._event(EventKind.prediag_answer_saved, prediag, question.key, message_id)

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
                prediag.status = PrediagnosticStatus.abandoned
                state.ended = CONSENT_REFUSED
                prediag.state = state.to_json()
                return self._closing(prediag, state)
        if question.type == "confirm":
            prediag.status = PrediagnosticStatus.submitted
            prediag.submitted_at = utcnow()
            self._event(EventKind.prediag_submitted, prediag, None, message_id)
            self._suggest_parcours(prediag)
            return self._closing(prediag, state)

        view = self.view(prediag)
        source = {
            "channel": str(self.contact.channel),
            "message_ids": [message_id],
            "entered_by": "USAGER",
        }
        sync_situations(self.session, prediag, view, source)
        sync_projects(self.session, prediag, view, source)
        following = self.ask()
        following.status = "answered"
        return following

    def _suggest_parcours(self, prediag: Prediagnostic) -> None:
        """The suggested parcours for the referent (never shown to the person), stored as soon
        as the pre-diagnostic is sent; a broken rules file must not lose the person's answers."""
        from backend.services.orientation.rules import OrientationRulesError
        from backend.services.orientation.store import ensure_suggestion

        self.session.flush()
        try:
            with self.session.begin_nested():
                ensure_suggestion(self.session, prediag, self.beneficiary())
        except OrientationRulesError:
            logger.exception("orientation rules broken; suggestion left for later")

    # Events --------------------------------------------------------------------------------------

    def _event(
        self,
        kind: EventKind,
        prediag: Prediagnostic,
        key: str | None,
        message_id: int | None = None,
    ) -> None:
        data: dict[str, Any] = {
            "prediagnostic_id": prediag.id,
            "channel": str(self.contact.channel),
        }
        if kind != EventKind.prediag_submitted:
            data["question_key"] = key
        record_event(
            self.session,
            kind,
            contact_id=self.contact.id,
            beneficiary_id=prediag.beneficiary_id,
            message_id=message_id,
            data=data,
        )

    # Summary shown before submission ---------------------------------------------------------------

    def _summary_text(self, view: View) -> str:
        """One short SMS: what will be sent, without spelling out health, family or papers."""
        parts: list[str] = []
        for key in ("situation_actuelle", "emploi_actuel", "niveau"):
            question = view.q.question(key)
            if question and view.applicable(question):
                labels = [o.sms for o in view.selected_options(question)]
                if labels:
                    parts.append(", ".join(labels))
        projects = projects_from(view) or []
        if projects:
            jobs = ", ".join(p["job_label"] for p in projects)[:40]
            radius = projects[0]["mobility_radius_km"]
            words = self.q.messages
            project = words.summary_project.format(jobs=jobs)
            if radius is not None:
                project += ", " + words.summary_radius.format(km=radius)
            parts.append(project)
        words = self.q.messages
        freins = [f["short"].lower() for f in freins_from(view) if f["selected"]]
        private = [f for f in freins if f in SENSITIVE_FREINS]
        shown = [f for f in freins if f not in SENSITIVE_FREINS]
        if private:
            shown.append(words.summary_private)
        parts.append(
            words.summary_freins.format(
                freins=", ".join(shown) if shown else words.summary_no_frein
            )
        )
        return words.summary.format(parts=". ".join(parts))


# Never written out in an SMS summary (a phone is often shared).
SENSITIVE_FREINS = {"santé", "famille", "papiers"}


__all__ = ["Engine", "Turn", "latest_prediagnostic", "summary"]
