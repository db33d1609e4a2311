"""Import, invitation and triage pages, through the HTTP client a browser would be."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.core import clock
from backend.models import Beneficiary, Contact, Invitation, Task
from backend.services import invitations
from backend.worker import run_pending
from tests.web.conftest import csrf_of, post_form

CSV = (
    "nom;prenom;date_naissance;telephone;numero_allocataire\n"
    "Martin;Paul;12/03/1990;06 12 34 56 01;1000001\n"
    "Durand;Léa;1990-03-12;06 12 34 56 02;1000002\n"
    "Petit;Jo;01/01/1990;01 44 55 66 77;1000003\n"
)


@pytest.fixture
def daytime():
    """Monday 1 March 2027, 10:00 in Paris: inside quiet hours, so invitations go out."""
    clock.set_now(clock.FrozenClock(datetime(2027, 3, 1, 10, tzinfo=ZoneInfo("Europe/Paris"))))
    yield
    clock.reset()


def upload(client, text: str | bytes):
    token = csrf_of(client.get("/referent/import").text)
    data = text.encode("cp1252") if isinstance(text, str) else text
    return client.post(
        "/referent/import/apercu",
        data={"csrf_token": token},
        files={"fichier": ("liste.csv", data, "text/csv")},
    )


def test_upload_preview_confirm_then_invite(signed_in, seeded):
    client = signed_in("referente@demo.fr")
    preview = upload(client, CSV)
    assert preview.status_code == 200, preview.text
    assert "Aperçu de « liste.csv »" in preview.text
    assert "pas un numéro de portable" in preview.text and "<td>4</td>" in preview.text
    assert seeded.scalar(select(Beneficiary).where(Beneficiary.caf_number == "1000001")) is None
    confirm = client.post(
        "/referent/import/confirmer",
        data={"csrf_token": csrf_of(preview.text), "csv_text": CSV},
        follow_redirects=False,
    )
    assert confirm.headers["location"] == "/referent/invitations"
    page = client.get("/referent/invitations").text
    assert (
        "Import terminé : 2 personne(s) créée(s), 0 mise(s) à jour, 1 ligne(s) refusée(s)." in page
    )
    assert "Inviter ces 3 personne(s)" in page  # Paul, Léa and the seeded Awa
    response = post_form(client, "/referent/invitations", "/referent/invitations")
    assert response.status_code == 303
    page = client.get("/referent/invitations").text
    assert "3 invitation(s) programmée(s)." in page
    assert page.count("Invitée, sans réponse") == 3
    seeded.expire_all()
    assert len(seeded.scalars(select(Task).where(Task.kind == invitations.TASK_KIND)).all()) == 3


def test_a_second_upload_of_the_same_file_creates_nobody(signed_in, seeded):
    client = signed_in("referente@demo.fr")
    preview = upload(client, CSV)
    client.post(
        "/referent/import/confirmer",
        data={"csrf_token": csrf_of(preview.text), "csv_text": CSV},
    )
    again = upload(client, CSV.replace(";", ",").encode("utf-8"))
    assert '<span class="n">0</span>personne(s) à créer' in again.text
    assert '<span class="n">2</span>déjà à jour' in again.text


def test_a_bad_file_is_refused_with_its_reason_and_other_roles_cannot_import(signed_in, seeded):
    client = signed_in("referente@demo.fr")
    response = upload(client, "prenom\nPaul\n")
    assert response.status_code == 400
    assert "Fichier refusé : colonne manquante : nom" in response.text
    coordinator = signed_in("coordinateur@demo.fr")
    assert coordinator.get("/referent/import").status_code == 403
    assert coordinator.get("/referent/triage").status_code == 403


def test_relaunch_button_once_the_invitation_went_out(signed_in, seeded, daytime):
    client = signed_in("referente@demo.fr")
    post_form(client, "/referent/invitations", "/referent/invitations")
    awa = seeded.scalar(select(Beneficiary).where(Beneficiary.first_name == "Awa"))
    relaunch = f'action="/referent/invitations/{awa.id}/relancer"'
    assert relaunch not in client.get("/referent/invitations").text  # not sent yet
    run_pending("w1")
    page = client.get("/referent/invitations").text
    assert relaunch in page and "envoyée le" in page
    post_form(client, "/referent/invitations", f"/referent/invitations/{awa.id}/relancer")
    seeded.expire_all()
    statuses = seeded.scalars(select(Invitation.status).order_by(Invitation.id)).all()
    assert statuses == ["replaced", "open"]
    assert "2 invitations" in client.get("/referent/invitations").text


def test_triage_page_links_an_unknown_number(signed_in, seeded, client, bot_headers):
    stranger = Contact(channel="sms", address="+33698765400")
    seeded.add(stranger)
    seeded.commit()
    client.post(
        f"/api/v1/bot/contacts/{stranger.id}/callback-requests",
        json={"preferred_time": "le matin"},
        headers=bot_headers,
    )
    browser = signed_in("referente@demo.fr")
    page = browser.get("/referent/triage").text
    assert "SMS +33698765400" in page and "Demande de rappel" in page and "le matin" in page
    seeded.expire_all()
    pending_id = seeded.get(Contact, stranger.id).beneficiary_id
    awa = seeded.scalar(select(Beneficiary).where(Beneficiary.first_name == "Awa"))
    response = post_form(
        browser,
        "/referent/triage",
        f"/referent/triage/{pending_id}/relier",
        {"beneficiary_id": str(awa.id)},
    )
    assert response.status_code == 303
    page = browser.get("/referent/triage").text
    assert "Numéro relié au dossier de Awa Diallo." in page
    assert "Aucun numéro à identifier." in page
    inbox = browser.get("/referent").text
    assert "le matin" in inbox  # the callback request now waits in the inbox


def test_coordinators_funnel_starts_at_invited(signed_in, seeded):
    referent = signed_in("referente@demo.fr")
    post_form(referent, "/referent/invitations", "/referent/invitations")
    coordinator = signed_in("coordinateur@demo.fr")
    page = coordinator.get("/coordination").text
    assert "Des invitations au pré-diagnostic" in page
    assert '<th scope="row">Invitées</th><td class="num">1</td>' in page


def test_an_admin_imports_and_invites_too(signed_in, seeded):
    admin = signed_in("admin@demo.fr")
    preview = upload(admin, CSV)
    assert preview.status_code == 200
    admin.post(
        "/referent/import/confirmer", data={"csrf_token": csrf_of(preview.text), "csv_text": CSV}
    )
    page = admin.get("/referent/invitations")
    assert page.status_code == 200 and "Inviter ces 3 personne(s)" in page.text
    assert "/referent/personnes/" not in page.text  # a person's page is for referents
    assert admin.get("/referent/triage").status_code == 200
