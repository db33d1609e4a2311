"""What has been answered so far: the latest answer per question and what follows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from backend.models import (
    Prediagnostic,
    PrediagnosticAnswer,
)

from .schema import Option, Question, Questionnaire

# Within one transaction, the person's latest pre-diagnostic and its answers are read once: a
# questionnaire turn asked for them four times each (the router, the answer, the next question,
# its summary). The memo follows the session's own writes to these two tables: rows it inserts
# are added at the flush; a row it deletes, or any bulk UPDATE or DELETE of them, drops the
# memo. Every commit and rollback drop it, so a later transaction reads what others wrote.
_MEMO = "questionnaire_reads"
_MEMO_TABLES = (Prediagnostic, PrediagnosticAnswer)


def _memo(session: Session) -> dict[tuple[str, int], Any]:
    return session.info.setdefault(_MEMO, {})


@event.listens_for(Session, "after_commit")
def forget_reads(session: Session) -> None:
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    forget_reads(session)  # a savepoint's rollback too: what it added is gone


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    memo = session.info.get(_MEMO)
    if memo is None:
        return
    if any(isinstance(row, _MEMO_TABLES) for row in session.deleted):
        forget_reads(session)
        return
    added = [row for row in session.new if isinstance(row, _MEMO_TABLES)]
    for prediag in (row for row in added if isinstance(row, Prediagnostic)):
        # The newest row: its beneficiary's latest, with no answer yet.
        memo["prediagnostic", prediag.beneficiary_id] = prediag
        memo["answers", prediag.id] = {}
    for answer in (row for row in added if isinstance(row, PrediagnosticAnswer)):
        answers = memo.get(("answers", answer.prediagnostic_id))
        if answers is not None:  # the newest row: the latest answer to its question
            answers[answer.question_key] = answer


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: Any) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ in _MEMO_TABLES for mapper in state.all_mappers
    ):
        forget_reads(state.session)


def latest_prediagnostic(session: Session, beneficiary_id: int | None) -> Prediagnostic | None:
    if beneficiary_id is None:
        return None
    memo = _memo(session)
    if ("prediagnostic", beneficiary_id) not in memo:
        memo["prediagnostic", beneficiary_id] = session.scalar(
            select(Prediagnostic)
            .where(Prediagnostic.beneficiary_id == beneficiary_id)
            .order_by(Prediagnostic.id.desc())
            .limit(1)
        )
    return memo["prediagnostic", beneficiary_id]


def latest_answers(session: Session, prediag: Prediagnostic) -> dict[str, PrediagnosticAnswer]:
    """The latest answer per question (a copy: the caller may change it)."""
    memo = _memo(session)
    if ("answers", prediag.id) not in memo:
        rows = session.scalars(
            select(PrediagnosticAnswer)
            .where(PrediagnosticAnswer.prediagnostic_id == prediag.id)
            .order_by(PrediagnosticAnswer.id)
        )
        memo["answers", prediag.id] = {row.question_key: row for row in rows}
    return dict(memo["answers", prediag.id])


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
