"""Suggestions stored and decided: computed from a sent pre-diagnostic, kept PRECONISE until a
referent accepts or refuses them (DECIDE), every step in the event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Account,
    Beneficiary,
    OrientationDecision,
    OrientationStatus,
    OrientationSuggestion,
    Prediagnostic,
    utcnow,
)
from backend.services.chains import heads
from backend.services.events import EventKind, record_event
from backend.services.questionnaire.schema import QuestionnaireError, load_questionnaire

from .facts import facts_from, reviewed_view
from .labels import MOTIF_REFUS_LABELS
from .rules import PARCOURS, OrientationRulesError, load_rules
from .suggest import suggest

SENT = ("submitted", "validated")
COMMENT_MAX = 500


class DecisionError(ValueError):
    """A decision that cannot be recorded; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def latest_suggestion(session: Session, prediag: Prediagnostic) -> OrientationSuggestion | None:
    return session.scalar(
        select(OrientationSuggestion)
        .where(OrientationSuggestion.prediagnostic_id == prediag.id)
        .order_by(OrientationSuggestion.id.desc())
        .limit(1)
    )


def ensure_suggestion(
    session: Session,
    prediag: Prediagnostic,
    beneficiary: Beneficiary,
    today: date | None = None,
) -> OrientationSuggestion | None:
    """The current suggestion of a sent pre-diagnostic, computed (or recomputed) if needed.

    Recomputed only while nobody has decided: when a review changed the facts, or the rules
    (file or settings) changed. Raises OrientationRulesError when the rules file is wrong.
    """
    if prediag.status not in SENT:
        return None
    try:
        questionnaire = load_questionnaire()
    except QuestionnaireError as exc:  # said where by the questionnaire preview too
        raise OrientationRulesError(f"the questionnaire cannot be read: {exc}") from exc
    if not any(questionnaire.question(a.question_key) for a in prediag.answers):
        return None  # not filled with the questionnaire (an import): its criteria are unknown
    latest = latest_suggestion(session, prediag)
    if latest is not None and latest.status == OrientationStatus.DECIDE:
        return latest
    rules = load_rules()
    view = reviewed_view(session, prediag, questionnaire)
    facts = facts_from(view, beneficiary, today or utcnow().date())
    result = suggest(facts, rules)
    facts_data = facts.as_dict()
    if latest is not None and latest.rules_version == rules.version and latest.facts == facts_data:
        return latest
    row = OrientationSuggestion(
        beneficiary_id=beneficiary.id,
        prediagnostic_id=prediag.id,
        parcours=result.parcours,
        rule_key=result.rule_key,
        reasons=[r.as_dict() for r in result.reasons],
        facts=facts_data,
        rules_version=rules.version,
        status=OrientationStatus.PRECONISE,
        supersedes_id=latest.id if latest else None,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        EventKind.orientation_suggested,
        beneficiary_id=beneficiary.id,
        data={
            "suggestion_id": row.id,
            "prediagnostic_id": prediag.id,
            "parcours": row.parcours,
            "rule_key": row.rule_key,
            "rules_version": row.rules_version,
            "supersedes_id": row.supersedes_id,
        },
    )
    return row


def decide(
    session: Session,
    suggestion: OrientationSuggestion,
    account: Account,
    decision: str,
    parcours: str | None = None,
    motif: str | None = None,
    comment: str | None = None,
) -> OrientationSuggestion:
    """Accept the suggestion, or refuse it with a national motif (and maybe another parcours)."""
    if suggestion.status != OrientationStatus.PRECONISE:
        raise DecisionError(409, "Cette proposition a déjà été décidée.")
    newer = session.scalar(
        select(OrientationSuggestion.id)
        .where(OrientationSuggestion.supersedes_id == suggestion.id)
        .limit(1)
    )
    if newer is not None:
        raise DecisionError(
            409, "La proposition a changé depuis l'affichage de la page : rechargez-la."
        )
    comment = (comment or "").strip() or None
    if comment and len(comment) > COMMENT_MAX:
        raise DecisionError(400, f"Le commentaire dépasse {COMMENT_MAX} caractères.")
    if decision == "ACCEPTEE":
        parcours, motif = suggestion.parcours, None
    elif decision == "REFUSEE":
        if motif not in MOTIF_REFUS_LABELS:
            raise DecisionError(400, "Choisissez le motif du refus dans la liste.")
        parcours = parcours or None
        if parcours is not None and parcours not in PARCOURS:
            raise DecisionError(400, "Choisissez un parcours de la liste.")
        if parcours == suggestion.parcours:
            raise DecisionError(
                400, "Pour garder le parcours proposé, acceptez la proposition plutôt."
            )
    else:
        raise DecisionError(400, "Acceptez ou refusez la proposition.")
    suggestion.status = OrientationStatus.DECIDE
    suggestion.decision = OrientationDecision(decision)
    suggestion.decided_parcours = parcours
    suggestion.motif_refus = motif
    suggestion.comment = comment
    suggestion.decided_at = utcnow()
    suggestion.decided_by_id = account.id
    record_event(
        session,
        EventKind.orientation_decided,
        beneficiary_id=suggestion.beneficiary_id,
        account_id=account.id,
        data={
            "suggestion_id": suggestion.id,
            "prediagnostic_id": suggestion.prediagnostic_id,
            "suggested": suggestion.parcours,
            "rule_key": suggestion.rule_key,
            "rules_version": suggestion.rules_version,
            "decision": decision,
            "parcours": parcours,
            "motif_refus": motif,
        },
    )
    session.flush()
    return suggestion


