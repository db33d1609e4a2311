"""The pre-diagnostic engine: which question comes next, what an answer means, and how it is
stored as declarations (answers, Carnet de bord situations, professional projects), append-only.

Everything the person says is saved at once: a pre-diagnostic left half-way is kept, and resumes
at the first unanswered question. Nothing is overwritten: a re-given answer is a new row (the
latest counts), a situation no longer declared gets a new 'removed' row pointing to the old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Beneficiary,
    Consent,
    Contact,
    DeclarationStatus,
    Event,
    Prediagnostic,
    PrediagnosticAnswer,
    ProfessionalProject,
    SituationItem,
    utcnow,
)

from .parser import Parsed, parse_answer
from .render import Prompt, render_question, render_text
from .schema import Option, Question, Questionnaire, load_questionnaire

OTHER_LABEL = "Autre"  # situation label of an "other" free text (the text is the item's detail)
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


# --- reading the state --------------------------------------------------------------------------


def latest_prediagnostic(session: Session, beneficiary_id: int | None) -> Prediagnostic | None:
    if beneficiary_id is None:
        return None
    return session.scalar(
        select(Prediagnostic)
        .where(Prediagnostic.beneficiary_id == beneficiary_id)
        .order_by(Prediagnostic.id.desc())
        .limit(1)
    )


def latest_answers(session: Session, prediag: Prediagnostic) -> dict[str, PrediagnosticAnswer]:
    rows = session.scalars(
        select(PrediagnosticAnswer)
        .where(PrediagnosticAnswer.prediagnostic_id == prediag.id)
        .order_by(PrediagnosticAnswer.id)
    )
    return {row.question_key: row for row in rows}


def chosen(answers: dict[str, PrediagnosticAnswer], key: str) -> list[str] | None:
    """Option keys chosen at question ``key``; None when unanswered or skipped."""
    row = answers.get(key)
    if row is None or row.skipped or not isinstance(row.value, list):
        return None
    return list(row.value)


class View:
    """The questionnaire as it applies to one person's answers."""

    def __init__(self, questionnaire: Questionnaire, answers: dict[str, PrediagnosticAnswer]):
        self.q = questionnaire
        self.answers = answers
        self._applicable: dict[str, bool] = {}

    def holds(self, conditions: list) -> bool:
        for condition in conditions:
            target = self.q.question(condition.question)
            picked = (
                chosen(self.answers, condition.question)
                if target and self.applicable(target)
                else None
            ) or []
            if condition.includes and not set(condition.includes) & set(picked):
                return False
            if condition.excludes and set(condition.excludes) & set(picked):
                return False
        return True

    def applicable(self, question: Question) -> bool:
        if question.key not in self._applicable:
            self._applicable[question.key] = self.holds(question.when)
        return self._applicable[question.key]

    def options(self, question: Question) -> list[Option]:
        return [o for o in question.options if self.holds(o.when)]

    def answered(self, question: Question) -> bool:
        row = self.answers.get(question.key)
        if row is None:
            return False
        if question.type == "confirm":
            return not row.skipped and row.value == [_yes_key(question)]
        return True

    def next_question(self, cursor: str | None) -> Question | None:
        if cursor:
            question = self.q.question(cursor)
            if question is not None and self.applicable(question):
                return question
        for question in self.q.questions:
            if self.applicable(question) and not self.answered(question):
                return question
        return None

    def selected_options(self, question: Question) -> list[Option]:
        picked = chosen(self.answers, question.key) or []
        return [o for key in picked if (o := question.option(key)) is not None]

    def given(self) -> list[tuple[Question, PrediagnosticAnswer]]:
        """Applicable questions with a (latest) answer, in questionnaire order."""
        return [
            (q, self.answers[q.key])
            for q in self.q.questions
            if q.key in self.answers and self.applicable(q)
        ]


def _yes_key(question: Question) -> str:
    return next(o.key for o in question.options if o.means == "yes")


# --- the engine -----------------------------------------------------------------------------------


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


# --- declarations -----------------------------------------------------------------------------------


def _live(rows: list[Any]) -> list[Any]:
    superseded = {r.supersedes_id for r in rows if r.supersedes_id}
    return [r for r in rows if r.id not in superseded and r.status != DeclarationStatus.removed]


def situations_from(view: View) -> list[tuple[str, str, str | None, str]]:
    """(theme, exact label, detail, question key) the current answers declare."""
    wanted: list[tuple[str, str, str | None, str]] = []
    for question, row in view.given():
        if row.skipped:
            continue
        if question.stores_text and isinstance(row.value, str):
            label = question.stores_text.situation or OTHER_LABEL
            wanted.append((question.stores_text.theme, label, row.value, question.key))
        for option in view.selected_options(question):
            for store in option.stores:
                wanted.append((store.theme, store.situation, None, question.key))
    unique: dict[tuple[str, str, str | None], tuple[str, str, str | None, str]] = {}
    for item in wanted:
        unique.setdefault(item[:3], item)
    return list(unique.values())


