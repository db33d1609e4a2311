"""Transcripts through the real stack: appointments, reminders answered by digit, situation
updates, callback requests. Each test enrols its own person so the tests stay independent."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend.core import clock
from backend.core.db import session_scope
from backend.models import (
    Appointment,
    CallbackRequest,
    Contact,
    Event,
    SituationUpdate,
    Task,
)
from backend.services import reminders

PARIS = ZoneInfo("Europe/Paris")
_other_phones = itertools.count(1)


def test_next_appointment_in_plain_french_then_confirmed_with_1(chat, enrol):
    lina = enrol()
    person = chat()
    text = person.say_text("c quand mon rdv")
    assert text.startswith(f"Votre prochain RDV : {lina['when']}, Mission locale Démo, 12 rue")
    assert "avec Claire." in text
    assert text.endswith("1 Je confirme\n2 Je ne peux pas venir\nRépondez 1 ou 2")
    assert person.say_text("1") == f"Merci, c'est noté : on vous attend {lina['when']}."
    with session_scope() as session:
        appointment = session.get(Appointment, lina["appointment_id"])
        assert appointment.confirmed_at is not None
    assert "Vous avez confirmé, merci." in person.say_text("c quand mon rdv")


def test_phone_appointment_says_they_will_call(chat, enrol):
    lina = enrol(mode="phone")
    text = chat().say_text("quand est mon rendez vous")
    assert f"{lina['when']}, RDV par téléphone : on vous appellera, avec Claire" in text


def test_no_appointment_says_so_and_offers_to_ask_the_referent(chat, enrol):
    lina = enrol(appointment_in_days=None)
    person = chat()
    text = person.say_text("mon prochain rdv")
    assert text.startswith("Vous n'avez pas de RDV prévu pour le moment.")
    assert "1 Oui\n2 Non merci" in text
    assert person.say_text("1").startswith("Quand préférez-vous qu'on vous appelle ?")
    text = person.say_text("1")  # "Peu importe"
    assert "C'est noté, votre demande est transmise." in text
    assert "Claire vous appelle d'ici " in text
    with session_scope() as session:
        [request] = session.scalars(
            select(CallbackRequest).where(CallbackRequest.beneficiary_id == lina["beneficiary_id"])
        ).all()
        assert (request.kind, request.preferred_time) == ("callback", None)


def test_an_unknown_number_never_sees_appointment_details(chat):
    text = chat().say_text("c quand mon rdv")
    assert text.startswith("Je ne trouve pas de dossier lié à ce numéro.")
    assert "RDV :" not in text


def test_an_unverified_link_asks_the_date_of_birth_first(chat, enrol):
    lina = enrol(verified=False)
    person = chat()
    assert person.say_text("c quand mon rdv") == (
        "Pour protéger vos informations, quelle est votre date de naissance ? (ex : 14/05/1994)"
    )
    ask_again = "\nPour protéger vos informations, quelle est votre date de naissance ?"
    assert person.say_text("hier").startswith(
        "Je n'ai pas compris la date. Ecrivez-la ainsi : 14/05/1994. Pour sortir, écrivez ANNULER."
        + ask_again
    )
    assert person.say_text("01/01/1990").startswith(
        "Ce n'est pas la date que nous avons. Réessayez." + ask_again
    )
    text = person.say_text("14 mai 1994")
    assert text.startswith("Merci, c'est bien vous.")
    assert f"Votre prochain RDV : {lina['when']}" in text
    with session_scope() as session:
        assert session.get(Contact, lina["contact_id"]).verified


def test_cannot_attend_asks_why_notifies_the_referent_and_keeps_the_appointment(chat, enrol):
    lina = enrol()
    person = chat()
    # Nothing is done on a guess: free words are confirmed first, in one SMS.
    asked = person.say_text("je peux pas venir")
    assert asked.startswith("Vous ne pouvez pas venir à votre RDV, c'est bien ca ?\n1 Oui\n2 Non")
    text = person.say_text("1")
    assert text.startswith(f"D'accord, pour votre RDV du {lina['when']}.")
    assert "Pouvez-vous dire pourquoi ? C'est facultatif.\n1 Je préfère ne pas dire" in text
    text = person.say_text("j'ai un entretien d'embauche ce jour la")
    assert text.startswith("C'est noté, je préviens Claire. Votre RDV n'est pas encore annulé.")
    assert "Claire vous recontacte d'ici " in text
    with session_scope() as session:
        [request] = session.scalars(
            select(CallbackRequest).where(CallbackRequest.beneficiary_id == lina["beneficiary_id"])
        ).all()
        assert (request.kind, request.appointment_id, request.reason) == (
            "cannot_attend",
            lina["appointment_id"],
            "j'ai un entretien d'embauche ce jour la",
        )
        assert request.source_message_id is not None
        assert session.get(Appointment, lina["appointment_id"]).status == "unknown"
        kinds = session.scalars(
            select(Event.kind).where(Event.beneficiary_id == lina["beneficiary_id"])
        ).all()
        assert "appointment_cannot_attend" in kinds


def test_reminder_is_answered_in_context_by_a_digit(chat, enrol):
    lina = enrol()
    with session_scope() as session:
        appointment = session.get(Appointment, lina["appointment_id"])
        [task] = session.scalars(
            select(Task).where(
                Task.kind == reminders.TASK_KIND,
                Task.payload["appointment_id"].as_integer() == appointment.id,
            )
        ).all()
        payload, run_at = dict(task.payload), task.run_at
    clock.set_now(clock.FrozenClock(run_at))  # 48 h before, in quiet hours
    try:
        assert reminders.send_due(payload) == "sent"
    finally:
        clock.reset()
    person = chat()
    text = person.say_text("2")  # "Je ne peux pas venir", from the reminder
    assert f"pour votre RDV du {lina['when']}" in text
    assert person.say_text("1").startswith("C'est noté, je préviens Claire.")
    with session_scope() as session:
        request = session.scalar(
            select(CallbackRequest).where(CallbackRequest.beneficiary_id == lina["beneficiary_id"])
        )
        assert (request.appointment_id, request.reason) == (lina["appointment_id"], None)


def test_new_job_contract_type_and_start_date(chat, enrol):
    lina = enrol()
    person = chat()
    assert "Votre situation a changé" in person.say_text("jai trouve un taf")
    text = person.say_text("oui")
    assert text.startswith("Quel type de contrat ?\n1 CDI\n2 CDD\n3 Intérim")
    assert person.say_text("2") == "Vous commencez quand ? (ex : 05/01, ou lundi)"
    assert person.say_text("quand je veux").startswith("Je n'ai pas compris la date.")
    text = person.say_text("lundi")
    assert text.startswith("Bravo pour ce nouveau travail !")
    assert "Je transmets à Claire, qui va vérifier avec vous." in text
    today = date.today()
    monday = today + timedelta(days=(0 - today.weekday()) % 7 or 7)
    with session_scope() as session:
        [update] = session.scalars(
            select(SituationUpdate).where(SituationUpdate.beneficiary_id == lina["beneficiary_id"])
        ).all()
        assert (update.kind, update.status) == ("emploi", "declared")
        assert update.data["contract_type"] == "cdd"
        assert update.data["start_date"] == monday.isoformat()


def test_unnamed_change_is_asked_then_move_with_postal_code_and_town(chat, enrol):
    lina = enrol()
    person = chat()
    assert "1 Oui\n2 Non" in person.say_text("ma situation a change")
    text = person.say_text("1")
    assert text.startswith("Qu'est-ce qui a changé ?\n1 J'ai un travail\n2 J'ai déménagé")
    assert person.say_text("2") == "Quel est votre nouveau code postal ?"
    assert person.say_text("6900") == (
        "Un code postal a 5 chiffres, par exemple 69002. Pour sortir, écrivez ANNULER.\n"
        "Quel est votre nouveau code postal ?"
    )
    assert person.say_text("69003") == "Et la ville ?"
    assert person.say_text("Lyon").startswith("C'est noté pour votre nouvelle adresse.")
    with session_scope() as session:
        update = session.scalar(
            select(SituationUpdate).where(SituationUpdate.beneficiary_id == lina["beneficiary_id"])
        )
        assert (update.kind, update.data["postal_code"], update.data["town"]) == (
            "demenagement",
            "69003",
            "Lyon",
        )


def test_training_name_and_dates_end_unknown(chat, enrol):
    lina = enrol()
    person = chat()
    assert "Votre situation a changé" in person.say_text("je commence une formation")
    assert person.say_text("1") == "Quelle formation ? Donnez son nom."
    assert person.say_text("CACES cariste") == "Elle commence quand ? (ex : 05/01)"
    assert person.say_text("15/01/2031").startswith("Elle finit quand ?\n1 Je ne sais pas")
    assert person.say_text("1").startswith("Bravo pour cette formation !")
    with session_scope() as session:
        update = session.scalar(
            select(SituationUpdate).where(SituationUpdate.beneficiary_id == lina["beneficiary_id"])
        )
        assert update.data == {
            "name": "CACES cariste",
            "start_date": "2031-01-15",
            "end_date": None,
            "contact_verified": True,
            "channel": "sms",
        }


def test_sick_asks_only_until_when(chat, enrol):
    enrol()
    person = chat()
    assert "Votre situation a changé" in person.say_text("je suis malade")
    assert person.say_text("1").startswith("Jusqu'à quand serez-vous indisponible ?")
    assert person.say_text("1").startswith("Prenez soin de vous.")


def test_new_number_is_confirmed_from_the_new_number(chat, enrol):
    lina = enrol()
    new_number = f"+3378{next(_other_phones):07d}"
    person = chat()
    assert "Votre situation a changé" in person.say_text("j'ai change de numero")
    assert person.say_text("1") == "Quel est votre nouveau numéro ?"
    pretty = "0" + new_number[3:]
    pretty = " ".join(pretty[i : i + 2] for i in range(0, 10, 2))
    text = person.say_text(pretty)
    assert text.startswith(f"Merci. J'ai envoyé un message au {pretty}.")
    assert "Répondez-y depuis ce nouveau numéro pour le confirmer." in text
    assert chat(new_number).say_text("1") == "Merci Lina ! Ce numéro est enregistré."
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == new_number))
        assert (contact.beneficiary_id, contact.verified) == (lina["beneficiary_id"], True)
        update = session.scalar(
            select(SituationUpdate).where(SituationUpdate.beneficiary_id == lina["beneficiary_id"])
        )
        assert (update.kind, update.data["confirmation"], update.status) == (
            "numero",
            "confirmed",
            "declared",
        )


def test_cancel_in_the_middle_records_nothing(chat, enrol):
    lina = enrol()
    person = chat()
    assert "Votre situation a changé" in person.say_text("j'ai demenage")
    assert person.say_text("1") == "Quel est votre nouveau code postal ?"
    assert person.say_text("annuler") == "D'accord, je n'enregistre rien."
    with session_scope() as session:
        assert (
            session.scalar(
                select(SituationUpdate).where(
                    SituationUpdate.beneficiary_id == lina["beneficiary_id"]
                )
            )
            is None
        )


def test_talk_to_my_referent_with_a_preferred_time(chat, enrol):
    lina = enrol()
    person = chat()
    assert "vous rappelle ?" in person.say_text("je veux parler a ma conseillere")
    assert person.say_text("1").startswith(
        "Quand préférez-vous qu'on vous appelle ? Par exemple : lundi matin."
    )
    text = person.say_text("mardi apres midi")
    assert "Claire vous appelle d'ici " in text
    with session_scope() as session:
        request = session.scalar(
            select(CallbackRequest).where(CallbackRequest.beneficiary_id == lina["beneficiary_id"])
        )
        assert (request.kind, request.preferred_time) == ("callback", "mardi apres midi")


def test_digressions_in_the_questionnaire_run_their_flow_then_resume_it(chat, enrol):
    """Mid pre-diagnostic: the appointment, then a whole cannot-attend flow, then the same
    question again, with nothing lost."""
    lina = enrol()
    person = chat()
    assert "On commence ?" in person.say_text("je veux faire le pre diagnostic")
    question = person.say_text("oui")
    assert "travaillé ces 2 dernières années" in question
    text = person.say_text("c quand mon rdv")
    assert f"Votre prochain RDV : {lina['when']}" in text
    # One menu at a time: the appointment's 1/2 is the last one, the question waits.
    assert "travaillé ces 2 dernières années" not in text and text.count("\n1 ") == 1
    # The menu offered "je ne peux pas venir": saying it is an explicit choice.
    assert "Pouvez-vous dire pourquoi" in person.say_text("je peux pas venir a mon rdv")
    text = person.say_text("je suis malade")
    assert "je préviens Claire" in text
    assert "travaillé ces 2 dernières années" in text  # resumed after the other form
    assert "Aujourd'hui, vous etes" in person.say_text("2")
    with session_scope() as session:
        [request] = session.scalars(
            select(CallbackRequest).where(CallbackRequest.beneficiary_id == lina["beneficiary_id"])
        ).all()
        assert (request.kind, request.reason) == ("cannot_attend", "je suis malade")


def test_nobody_is_stuck_in_a_follow_up_question(chat, enrol):
    enrol(appointment_in_days=None)
    person = chat()
    assert "Votre situation a changé" in person.say_text("j'ai trouvé un travail")
    assert "Quel type de contrat ?" in person.say_text("1")
    stuck = person.say_text("euh le truc la")
    assert "Pour sortir, écrivez ANNULER." in stuck
    assert "Vous commencez quand ?" in person.say_text("je sais pas")  # unknown is fine
    assert "je n'enregistre rien" in person.say_text("annuler")
