"""Referent pages: inbox, review of a pre-diagnostic (nothing overwritten), exports, scoping."""

import csv
import html
import io
import json

import pytest
from sqlalchemy import select

from backend.models import (
    CallbackRequest,
    Event,
    Prediagnostic,
    ProfessionalProject,
    SituationItem,
    SituationUpdate,
)
from tests.support.prediag import awa, submitted_prediagnostic
from tests.web.conftest import post_form


@pytest.fixture
def prediag(seeded):
    prediagnostic = submitted_prediagnostic(seeded, awa(seeded))
    seeded.commit()
    return prediagnostic


def items(db, label):
    return list(db.scalars(select(SituationItem).where(SituationItem.label == label)))


def head(db, label):
    return max(items(db, label), key=lambda i: i.id)


def test_beneficiary_page_lays_out_the_prediagnostic_by_theme_and_audits_the_read(
    signed_in, seeded, prediag
):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    page = client.get(f"/referent/personnes/{person.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    # Professional situation first, then projects, then themes in the referential's order.
    order = [
        "En recherche d'emploi", "Bac", "Aide-soignante", "Logement", "Hébergé chez un tiers",
        "Mobilité", "Permis B", "Santé", "Couverture sociale / mutuelle à mettre à jour",
    ]  # fmt: skip
    positions = [text.index(label) for label in order]
    assert positions == sorted(positions)
    assert text.count("Déclaré, à vérifier") == 5  # 4 situations + 1 project
    assert "je suis heberge chez ma soeur" in text  # transcript
    assert "Premier rendez-vous d'accompagnement" in text  # next appointment
    audit = seeded.scalars(select(Event).where(Event.kind == "audit_read")).all()
    assert [(e.account_id is not None, e.beneficiary_id, e.data["what"]) for e in audit] == [
        (True, person.id, "beneficiary_page")
    ]


def test_validate_correct_remove_never_overwrite(signed_in, seeded, prediag):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    page = f"/referent/personnes/{person.id}"
    permis = head(seeded, "Permis B")
    tiers = head(seeded, "Hébergé chez un tiers")
    mutuelle = head(seeded, "Couverture sociale / mutuelle à mettre à jour")

    assert (
        post_form(
            client, page, f"{page}/situations/{permis.id}", {"action": "validate"}
        ).status_code
        == 303
    )
    response = post_form(
        client, page, f"{page}/situations/{tiers.id}",
        {"action": "correct", "label": "Hébergé au domicile parental"},
    )  # fmt: skip
    assert response.status_code == 303
    assert (
        post_form(
            client, page, f"{page}/situations/{mutuelle.id}", {"action": "remove"}
        ).status_code
        == 303
    )

    # A label from another theme, or an unknown one, is refused.
    other_theme = post_form(
        client, page, f"{page}/situations/{head(seeded, 'Dépendant des transports en commun').id}",
        {"action": "correct", "label": "Propriétaire"},
    )  # fmt: skip
    assert other_theme.status_code == 400
    # Acting on a row that was already superseded is refused: someone acted first.
    stale = post_form(client, page, f"{page}/situations/{permis.id}", {"action": "remove"})
    assert stale.status_code == 409

    seeded.expire_all()
    rows = seeded.scalars(select(SituationItem).order_by(SituationItem.id)).all()
    assert len(rows) == 4 + 3  # originals kept, one new row per review
    originals = {r.id: r for r in rows[:4]}
    assert all(r.status == "declared" for r in originals.values())
    reviews = {r.supersedes_id: r for r in rows[4:]}
    assert reviews[permis.id].status == "validated" and reviews[permis.id].label == "Permis B"
    assert reviews[tiers.id].status == "corrected"
    assert reviews[tiers.id].label == "Hébergé au domicile parental"
    assert reviews[tiers.id].theme_key == "logement"
    assert reviews[mutuelle.id].status == "removed"
    assert all(r.acted_by_id is not None for r in reviews.values())
    assert seeded.scalar(select(Event).where(Event.kind == "situation_item_reviewed")) is not None

    text = client.get(page).text
    assert "Hébergé au domicile parental" in text and "Historique (2 étapes)" in text
    assert "Corrigé" in text and "Retiré" in text


def test_prediagnostic_validation_then_exports(signed_in, seeded, prediag):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    page = f"/referent/personnes/{person.id}"
    pd_url = f"{page}/prediagnostics/{prediag.id}"

    assert client.get(f"{pd_url}/export.json").status_code == 409  # not validated yet
    early = post_form(client, page, f"{pd_url}/valider")
    assert early.status_code == 409 and "élément(s)" in early.text

    tiers = head(seeded, "Hébergé chez un tiers")
    post_form(client, page, f"{page}/situations/{tiers.id}",
              {"action": "correct", "label": "Locataire du parc social"})  # fmt: skip
    post_form(
        client, page, f"{page}/situations/{head(seeded, 'Permis B').id}", {"action": "remove"}
    )
    assert post_form(client, page, f"{pd_url}/tout-valider").status_code == 303
    assert post_form(client, page, f"{pd_url}/valider").status_code == 303
    seeded.expire_all()
    validated = seeded.get(Prediagnostic, prediag.id)
    assert validated.status == "validated" and validated.validated_by_id is not None
    projects = seeded.scalars(select(ProfessionalProject).order_by(ProfessionalProject.id)).all()
    assert [p.status for p in projects] == ["declared", "validated"]

    response = client.get(f"{pd_url}/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    body = json.loads(response.text)
    data = body["input"]
    assert set(data) == {
        "id", "workSituation", "workSituationDate", "workSituationEndDate", "rightRqth",
        "educationLevel", "lastJobEndedAt", "professionalProjectIdsToDelete",
        "professionalProjectsToAdd", "professionalProjectsToUpdate", "situationIdsToDelete",
        "situationsToAdd",
    }  # fmt: skip
    assert data["workSituation"] == "recherche_emploi"
    assert data["educationLevel"] == "NV4"
    assert data["rightRqth"] is False
    assert data["professionalProjectsToAdd"] == [
        {
            "notebookId": None, "romeCodeId": None, "romeLabel": "Aide-soignante",
            "mobilityRadius": 30,
            "contractTypeId": None, "contractTypeIds": ["cdi", "cdd"],
            "employmentTypeId": "full_time", "hourlyRate": None,
        }
    ]  # fmt: skip
    # Removed items are left out; the correction replaces what was declared.
    assert [(s["themeKey"], s["situationLabel"]) for s in data["situationsToAdd"]] == [
        ("logement", "Locataire du parc social"),
        ("mobilite", "Dépendant des transports en commun"),
        ("sante", "Couverture sociale / mutuelle à mettre à jour"),
    ]
    assert body["meta"]["prediagnosticId"] == prediag.id
    assert body["meta"]["validatedBy"] == "referente@demo.fr"

    response = client.get(f"{pd_url}/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert [r["rubrique"] for r in rows] == [
        "situation_professionnelle", "niveau_formation", "rqth", "projet_professionnel",
        "situation_personnelle", "situation_personnelle", "situation_personnelle",
    ]  # fmt: skip
    assert rows[1]["code"] == "NV4" and rows[1]["libelle"] == "Bac"
    assert rows[4]["libelle"] == "Locataire du parc social" and rows[4]["statut"] == "Corrigé"

    whats = seeded.scalars(select(Event).where(Event.kind == "audit_read")).all()
    assert [e.data["what"] for e in whats].count("export_json") == 1
    assert [e.data["what"] for e in whats].count("export_csv") == 1


def test_inbox_counts_ages_and_mark_handled(signed_in, seeded, prediag):
    person = awa(seeded)
    seeded.add(
        SituationUpdate(beneficiary_id=person.id, kind="emploi", data={"employeur": "Ehpad"})
    )
    seeded.add(CallbackRequest(beneficiary_id=person.id, kind="cannot_attend", reason="malade"))
    seeded.add(CallbackRequest(beneficiary_id=person.id, kind="callback", preferred_time="matin"))
    seeded.add(CallbackRequest(beneficiary_id=person.id, kind="callback", status="handled"))
    seeded.commit()

    client = signed_in("referente@demo.fr")
    text = client.get("/referent").text
    assert "Nouveaux pré-diagnostics (1)" in text
    assert "Changements de situation (1)" in text
    assert "Absences annoncées (1)" in text
    assert "Demandes de rappel (1)" in text
    assert "il y a 2 h" in text  # the pre-diagnostic was sent 2 h 50 ago

    update_row = seeded.scalar(select(SituationUpdate))
    refused = client.post(
        f"/referent/suivis/situation/{update_row.id}/traite", data={}, follow_redirects=False
    )
    assert refused.status_code == 403  # no CSRF token
    response = post_form(client, "/referent", f"/referent/suivis/situation/{update_row.id}/traite")
    assert response.status_code == 303
    callback = seeded.scalar(
        select(CallbackRequest).where(
            CallbackRequest.kind == "callback", CallbackRequest.status == "open"
        )
    )
    post_form(client, "/referent", f"/referent/suivis/rappel/{callback.id}/traite")
    # The kind in the URL must match the row.
    absence = seeded.scalar(select(CallbackRequest).where(CallbackRequest.kind == "cannot_attend"))
    assert (
        post_form(client, "/referent", f"/referent/suivis/rappel/{absence.id}/traite").status_code
        == 404
    )

    seeded.expire_all()
    handled = seeded.get(SituationUpdate, update_row.id)
    assert handled.status == "handled" and handled.handled_at is not None and handled.handled_by_id
    assert seeded.get(CallbackRequest, callback.id).status == "handled"
    kinds = seeded.scalars(select(Event.kind).where(Event.kind.like("%_handled"))).all()
    assert sorted(kinds) == ["callback_request_handled", "situation_update_handled"]
    text = client.get("/referent").text
    assert "Changements de situation (0)" in text and "Demandes de rappel (0)" in text
    assert "Absences annoncées (1)" in text


def test_other_structure_and_other_roles_get_403(signed_in, seeded, prediag):
    person = awa(seeded)
    page = f"/referent/personnes/{person.id}"
    tiers = head(seeded, "Hébergé chez un tiers")
    seeded.add(SituationUpdate(beneficiary_id=person.id, kind="demenagement"))
    seeded.commit()

    client = signed_in("referent.voisin@demo.fr")
    response = client.get(page)
    assert response.status_code == 403 and "autre structure" in response.text
    assert client.get(f"{page}/prediagnostics/{prediag.id}/export.csv").status_code == 403
    assert "Awa" not in client.get("/referent").text
    assert "Awa" not in client.get("/referent/personnes").text
    acting = post_form(client, "/referent", f"{page}/situations/{tiers.id}", {"action": "validate"})
    assert acting.status_code == 403
    update_row = seeded.scalar(select(SituationUpdate))
    assert (
        post_form(
            client, "/referent", f"/referent/suivis/situation/{update_row.id}/traite"
        ).status_code
        == 403
    )

    for email in ("coordinateur@demo.fr", "admin@demo.fr"):
        client = signed_in(email)
        assert client.get(page).status_code == 403
        assert client.get(f"{page}/prediagnostics/{prediag.id}/export.json").status_code == 403

    seeded.expire_all()
    assert len(items(seeded, "Hébergé chez un tiers")) == 1
    assert seeded.scalar(select(Event).where(Event.kind == "audit_read")) is None
    assert client.get("/referent/personnes/999999").status_code == 403  # admin: not a referent
    client = signed_in("referente@demo.fr")
    assert client.get("/referent/personnes/999999").status_code == 404
    assert client.get("/referent/personnes/abc").status_code == 400
