"""A pre-diagnostic as a referent reviews it: current declarations, history, review actions
(validate, correct, remove, validate the whole). The staff pages (backend/web/pages_referent.py)
and the exports read it; a refusal is a ``Refused`` both the pages and the API can show.

Nothing is overwritten: every review is a new row pointing to the one it supersedes, and the
current view is the latest row of each chain (backend/services/chains.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Account,
    Beneficiary,
    DeclarationStatus,
    Prediagnostic,
    PrediagnosticAnswer,
    PrediagnosticStatus,
    ProfessionalProject,
    SituationItem,
    utcnow,
)
from backend.services.chains import Chain, chains
from backend.services.errors import Refused
from backend.services.events import EventKind, record_event
from backend.services.orientation.facts import reviewed_view
from backend.services.orientation.labels import (
    FIELD_LABELS,
    IMPACT_LABELS,
    POUVOIR_D_AGIR_LABELS,
    value_label,
)
from backend.services.questionnaire.schema import (
    Questionnaire,
    QuestionnaireError,
    load_questionnaire,
)
from backend.services.questionnaire.summary import freins_from, orientation_from
from backend.services.questionnaire.view import View, latest_answers
from backend.services.referential import (
    WORK_SITUATION_LABELS,
    cdb_referential,
    education_labels,
    theme_situations,
)

# Question keys the chat engine uses for the three professional-situation answers (aliases
# accepted so that a renamed question still lands in the right place).
WORK_SITUATION_KEYS = ("work_situation", "situation_professionnelle")
EDUCATION_KEYS = ("education_level", "niveau_etude", "niveau_formation")
RQTH_KEYS = ("rqth", "right_rqth")

ACTION_STATUS = {
    "validate": DeclarationStatus.validated,
    "correct": DeclarationStatus.corrected,
    "remove": DeclarationStatus.removed,
}


@dataclass
class Theme:
    key: str
    label: str
    chains: list[Chain] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


@dataclass
class ProfessionalSituation:
    work_situation: str | None = None
    education_level: str | None = None
    # None: not said. In the chat, RQTH is a choice of a multi-choice question: left unchosen
    # it is "not said", only "neither" (an option setting boe: false) is a no.
    rqth: bool | None = None
    rsa: bool | None = None

    @property
    def work_situation_label(self) -> str | None:
        return WORK_SITUATION_LABELS.get(self.work_situation or "", self.work_situation)

    @property
    def education_label(self) -> str | None:
        return education_labels().get(self.education_level or "", self.education_level)


@dataclass
class AnswerRow:
    """One answer as the referent reads it: the question's text and the labels chosen."""

    key: str
    question: str
    answer: str
    skipped: bool
    raw_text: str | None
    created_at: Any


@dataclass
class FreinRow:
    label: str  # national label of the frein
    impact: str  # declared impact, in French
    criterion: str  # the calculOrientation value, in French
    situations: list[str]  # current (not removed) situations of its theme


@dataclass
class Criteria:
    """The national orientation criteria as the chat filled them, read through the reviews
    (a removed situation no longer counts): what the page shows and the exports send."""

    orientation: dict[str, Any] = field(default_factory=dict)  # calculOrientation codes
    rows: list[tuple[str, str]] = field(default_factory=list)  # (criterion, value) in French
    freins: list[FreinRow] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)


@dataclass
class Review:
    prediagnostic: Prediagnostic
    situation: ProfessionalSituation
    projects: list[Chain]
    themes: list[Theme]
    answers: list[AnswerRow]
    criteria: Criteria | None = None  # None: not a chat questionnaire
    # Themes the person prefers to talk about with the referent ("Voir avec conseiller").
    to_discuss: list[str] = field(default_factory=list)

    @property
    def pending(self) -> int:
        """Declarations nobody has reviewed yet."""
        heads = [c.head for c in self.projects] + [c.head for t in self.themes for c in t.chains]
        return sum(1 for h in heads if h.status == DeclarationStatus.declared)


def _scalar(value: Any) -> Any:
    if isinstance(value, dict):
        for key in ("key", "code", "value"):
            if key in value:
                return value[key]
        return None
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _as_bool(value: Any) -> bool | None:
    value = _scalar(value)
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in {"oui", "yes", "true", "1", "o"}:
        return True
    if text in {"non", "no", "false", "0", "n"}:
        return False
    return None


