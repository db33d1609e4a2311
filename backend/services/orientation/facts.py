"""The orientation criteria of a pre-diagnostic as the referent has reviewed it.

The chat stores answers (what the person chose) and, from them, Carnet de bord situations. When
a referent removes or corrects a situation, the criteria that situation set must follow, or the
page, the exports and the suggestion would disagree. So the answers are read through the
reviews: an option whose situations were all removed no longer counts, and one whose situation
was corrected becomes the option of the same question that stores the corrected label.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Beneficiary,
    DeclarationStatus,
    Prediagnostic,
    SituationItem,
)
from backend.services.chains import chains
from backend.services.questionnaire.schema import Question, Questionnaire, load_questionnaire
from backend.services.questionnaire.summary import freins_from, orientation_from
from backend.services.questionnaire.view import View, latest_answers


@dataclass(frozen=True)
class ReviewedAnswer:
    """An answer as the reviews leave it (same fields the questionnaire view reads)."""

    id: int
    question_key: str
    value: Any
    skipped: bool
    raw_text: str | None
    created_at: datetime
    source_message_id: int | None = None


@dataclass(frozen=True)
class Frein:
    field: str  # calculOrientation field, e.g. contrainte_logement
    theme: str  # Carnet de bord theme
    selected: bool  # the person named it as a frein
    impact: str | None  # FORT / MOYEN / AUCUNE as declared, None when not said
    value: str | None  # the calculOrientation value


@dataclass(frozen=True)
class Facts:
    """What the suggestion is computed from (stored with it)."""

    situation_professionnelle: str | None = None
    capacite_a_travailler: bool | None = None
    niveau_etude: str | None = None
    projet_pro: str | None = None
    age: int | None = None
    freins: tuple[Frein, ...] = field(default_factory=tuple)

    @property
    def freins_answered(self) -> bool:
        return any(f.selected or f.impact is not None for f in self.freins)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["freins"] = [asdict(f) for f in self.freins]
        return data


def reviews(session: Session, prediag: Prediagnostic) -> dict[tuple[str, str], str | None]:
    """(theme, label as declared) -> the label a referent corrected it to, or None if removed."""
    rows = list(
        session.scalars(
            select(SituationItem)
            .where(SituationItem.prediagnostic_id == prediag.id)
            .order_by(SituationItem.id)
        )
    )
    result: dict[tuple[str, str], str | None] = {}
    for chain in chains(rows):
        head, first = chain.head, chain.first
        if head.acted_by_id is None:
            continue  # no referent acted on it
        key = (first.theme_key, first.label)
        if head.status == DeclarationStatus.removed:
            result[key] = None
        elif head.label != first.label:
            result[key] = head.label
    return result


def _reviewed_keys(
    question: Question, picked: list[str], reviewed: dict[tuple[str, str], str | None]
) -> list[str]:
    keys: list[str] = []
    for key in picked:
        option = question.option(key)
        stored = [(s.theme, s.situation) for s in option.stores] if option else []
        touched = [s for s in stored if s in reviewed]
        if not stored or len(touched) < len(stored):
            keys.append(key)  # nothing it stored was removed or corrected away
            continue
        for theme, label in touched:
            new_label = reviewed[(theme, label)]
            replacement = next(
                (
                    o.key
                    for o in question.options
                    if new_label
                    and any((s.theme, s.situation) == (theme, new_label) for s in o.stores)
                ),
                None,
            )
            if replacement:
                keys.append(replacement)
    return list(dict.fromkeys(keys))


def reviewed_view(
    session: Session, prediag: Prediagnostic, questionnaire: Questionnaire | None = None
) -> View:
    """The questionnaire view of the answers, read through the referent's reviews."""
    q = questionnaire or load_questionnaire()
    reviewed = reviews(session, prediag)
    answers = latest_answers(session, prediag)
    result: dict[str, Any] = {}
    for key, row in answers.items():
        value = row.value
        question = q.question(key)
        if reviewed and question is not None and isinstance(value, list) and not row.skipped:
            value = _reviewed_keys(question, value, reviewed)
        result[key] = ReviewedAnswer(
            id=row.id,
            question_key=row.question_key,
            value=value,
            skipped=row.skipped,
            raw_text=row.raw_text,
            created_at=row.created_at,
            source_message_id=row.source_message_id,
        )
    return View(q, result)


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def facts_from(view: View, beneficiary: Beneficiary, today: date) -> Facts:
    orientation = orientation_from(view)
    freins = tuple(
        Frein(
            field=f["orientation_field"],
            theme=f["theme"],
            selected=bool(f["selected"]),
            impact=f["impact"],
            value=orientation.get(f["orientation_field"]),
        )
        for f in freins_from(view)
    )
    capacity = orientation.get("capacite_a_travailler")
    return Facts(
        situation_professionnelle=orientation.get("situation_professionnelle"),
        capacite_a_travailler=capacity if isinstance(capacity, bool) else None,
        niveau_etude=orientation.get("niveau_etude"),
        projet_pro=orientation.get("projet_pro"),
        age=age_on(beneficiary.birth_date, today),
        freins=freins,
    )
