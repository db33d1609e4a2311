"""Coordinator tuning pages: questionnaire preview and reminder settings."""

import html

from sqlalchemy import select

from backend.models import Event
from backend.services import reminders
from backend.services.questionnaire.preview import questionnaire_preview
from tests.web.conftest import post_form


def test_preview_shows_every_question_as_sms_and_telegram(signed_in):
    client = signed_in("coordinateur@demo.fr")
    page = client.get("/coordination/questionnaire")
    assert page.status_code == 200
    rows = questionnaire_preview()
    text = html.unescape(page.text)
    for row in rows:
        assert f'id="q-{row["key"]}"' in page.text
        assert row["sms"]["text"].splitlines()[0] in text
    assert f"{sum(r['sms']['segments'] for r in rows)}</span>SMS si toutes" in page.text
    assert "GSM-7" in page.text and "UCS-2" not in page.text


def test_preview_names_the_line_of_a_broken_questionnaire(signed_in, tmp_path, monkeypatch):
    from backend.services.questionnaire import schema

    broken = tmp_path / "questionnaire.yml"
    good = schema.QUESTIONNAIRE_PATH.read_text(encoding="utf-8")
    broken.write_text(good.replace("type: single", "type: nonsense", 1), encoding="utf-8")
    monkeypatch.setattr(schema, "QUESTIONNAIRE_PATH", broken)
    page = signed_in("coordinateur@demo.fr").get("/coordination/questionnaire")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Le fichier du questionnaire contient une erreur." in text
    assert "questionnaire.yml, line " in text and "questions[1].type" in text


def test_referent_cannot_open_tuning_pages(signed_in):
    client = signed_in("referente@demo.fr")
    assert client.get("/coordination/questionnaire").status_code == 403
    assert client.get("/coordination/rappels").status_code == 403


def test_reminder_settings_are_changed_from_the_page(signed_in, seeded):
    client = signed_in("coordinateur@demo.fr")
    page = client.get("/coordination/rappels")
    assert 'value="48"' in page.text and 'value="08:00"' in page.text
    response = post_form(
        client,
        "/coordination/rappels",
        "/coordination/rappels",
        {"offsets": "48, 2", "quiet_start": "09:00", "quiet_end": "19:30"},
    )
    assert response.status_code == 303
    settings = reminders.load_settings(seeded).as_json()
    assert settings["offsets_hours"] == [48, 2]
    assert settings["quiet_hours"] == {"start": "09:00", "end": "19:30"}
    assert seeded.scalar(select(Event).where(Event.kind == "reminder_settings_changed"))
    assert "Réglages des rappels enregistrés" in client.get("/coordination/rappels").text


def test_bad_reminder_settings_are_refused_with_a_reason(signed_in, seeded):
    client = signed_in("coordinateur@demo.fr")
    response = post_form(
        client,
        "/coordination/rappels",
        "/coordination/rappels",
        {"offsets": "deux jours", "quiet_start": "08:00", "quiet_end": "20:00"},
    )
    assert response.status_code == 400
    assert "nombres d'heures" in html.unescape(response.text)
    assert reminders.load_settings(seeded).as_json()["offsets_hours"] == [48]
    response = post_form(
        client,
        "/coordination/rappels",
        "/coordination/rappels",
        {"offsets": "48", "quiet_start": "21:00", "quiet_end": "08:00"},
    )
    assert response.status_code == 400


def test_posting_without_csrf_is_refused(signed_in):
    client = signed_in("coordinateur@demo.fr")
    response = client.post(
        "/coordination/rappels", data={"offsets": "1", "quiet_start": "08:00", "quiet_end": "20:00"}
    )
    assert response.status_code == 403


def test_closed_simulator_accepts_a_signed_in_coordinator(signed_in, monkeypatch):
    from backend.core.config import get_settings

    monkeypatch.setenv("SIMULATOR_OPEN", "false")
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    body = {"contact": "+33612345678", "channel": "sms", "text": "bonjour"}
    assert signed_in("referente@demo.fr").post("/api/v1/simulate", json=body).status_code == 403
    # Past the check, the only thing missing is Rasa.
    assert signed_in("coordinateur@demo.fr").post("/api/v1/simulate", json=body).status_code == 503