def professional_situation(answers: dict[str, PrediagnosticAnswer]) -> ProfessionalSituation:
    def pick(keys: tuple[str, ...]) -> PrediagnosticAnswer | None:
        return next((answers[k] for k in keys if k in answers and not answers[k].skipped), None)

    work, education, rqth = pick(WORK_SITUATION_KEYS), pick(EDUCATION_KEYS), pick(RQTH_KEYS)
    return ProfessionalSituation(
        work_situation=str(_scalar(work.value)) if work and _scalar(work.value) else None,
        education_level=(
            str(_scalar(education.value)) if education and _scalar(education.value) else None
        ),
        rqth=_as_bool(rqth.value) if rqth else None,
    )


def _questionnaire() -> Questionnaire | None:
    try:
        return load_questionnaire()
    except QuestionnaireError:
        return None  # the preview page names the problem; the review shows what it can


def _declared_flag(view: View, flag: str) -> bool | None:
    """True when an option setting ``flag: true`` was chosen, False for ``flag: false``,
    None when the person did not say (an unchosen option is not a no)."""
    found: bool | None = None
    for question, row in view.given():
        if row.skipped:
            continue
        for option in view.selected_options(question):
            value = option.sets.get(flag)
            if value is True:
                return True
            if value is False:
                found = False
    return found


def _sets(view: View) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for question, row in view.given():
        if not row.skipped:
            for option in view.selected_options(question):
                values.update(option.sets)
    return values


def _live_labels(themes: list[Theme]) -> dict[str, list[str]]:
    return {
        t.key: [c.head.label for c in t.chains if c.head.status != DeclarationStatus.removed]
        for t in themes
    }


def chat_criteria(view: View, themes: list[Theme]) -> Criteria:
    orientation = orientation_from(view)
    sets = _sets(view)
    rows = [
        (FIELD_LABELS[f], value_label(f, orientation.get(f)))
        for f in (
            "situation_professionnelle",
            "type_emploi",
            "capacite_a_travailler",
            "niveau_etude",
            "projet_pro",
        )
        if f != "type_emploi" or orientation.get(f)
    ]
    rows += [
        ("Confiance pour faire ses démarches seul(e)",
         POUVOIR_D_AGIR_LABELS.get(str(sets.get("pouvoir_agir_confiance")), "Non renseigné")),
        ("Souhaite l'aide d'un professionnel",
         POUVOIR_D_AGIR_LABELS.get(str(sets.get("pouvoir_agir_accompagnement")), "Non renseigné")),
    ]  # fmt: skip
    live = _live_labels(themes)
    freins = []
    for f in freins_from(view):
        if f["impact"] is not None:
            impact = IMPACT_LABELS[f["impact"]] if f["selected"] else "Pas un frein"
        else:
            impact = "Non précisé" if f["selected"] else "Non renseigné"
        freins.append(
            FreinRow(
                label=f["label"],
                impact=impact,
                criterion=value_label(
                    f["orientation_field"], orientation.get(f["orientation_field"])
                ),
                situations=live.get(f["theme"], []),
            )
        )
    priorities_question = view.q.question("priorites")
    priorities = (
        [o.sms for o in view.selected_options(priorities_question)]
        if priorities_question and view.applicable(priorities_question)
        else []
    )
    return Criteria(orientation=orientation, rows=rows, freins=freins, priorities=priorities)


def answer_rows(
    q: Questionnaire | None, answers: dict[str, PrediagnosticAnswer]
) -> list[AnswerRow]:
    """Every latest answer, in questionnaire order, with its question's text and the labels
    the person read (keys stay in the exports)."""
    order = {question.key: index for index, question in enumerate(q.questions)} if q else {}
    rows = []
    for answer in sorted(
        answers.values(), key=lambda a: (order.get(a.question_key, len(order)), a.id)
    ):
        question = q.question(answer.question_key) if q else None
        value = answer.value
        if question is not None and isinstance(value, list) and question.options:
            labels = [o.sms if (o := question.option(str(k))) else str(k) for k in value]
            text = ", ".join(labels)
        elif isinstance(value, bool):
            text = "Oui" if value else "Non"
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        elif question is not None and question.type == "number" and value is not None:
            text = f"{value} km" if question.project_field == "mobility_radius_km" else str(value)
        else:
            text = "" if value is None else str(value)
        rows.append(
            AnswerRow(
                key=answer.question_key,
                question=question.text if question else answer.question_key,
                answer=text,
                skipped=answer.skipped,
                raw_text=answer.raw_text,
                created_at=answer.created_at,
            )
        )
    return rows


