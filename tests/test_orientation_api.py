"""Suggested parcours stored and read (SQLite and PostgreSQL): computed from a sent
pre-diagnostic, recomputed when a review changes its facts, decided once, never sent to the
person."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.models import Event, Message, OrientationSuggestion, SituationItem, Task
from backend.seed import DEMO_PASSWORD, seed
from backend.services.orientation.rules import load_rules
from backend.services.orientation.store import (
    DecisionError,
    agreement_stats,
    decide,
    ensure_suggestion,
)
from backend.services.review import review_situation
from tests.support.prediag import awa
from tests.support.questionnaire_answers import AWA, answered_prediagnostic


@pytest.fixture
def seeded(db):
    seed(db)
    db.commit()
    return db


def login(client, email: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/login/access-token", data={"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def account(db, email):
    from backend.models import Account

    return db.scalar(select(Account).where(Account.email == email))


def test_api_answers_the_shape_of_the_issue_for_the_referent_only(client, seeded, bot_headers):
    person = awa(seeded)
    url = f"/api/v1/beneficiaries/{person.id}/orientation"
    headers = login(client, "referente@demo.fr")
    assert client.get(url, headers=headers).status_code == 404  # nothing sent yet
    answered_prediagnostic(seeded, person, status="in_progress")
    seeded.commit()
    assert client.get(url, headers=headers).status_code == 404  # still being answered

    answered_prediagnostic(seeded, person)
    seeded.commit()
    body = client.get(url, headers=headers).json()
    assert body == {
        "parcours": "PSO",
        "reasons": [
            "pas d'activité depuis plus de 2 ans",
            "logement : sans logement (compte comme impact fort)",
        ],
        "rules_version": load_rules().version,
        "status": "PRECONISE",
        "decision": None,
    }
    assert body["rules_version"].startswith("2025.1-")
    # Read twice, stored once.
    assert client.get(url, headers=headers).json() == body
    assert seeded.scalar(select(func.count()).select_from(OrientationSuggestion)) == 1
    kinds = seeded.scalars(select(Event.kind).order_by(Event.id)).all()
    assert kinds.count("orientation_suggested") == 1 and kinds.count("audit_read") == 2

    for email in ("referent.voisin@demo.fr", "coordinateur@demo.fr", "admin@demo.fr"):
        assert client.get(url, headers=login(client, email)).status_code == 403
    assert client.get(url).status_code == 401
    # The action server (what talks to the person) cannot read it.
    assert client.get(url, headers=bot_headers).status_code == 401
    assert (
        client.get("/api/v1/beneficiaries/999999/orientation", headers=headers).status_code == 404
    )
    assert client.get("/api/v1/beneficiaries/abc/orientation", headers=headers).status_code == 422


def test_a_review_that_changes_the_facts_gives_a_new_row_until_decided(seeded):
    person = awa(seeded)
    prediag = answered_prediagnostic(seeded, person)
    referent = account(seeded, "referente@demo.fr")
    first = ensure_suggestion(seeded, prediag, person)
    assert (first.parcours, first.rule_key) == ("PSO", "frein_fort_sans_activite")
    assert first.facts["situation_professionnelle"] == "PLUS_DEUX_ANS"

    # The referent removes "sans hébergement": housing still weighs a lot (declared impact).
    sans = seeded.scalar(select(SituationItem).where(SituationItem.label.like("Sans hébergement%")))
    review_situation(seeded, person, referent, sans.id, "remove")
    second = ensure_suggestion(seeded, prediag, person)
    assert second.id != first.id and second.supersedes_id == first.id
    assert second.reasons[-1]["text"] == "logement : impact fort"
    assert ensure_suggestion(seeded, prediag, person).id == second.id  # nothing changed

    # Deciding an outdated row is refused; the current one is decided once.
    with pytest.raises(DecisionError) as stale:
        decide(seeded, first, referent, "ACCEPTEE")
    assert stale.value.status == 409
    with pytest.raises(DecisionError) as no_motif:
        decide(seeded, second, referent, "REFUSEE", parcours="PSP")
    assert no_motif.value.status == 400
    with pytest.raises(DecisionError) as same:
        decide(seeded, second, referent, "REFUSEE", parcours="PSO", motif="AUTRE")
    assert same.value.status == 400
    decide(seeded, second, referent, "REFUSEE", "PSP", "APPRECIATION_DIFFERENTE", "hébergée")
    with pytest.raises(DecisionError) as twice:
        decide(seeded, second, referent, "ACCEPTEE")
    assert twice.value.status == 409

    # Once decided, later reviews no longer change it.
    tiers = seeded.scalar(
        select(SituationItem).where(SituationItem.label == "Hébergé chez un tiers")
    )
    review_situation(seeded, person, referent, tiers.id, "remove")
    assert ensure_suggestion(seeded, prediag, person).id == second.id
    seeded.commit()
    decided = seeded.scalar(select(Event).where(Event.kind == "orientation_decided")).data
    assert decided == {
        "suggestion_id": second.id,
        "prediagnostic_id": prediag.id,
        "suggested": "PSO",
        "rule_key": "frein_fort_sans_activite",
        "rules_version": load_rules().version,
        "decision": "REFUSEE",
        "parcours": "PSP",
        "motif_refus": "APPRECIATION_DIFFERENTE",
    }
    # Never said to the person: no message, no task.
    assert seeded.scalar(select(func.count()).select_from(Message)) == 0
    assert seeded.scalar(select(func.count()).select_from(Task)) == 0


def test_a_corrected_situation_becomes_the_option_that_stores_it(seeded):
    person = awa(seeded)
    answers = {**AWA, "freins": ["rien"], "capacite": ["oui"], "niveau": ["NV5"]}
    for key in (
        "impact_logement",
        "situations_logement",
        "impact_transport",
        "situations_transport",
    ):
        answers.pop(key)
    prediag = answered_prediagnostic(seeded, person, answers)
    referent = account(seeded, "referente@demo.fr")
    assert ensure_suggestion(seeded, prediag, person).parcours == "PED"
    available = seeded.scalar(
        select(SituationItem).where(SituationItem.label == "Disponible immédiatement")
    )
    review_situation(
        seeded, person, referent, available.id, "correct",
        "Indisponible pour un emploi dans l'immédiat",
    )  # fmt: skip
    row = ensure_suggestion(seeded, prediag, person)
    assert row.facts["capacite_a_travailler"] is False
    assert (row.parcours, row.rule_key) == ("EO", "pas_disponible_sans_frein")


def test_agreement_per_parcours_and_per_rule(seeded):
    person = awa(seeded)
    referent = account(seeded, "referente@demo.fr")
    outcomes = [("ACCEPTEE", None, None), ("REFUSEE", "PSP", "DECLARATION_INEXACTE"), None]
    for outcome in outcomes:
        prediag = answered_prediagnostic(seeded, person)
        row = ensure_suggestion(seeded, prediag, person)
        if outcome:
            decide(seeded, row, referent, outcome[0], outcome[1], outcome[2])
    seeded.commit()
    stats = agreement_stats(seeded)
    pso = next(a for a in stats.by_parcours if a.key == "PSO")
    assert (pso.decided, pso.accepted, pso.rate) == (2, 1, 0.5)
    assert pso.motifs == {"DECLARATION_INEXACTE": 1} and pso.instead == {"PSP": 1}
    assert [(a.key, a.decided) for a in stats.by_rule] == [("frein_fort_sans_activite", 2)]
    assert stats.pending == 1 and (stats.decided, stats.accepted) == (2, 1)
