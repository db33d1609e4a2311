"""What has been answered so far: the latest answer per question and what follows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Prediagnostic,
    PrediagnosticAnswer,
)

from .schema import Option, Question, Questionnaire


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