def current_prediagnostic(session: Session, beneficiary: Beneficiary) -> Prediagnostic | None:
    """The latest finished pre-diagnostic, else the one in progress."""
    rows = list(
        session.scalars(
            select(Prediagnostic)
            .where(Prediagnostic.beneficiary_id == beneficiary.id)
            .order_by(Prediagnostic.id.desc())
        )
    )
    finished = [p for p in rows if p.status in ("submitted", "validated")]
    return (finished or rows)[0] if rows else None


def build_review(session: Session, prediagnostic: Prediagnostic) -> Review:
    items = list(
        session.scalars(
            select(SituationItem).where(SituationItem.prediagnostic_id == prediagnostic.id)
        )
    )
    projects = list(
        session.scalars(
            select(ProfessionalProject).where(
                ProfessionalProject.prediagnostic_id == prediagnostic.id
            )
        )
    )
    themes = []
    for theme in cdb_referential()["personal_situation_themes"]:
        themes.append(
            Theme(
                key=theme["key"],
                label=theme["label"],
                chains=chains([i for i in items if i.theme_key == theme["key"]]),
                labels=list(theme["situations"]),
            )
        )
    known = {t.key for t in themes}
    stray = [i for i in items if i.theme_key not in known]
    if stray:  # never hide a declaration, even one outside the referential
        themes.append(Theme(key="autre", label="Hors référentiel", chains=chains(stray)))
    answers = latest_answers(session, prediagnostic)
    situation = professional_situation(answers)
    q = _questionnaire()
    criteria = None
    if q is not None and any(q.question(key) for key in answers):
        view = reviewed_view(session, prediagnostic, q)
        criteria = chat_criteria(view, themes)
        orientation = criteria.orientation
        rqth = _declared_flag(view, "boe")
        situation = ProfessionalSituation(
            work_situation=_sets(view).get("work_situation") or situation.work_situation,
            education_level=orientation.get("niveau_etude") or situation.education_level,
            rqth=rqth if rqth is not None else situation.rqth,
            rsa=_declared_flag(view, "brsa"),
        )
    return Review(
        prediagnostic=prediagnostic,
        situation=situation,
        criteria=criteria,
        projects=chains(projects),
        themes=themes,
        answers=answer_rows(q, answers),
        to_discuss=to_discuss(q, answers),
    )


TO_DISCUSS = "conseiller"  # the option of bot/questionnaire.yml that stores nothing


def to_discuss(q: Questionnaire | None, answers: dict[str, PrediagnosticAnswer]) -> list[str]:
    """The freins (Santé, Famille, Papiers...) where the person chose to talk it over."""
    if q is None:
        return []
    names = {o.frein: o.sms for question in q.questions for o in question.options if o.frein}
    themes: list[str] = []
    for key, answer in answers.items():
        question = q.question(key)
        if question is None or not isinstance(answer.value, list):
            continue
        if TO_DISCUSS in answer.value:
            name = names.get(question.frein or "", question.key)
            if name not in themes:
                themes.append(name)
    return themes


# Each model is checked on its own (a union would lose their shared columns).
_Head = TypeVar("_Head", SituationItem, ProfessionalProject)


def _load_head(
    session: Session,
    model: type[_Head],
    row_id: int,
    beneficiary: Beneficiary,
) -> Any:
    row = session.scalar(select(model).where(model.id == row_id).with_for_update())
    if row is None or row.beneficiary_id != beneficiary.id:
        raise Refused(
            404,
            "unknown item",
            "Élément introuvable",
            "Cet élément n'existe pas pour cette personne.",
        )
    newer = session.scalar(select(model.id).where(model.supersedes_id == row.id).limit(1))
    if newer is not None:
        raise Refused(
            409,
            "someone already acted on this item",
            "Déjà modifié",
            "Quelqu'un a déjà agi sur cet élément. Rechargez la page pour voir sa version actuelle.",
        )
    return row