def sync_situations(
    session: Session, prediag: Prediagnostic, view: View, source: dict[str, Any]
) -> None:
    rows = list(
        session.scalars(
            select(SituationItem)
            .where(SituationItem.prediagnostic_id == prediag.id)
            .order_by(SituationItem.id)
        )
    )
    live = {(r.theme_key, r.label, r.detail): r for r in _live(rows)}
    wanted = {item[:3]: item for item in situations_from(view)}
    for key, (theme, label, detail, question_key) in wanted.items():
        if key not in live:
            session.add(
                SituationItem(
                    beneficiary_id=prediag.beneficiary_id,
                    prediagnostic_id=prediag.id,
                    theme_key=theme,
                    label=label,
                    detail=detail,
                    status=DeclarationStatus.declared,
                    source={**source, "question_key": question_key},
                )
            )
    for key, row in live.items():
        if key not in wanted:  # the person changed their answer: a new row says so
            session.add(
                SituationItem(
                    beneficiary_id=prediag.beneficiary_id,
                    prediagnostic_id=prediag.id,
                    theme_key=row.theme_key,
                    label=row.label,
                    detail=row.detail,
                    status=DeclarationStatus.removed,
                    source={**source, "reason": "answer changed by the person"},
                    supersedes_id=row.id,
                )
            )
    session.flush()


def projects_from(view: View) -> list[dict[str, Any]] | None:
    """The professional projects the answers describe (one per job typed); None while the
    project questions are still being answered."""
    fields: dict[str, Any] = {}
    for question in view.q.questions:
        if not question.project_field or not view.applicable(question):
            continue
        row = view.answers.get(question.key)
        if row is None:
            return None  # still being asked
        if row.skipped:
            continue
        if question.project_field in ("job_label", "mobility_radius_km"):
            fields[question.project_field] = row.value
        elif question.project_field == "contract_types":
            values: list[str] = []
            for option in view.selected_options(question):
                values += option.value if isinstance(option.value, list) else [option.value]
            fields["contract_types"] = list(dict.fromkeys(values))
        elif question.project_field == "employment_type":
            options = view.selected_options(question)
            fields["employment_type"] = options[0].value if options else None
    jobs = [j.strip() for j in re.split(r"[,;]+", fields.get("job_label") or "") if j.strip()]
    return [
        {
            "job_label": job[:300],
            "mobility_radius_km": fields.get("mobility_radius_km"),
            "contract_types": fields.get("contract_types", []),
            "employment_type": fields.get("employment_type"),
        }
        for job in jobs
    ]


def sync_projects(
    session: Session, prediag: Prediagnostic, view: View, source: dict[str, Any]
) -> None:
    wanted = projects_from(view)
    if wanted is None:
        return
    rows = list(
        session.scalars(
            select(ProfessionalProject)
            .where(ProfessionalProject.prediagnostic_id == prediag.id)
            .order_by(ProfessionalProject.id)
        )
    )
    live = {r.job_label.casefold(): r for r in _live(rows) if r.job_label}
    for project in wanted:
        current = live.pop(project["job_label"].casefold(), None)
        same = current is not None and (
            current.mobility_radius_km == project["mobility_radius_km"]
            and list(current.contract_types or []) == project["contract_types"]
            and current.employment_type == project["employment_type"]
            and current.job_label == project["job_label"]
        )
        if same:
            continue
        session.add(
            ProfessionalProject(
                beneficiary_id=prediag.beneficiary_id,
                prediagnostic_id=prediag.id,
                status=DeclarationStatus.declared,
                source=source,
                supersedes_id=current.id if current else None,
                **project,
            )
        )
    for row in live.values():
        session.add(
            ProfessionalProject(
                beneficiary_id=prediag.beneficiary_id,
                prediagnostic_id=prediag.id,
                job_label=row.job_label,
                mobility_radius_km=row.mobility_radius_km,
                contract_types=list(row.contract_types or []),
                employment_type=row.employment_type,
                status=DeclarationStatus.removed,
                source={**source, "reason": "answer changed by the person"},
                supersedes_id=row.id,
            )
        )
    session.flush()


# --- orientation criteria -------------------------------------------------------------------------


