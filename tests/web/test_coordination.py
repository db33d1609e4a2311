"""Coordinator pages: questionnaire funnel from the event log, fallbacks and their NLU export."""

import html
from datetime import timedelta

import yaml
from sqlalchemy import select

from backend.models import Beneficiary, Contact, Event, Prediagnostic, utcnow
from backend.web.fallbacks import CONTRACT_INTENTS, intents
from backend.web.funnel import compute_funnel
from tests.support.prediag import awa, submitted_prediagnostic
from tests.web.conftest import post_form


def run(db, beneficiary, channel, steps, submitted=False, start=None):
    """One questionnaire: steps are (question_key, seconds_to_answer or None if never)."""
    start = start or utcnow() - timedelta(hours=1)
    prediagnostic = Prediagnostic(
        beneficiary_id=beneficiary.id,
        channel=channel,
        status="submitted" if submitted else "in_progress",
    )
    db.add(prediagnostic)
    db.flush()
    at = start
    for key, seconds in steps:
        data = {"prediagnostic_id": prediagnostic.id, "question_key": key, "channel": channel}
        db.add(Event(kind="prediag_question_asked", data=data, created_at=at))
        if seconds is not None:
            at += timedelta(seconds=seconds)
            db.add(Event(kind="prediag_answer_saved", data=data, created_at=at))
        else:
            at += timedelta(seconds=1)  # the next question goes out with the previous answer
    if submitted:
        db.add(
            Event(
                kind="prediag_submitted",
                data={"prediagnostic_id": prediagnostic.id, "channel": channel},
                created_at=at,
            )
        )
    db.flush()


def test_funnel_counts_reached_answered_dropped_and_median(seeded):
    person = awa(seeded)
    run(seeded, person, "sms", [("q1", 10), ("q2", 30), ("q3", 50)], submitted=True)
    run(seeded, person, "sms", [("q1", 20), ("q2", None)])  # stopped at q2
    run(seeded, person, "sms", [("q1", 40), ("q2", 10), ("q3", None)])  # stopped at q3
    run(seeded, person, "telegram", [("q1", None)])  # stopped at q1
    # Asked again after a skip and answered later: not a drop.
    run(seeded, person, "telegram", [("q1", 5), ("q2", None), ("q2", 8)])
    # Outside the period.
    run(seeded, person, "sms", [("q1", None)], start=utcnow() - timedelta(days=40))
    seeded.commit()

    funnel = compute_funnel(seeded, utcnow() - timedelta(days=30))
    by_key = {q.key: q for q in funnel.questions}
    assert [q.key for q in funnel.questions] == ["q1", "q2", "q3"]
    assert (by_key["q1"].reached, by_key["q1"].answered, by_key["q1"].dropped) == (5, 4, 1)
    assert (by_key["q2"].reached, by_key["q2"].answered, by_key["q2"].dropped) == (4, 3, 1)
    assert (by_key["q3"].reached, by_key["q3"].answered, by_key["q3"].dropped) == (2, 1, 1)
    assert by_key["q1"].median_seconds == 15  # 10, 20, 40, 5
    assert by_key["q3"].median_seconds == 50
    channels = {c.channel: (c.started, c.completed) for c in funnel.channels}
    assert channels == {"sms": (3, 1), "telegram": (2, 0)}
    everything = compute_funnel(seeded, None)
    assert {c.channel: c.started for c in everything.channels}["sms"] == 4


def test_funnel_follows_the_questionnaire_with_question_texts(signed_in, seeded):
    person = awa(seeded)
    # Without "logement", impact_famille comes early in a run; the questionnaire asks
    # impact_logement first all the same.
    run(seeded, person, "sms", [("freins", 5), ("impact_famille", 7)], submitted=True)
    run(seeded, person, "sms", [("freins", 5), ("impact_logement", 9), ("situations_logement", 4),
                                ("impact_famille", 3)], submitted=True)  # fmt: skip
    seeded.commit()
    keys = [q.key for q in compute_funnel(seeded).questions]
    assert keys == ["freins", "impact_logement", "situations_logement", "impact_famille"]
    client = signed_in("coordinateur@demo.fr")
    text = html.unescape(client.get("/coordination").text)
    table = text[text.index("<table>") :]
    assert table.index("Logement: ça vous gêne") < table.index("Famille (facultatif): ça vous gêne")
    assert "impact_logement" not in text and "Qu'est-ce qui vous freine ?" in text
    assert "Logement: ça vous gêne pour chercher un emploi ?" in text.split("</svg>")[0]