def as_api(suggestion: OrientationSuggestion) -> dict[str, Any]:
    """The shape of GET /api/v1/beneficiaries/{id}/orientation."""
    decision = None
    if suggestion.status == OrientationStatus.DECIDE:
        decision = {
            "decision": suggestion.decision,
            "parcours": suggestion.decided_parcours,
            "motif_refus": suggestion.motif_refus,
            "comment": suggestion.comment,
            "decided_at": suggestion.decided_at.isoformat() if suggestion.decided_at else None,
            "decided_by_id": suggestion.decided_by_id,
        }
    return {
        "parcours": suggestion.parcours,
        "reasons": [r["text"] for r in suggestion.reasons],
        "rules_version": suggestion.rules_version,
        "status": suggestion.status,
        "decision": decision,
    }


# --- agreement, for coordinators ------------------------------------------------------------


@dataclass
class Agreement:
    key: str
    decided: int = 0
    accepted: int = 0
    motifs: dict[str, int] = field(default_factory=dict)
    instead: dict[str, int] = field(default_factory=dict)  # parcours chosen on refusal

    @property
    def rate(self) -> float:
        return self.accepted / self.decided if self.decided else 0.0

    @property
    def refused(self) -> int:
        return self.decided - self.accepted


@dataclass
class AgreementStats:
    by_parcours: list[Agreement]
    by_rule: list[Agreement]
    pending: int

    @property
    def decided(self) -> int:
        return sum(a.decided for a in self.by_parcours)

    @property
    def accepted(self) -> int:
        return sum(a.accepted for a in self.by_parcours)


def agreement_stats(session: Session, since: datetime | None = None) -> AgreementStats:
    """How often referents accept the suggestion, per suggested parcours and per rule."""
    query = select(
        OrientationSuggestion.id,
        OrientationSuggestion.supersedes_id,
        OrientationSuggestion.parcours,
        OrientationSuggestion.rule_key,
        OrientationSuggestion.status,
        OrientationSuggestion.decision,
        OrientationSuggestion.decided_parcours,
        OrientationSuggestion.motif_refus,
        OrientationSuggestion.decided_at,
        OrientationSuggestion.created_at,
    )
    rows = session.execute(query).all()
    by_parcours = {p: Agreement(p) for p in PARCOURS}
    by_rule: dict[str, Agreement] = {}
    pending = 0
    for row in heads(rows):
        if row.status != OrientationStatus.DECIDE:
            if since is None or row.created_at >= since:
                pending += 1
            continue
        if since is not None and (row.decided_at is None or row.decided_at < since):
            continue
        for agreement in (
            by_parcours.setdefault(row.parcours, Agreement(row.parcours)),
            by_rule.setdefault(row.rule_key, Agreement(row.rule_key)),
        ):
            agreement.decided += 1
            if row.decision == "ACCEPTEE":
                agreement.accepted += 1
            else:
                motif = row.motif_refus or "AUTRE"
                agreement.motifs[motif] = agreement.motifs.get(motif, 0) + 1
                instead = row.decided_parcours or "—"
                agreement.instead[instead] = agreement.instead.get(instead, 0) + 1
    order = {r.key: i for i, r in enumerate(load_rules().rules)}
    return AgreementStats(
        by_parcours=list(by_parcours.values()),
        by_rule=sorted(by_rule.values(), key=lambda a: (order.get(a.key, len(order)), a.key)),
        pending=pending,
    )


def sent_prediagnostic(session: Session, beneficiary: Beneficiary) -> Prediagnostic | None:
    """The latest pre-diagnostic the person sent (the one a suggestion is computed from)."""
    return session.scalar(
        select(Prediagnostic)
        .where(Prediagnostic.beneficiary_id == beneficiary.id, Prediagnostic.status.in_(SENT))
        .order_by(Prediagnostic.id.desc())
        .limit(1)
    )