def freins_from(view: View) -> list[dict[str, Any]]:
    """The eight freins: chosen or not, impact (FORT/MOYEN/AUCUNE) and situations declared."""
    from backend.services import referential

    freins_question = next(
        (q for q in view.q.questions if any(o.frein for o in q.options) and q.type == "multi"),
        None,
    )
    picked = (
        chosen(view.answers, freins_question.key)
        if freins_question and view.applicable(freins_question)
        else None
    )
    answered = picked is not None
    result = []
    for frein in referential.orientation_criteria()["freins"]:
        theme = frein["cdb_theme"]
        option = (
            next((o for o in freins_question.options if o.frein == theme), None)
            if freins_question
            else None
        )
        selected = bool(option and picked and option.key in picked)
        impact, impact_label = (None, None)
        for question in view.q.questions:
            if question.frein == theme and view.applicable(question):
                for chosen_option in view.selected_options(question):
                    if chosen_option.impact:
                        impact, impact_label = chosen_option.impact, chosen_option.sms
        if answered and not selected:
            impact = "AUCUNE"
        result.append(
            {
                "theme": theme,
                "code": frein["code"],
                "label": frein["label"],
                "short": option.sms if option else theme,
                "orientation_field": frein["orientation_field"],
                "selected": selected,
                "impact": impact,
                "impact_label": impact_label,
            }
        )
    return result


def orientation_from(view: View) -> dict[str, Any]:
    """The calculOrientation input fields the answers give (None: not known)."""
    from backend.services import referential

    criteria = referential.orientation_criteria()["orientation_input"]
    values: dict[str, Any] = {}
    blocking: dict[str, Any] = {}
    for question, row in view.given():
        if row.skipped:
            continue
        selected = view.selected_options(question)
        if question.type == "multi":
            # A yes/no flag of an option left unchosen is a no ("RSA" alone: no RQTH).
            for option in question.options:
                if option not in selected:
                    for field, value in option.sets.items():
                        if value is True:
                            values.setdefault(field, False)
        for option in selected:
            for field, value in option.sets.items():
                if option.blocking:
                    blocking.setdefault(field, value)
                else:
                    values[field] = value
    values.update(blocking)
    for frein in freins_from(view):
        field = frein["orientation_field"]
        if frein["impact"] == "AUCUNE" and field not in blocking:
            values[field] = "AUCUNE"
    fields = [f for f in criteria if f != "flags"] + list(criteria["flags"])
    return {field: values.get(field) for field in fields}


def summary(
    session: Session, prediag: Prediagnostic, questionnaire: Questionnaire | None = None
) -> dict[str, Any]:
    """Everything a referent (or an export) needs: answers, declarations, orientation fields."""
    q = questionnaire or load_questionnaire()
    view = View(q, latest_answers(session, prediag))
    extra: dict[str, Any] = {}
    for question, row in view.given():
        if row.skipped:
            continue
        for option in view.selected_options(question):
            extra.update(option.sets)
    items = list(
        session.scalars(
            select(SituationItem)
            .where(SituationItem.prediagnostic_id == prediag.id)
            .order_by(SituationItem.id)
        )
    )
    projects = list(
        session.scalars(
            select(ProfessionalProject)
            .where(ProfessionalProject.prediagnostic_id == prediag.id)
            .order_by(ProfessionalProject.id)
        )
    )
    priorities_question = q.question("priorites")
    missing = [
        question.key
        for question in q.questions
        if view.applicable(question) and not view.answered(question)
    ]
    return {
        "id": prediag.id,
        "beneficiary_id": prediag.beneficiary_id,
        "status": prediag.status,
        "channel": prediag.channel,
        "questionnaire_version": prediag.questionnaire_version,
        "created_at": prediag.created_at.isoformat(),
        "submitted_at": prediag.submitted_at.isoformat() if prediag.submitted_at else None,
        "orientation": orientation_from(view),
        "work_situation": extra.get("work_situation"),
        "pouvoir_d_agir": {
            "confiance": extra.get("pouvoir_agir_confiance"),
            "besoin_accompagnement": extra.get("pouvoir_agir_accompagnement"),
        },
        "freins": [
            {k: v for k, v in f.items() if k not in ("short", "impact_label")}
            for f in freins_from(view)
        ],
        "priorities": chosen(view.answers, "priorites") or [] if priorities_question else [],
        "situations": [
            {
                "id": r.id,
                "theme_key": r.theme_key,
                "label": r.label,
                "detail": r.detail,
                "status": r.status,
                "source": r.source,
                "created_at": r.created_at.isoformat(),
            }
            for r in _live(items)
        ],
        "projects": [
            {
                "id": p.id,
                "job_label": p.job_label,
                "mobility_radius_km": p.mobility_radius_km,
                "contract_types": p.contract_types,
                "employment_type": p.employment_type,
                "status": p.status,
            }
            for p in _live(projects)
        ],
        "answers": [
            {
                "question_key": question.key,
                "section": question.section,
                "question": question.text,
                "value": row.value,
                "labels": [o.sms for o in view.selected_options(question)],
                "skipped": row.skipped,
                "raw_text": row.raw_text,
                "source_message_id": row.source_message_id,
                "at": row.created_at.isoformat(),
            }
            for question, row in view.given()
        ],
        "missing": missing,
        "history": {
            "answers": len(prediag.answers),
            "situation_rows": len(items),
        },
    }