def test_time_to_answer_counts_from_the_previous_answer(seeded):
    """If the 'asked' event is written in the very turn the answer comes (a question shown
    again just before it is read), the time the person took still counts."""
    person = awa(seeded)
    prediagnostic = Prediagnostic(beneficiary_id=person.id, channel="sms", status="in_progress")
    seeded.add(prediagnostic)
    seeded.flush()
    start = utcnow() - timedelta(hours=1)
    events = [
        ("prediag_question_asked", "activite", 0),
        ("prediag_answer_saved", "activite", 12),
        # The next question is only logged as asked when the answer arrives, 40 s later.
        ("prediag_question_asked", "niveau", 51.9),
        ("prediag_answer_saved", "niveau", 52),
    ]
    for kind, key, seconds in events:
        data = {"prediagnostic_id": prediagnostic.id, "question_key": key, "channel": "sms"}
        seeded.add(Event(kind=kind, data=data, created_at=start + timedelta(seconds=seconds)))
    seeded.commit()
    medians = {q.key: q.median_seconds for q in compute_funnel(seeded).questions}
    assert medians == {"activite": 12, "niveau": 40}


def test_funnel_page_shows_chart_and_table_without_answers(signed_in, seeded):
    prediagnostic = submitted_prediagnostic(seeded, awa(seeded))
    seeded.commit()
    client = signed_in("coordinateur@demo.fr")
    page = client.get("/coordination")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "<svg" in text and 'role="img"' in text
    assert "work_situation" in text and "20 s" in text  # median time to answer
    assert "100 %" in text  # every sms questionnaire was sent
    assert 'href="/chat"' in text
    # Aggregates only: no name, no answer, no message of the person.
    for private in ("Awa", "Diallo", "recherche_emploi", "Hébergé chez un tiers", "soeur"):
        assert private not in text
    assert seeded.scalar(select(Event).where(Event.kind == "audit_read")) is None
    assert client.get("/coordination?periode=nimporte").status_code == 200
    assert prediagnostic.id


def fallback(db, text, best_guess="greet", confidence=0.31):
    contact = db.scalar(select(Contact).join(Beneficiary).where(Beneficiary.first_name == "Awa"))
    event = Event(
        kind="nlu_fallback",
        contact_id=contact.id,
        data={"text": text, "best_guess": best_guess, "confidence": confidence},
    )
    db.add(event)
    db.flush()
    return event