def review_situation(
    session: Session,
    beneficiary: Beneficiary,
    account: Account,
    item_id: int,
    action: str,
    new_label: str | None = None,
) -> SituationItem:
    if action not in ACTION_STATUS:
        raise Refused(
            400,
            "unknown action",
            "Action inconnue",
            "Choisissez valider, corriger ou retirer.",
        )
    item = _load_head(session, SituationItem, item_id, beneficiary)
    label = item.label
    if action == "correct":
        allowed = theme_situations().get(item.theme_key, [])
        if not new_label or new_label not in allowed or new_label == item.label:
            raise Refused(
                400,
                "a correction is another situation of the same theme",
                "Correction impossible",
                "Choisissez une autre situation de la même thématique dans la liste.",
            )
        label = new_label
    row = SituationItem(
        beneficiary_id=item.beneficiary_id,
        prediagnostic_id=item.prediagnostic_id,
        theme_key=item.theme_key,
        label=label,
        detail=item.detail,
        status=ACTION_STATUS[action],
        source={"review_of": item.id},
        supersedes_id=item.id,
        acted_by_id=account.id,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        EventKind.situation_item_reviewed,
        beneficiary_id=beneficiary.id,
        account_id=account.id,
        data={
            "item_id": row.id,
            "supersedes_id": item.id,
            "action": action,
            "theme_key": item.theme_key,
            "label": label,
            "previous_label": item.label,
        },
    )
    return row


def review_project(
    session: Session, beneficiary: Beneficiary, account: Account, project_id: int, action: str
) -> ProfessionalProject:
    if action not in ("validate", "remove"):
        raise Refused(400, "unknown action", "Action inconnue", "Choisissez valider ou retirer.")
    project = _load_head(session, ProfessionalProject, project_id, beneficiary)
    row = ProfessionalProject(
        beneficiary_id=project.beneficiary_id,
        prediagnostic_id=project.prediagnostic_id,
        job_label=project.job_label,
        mobility_radius_km=project.mobility_radius_km,
        contract_types=list(project.contract_types or []),
        employment_type=project.employment_type,
        status=ACTION_STATUS[action],
        source={"review_of": project.id},
        supersedes_id=project.id,
        acted_by_id=account.id,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        EventKind.professional_project_reviewed,
        beneficiary_id=beneficiary.id,
        account_id=account.id,
        data={"project_id": row.id, "supersedes_id": project.id, "action": action},
    )
    return row


def validate_remaining(
    session: Session, review: Review, beneficiary: Beneficiary, account: Account
) -> int:
    """Validate every declaration still pending, in one go."""
    count = 0
    for theme in review.themes:
        for chain in theme.chains:
            if chain.head.status == DeclarationStatus.declared:
                review_situation(session, beneficiary, account, chain.head.id, "validate")
                count += 1
    for chain in review.projects:
        if chain.head.status == DeclarationStatus.declared:
            review_project(session, beneficiary, account, chain.head.id, "validate")
            count += 1
    return count


def validate_prediagnostic(
    session: Session, prediagnostic: Prediagnostic, beneficiary: Beneficiary, account: Account
) -> None:
    if prediagnostic.status not in (PrediagnosticStatus.submitted, PrediagnosticStatus.validated):
        raise Refused(
            409,
            "the pre-diagnostic is not sent yet",
            "Pré-diagnostic pas terminé",
            "La personne n'a pas encore envoyé ses réponses.",
        )
    pending = build_review(session, prediagnostic).pending
    if pending:
        raise Refused(
            409,
            "some items are not reviewed yet",
            "Il reste des éléments à vérifier",
            f"{pending} élément(s) n'ont pas encore été validés, corrigés ou retirés.",
        )
    if prediagnostic.status == PrediagnosticStatus.validated:
        return
    prediagnostic.status = PrediagnosticStatus.validated
    prediagnostic.validated_at = utcnow()
    prediagnostic.validated_by_id = account.id
    record_event(
        session,
        EventKind.prediagnostic_validated,
        beneficiary_id=beneficiary.id,
        account_id=account.id,
        data={"prediagnostic_id": prediagnostic.id},
    )


def audit_read(
    session: Session, account: Account, beneficiary: Beneficiary, what: str, **data: Any
) -> None:
    """Every read of a person's pre-diagnostic leaves a trace: who, when, what."""
    record_event(
        session,
        EventKind.audit_read,
        beneficiary_id=beneficiary.id,
        account_id=account.id,
        data={"what": what, **data},
    )