def test_fallbacks_assigned_and_exported_as_rasa_nlu(signed_in, seeded):
    rdv = fallback(seeded, "c koi mon rdv", "ask_next_appointment", 0.42)
    rdv_again = fallback(seeded, "C koi  mon RDV", "greet", 0.2)
    sick = fallback(seeded, "jsuis malade [demain]\npas venir", "cannot_attend", 0.5)
    junk = fallback(seeded, "azerty", None, None)
    seeded.commit()

    client = signed_in("coordinateur@demo.fr")
    page = html.unescape(client.get("/coordination/incompris").text)
    assert "c koi mon rdv" in page and "ask_next_appointment" in page and "42 %" in page

    url = "/coordination/incompris"
    assert post_form(client, url, f"{url}/{rdv.id}", {"intent": "greet"}).status_code == 303
    # A later decision replaces the earlier one (both stay in the log).
    post_form(client, url, f"{url}/{rdv.id}", {"intent": "ask_next_appointment"})
    post_form(client, url, f"{url}/{rdv_again.id}", {"intent": "ask_next_appointment"})
    post_form(client, url, f"{url}/{sick.id}", {"intent": "cannot_attend"})
    post_form(client, url, f"{url}/{junk.id}", {"intent": ""})
    assert (
        post_form(client, url, f"{url}/{junk.id}", {"intent": "not_an_intent"}).status_code == 400
    )
    assert post_form(client, url, f"{url}/999999", {"intent": "greet"}).status_code == 404
    no_token = client.post(f"{url}/{junk.id}", data={"intent": "greet"}, follow_redirects=False)
    assert no_token.status_code == 403

    todo = html.unescape(client.get(url).text)
    assert "c koi mon rdv" not in todo and "Aucun message ici" in todo
    done = html.unescape(client.get(f"{url}?voir=done").text)
    assert "mis de côté" in done and "coordinateur@demo.fr" in done

    response = client.get(f"{url}/export.yml")
    assert response.status_code == 200
    assert 'version: "3.1"' in response.text
    parsed = yaml.safe_load(response.text)
    assert parsed["version"] == "3.1"
    examples = {
        block["intent"]: [line[2:] for line in block["examples"].splitlines()]
        for block in parsed["nlu"]
    }
    assert examples == {
        "ask_next_appointment": ["c koi mon rdv"],  # the near-duplicate is dropped
        "cannot_attend": ["jsuis malade (demain) pas venir"],  # one line, no entity markup
    }
    assert set(examples) <= set(CONTRACT_INTENTS)
    assert seeded.scalars(select(Event).where(Event.kind == "nlu_fallback_assigned")).all()


def test_intent_list_is_the_nlu_contract(signed_in):
    client = signed_in("coordinateur@demo.fr")
    page = client.get("/coordination/incompris?voir=all")
    assert page.status_code == 200 and "Aucun message ici" in page.text
    assert set(CONTRACT_INTENTS) <= set(intents()) and "nlu_fallback" not in intents()


def test_questionnaire_answers_not_understood_show_their_question_and_the_guess(signed_in, seeded):
    contact = seeded.scalar(
        select(Contact).join(Beneficiary).where(Beneficiary.first_name == "Awa")
    )
    seeded.add(
        Event(
            kind="nlu_fallback",
            contact_id=contact.id,
            data={
                "text": "kovoitirage",
                "best_guess": "out_of_scope",
                "confidence": 0.5,
                "question_key": "situations_transport",
                "answer_guess": ["covoiturage"],
                "context": "questionnaire",
            },
        )
    )
    seeded.commit()
    page = html.unescape(signed_in("coordinateur@demo.fr").get("/coordination/incompris").text)
    assert "kovoitirage" in page
    assert "Réponse à : Transport, votre cas ?" in page
    assert "réponse « Covoiturage » ?" in page


def test_a_message_without_a_guess_has_no_intent_chosen_for_the_coordinator(signed_in, seeded):
    """'bosser', answered to a question, read by nothing: the select must not offer the first
    intent of the list (greet) as if it were the assistant's guess."""
    unknown = fallback(seeded, "bosser", "nlu_fallback", 0.6)
    guessed = fallback(seeded, "c koi mon rdv", "ask_next_appointment", 0.42)
    seeded.commit()
    client = signed_in("coordinateur@demo.fr")
    page = html.unescape(client.get("/coordination/incompris").text)
    select_of = {
        event.id: page.split(f'id="intent-{event.id}"', 1)[1].split("</select>", 1)[0]
        for event in (unknown, guessed)
    }
    assert '<option value="choisir" selected>' in select_of[unknown.id]
    assert " selected" not in select_of[unknown.id].replace('value="choisir" selected', "")
    assert '<option value="ask_next_appointment" selected>' in select_of[guessed.id]
    assert "choisir" not in select_of[guessed.id]
    # Sent as is, it is refused with a reason; nothing is assigned.
    url = "/coordination/incompris"
    refused = post_form(client, url, f"{url}/{unknown.id}", {"intent": "choisir"})
    assert refused.status_code == 400 and "Choisissez une intention" in html.unescape(refused.text)
