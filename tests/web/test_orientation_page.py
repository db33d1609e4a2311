"""The person page in plain French with the suggested parcours, the referent's decision, and
the exports checked against their schemas (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import jsonschema_rs
import pytest
from sqlalchemy import select

from backend.models import Event, OrientationSuggestion, SituationItem
from backend.services import referential
from tests.support.prediag import awa
from tests.support.questionnaire_answers import answered_prediagnostic
from tests.web.conftest import post_form

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


@pytest.fixture
def prediag(seeded):
    prediagnostic = answered_prediagnostic(seeded, awa(seeded))
    seeded.commit()
    return prediagnostic


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


def freins_table(text: str) -> str:
    return text[
        text.index("Freins périphériques") : text.index(
            "</table>", text.index("Freins périphériques")
        )
    ]


def test_the_page_shows_the_suggestion_and_speaks_plain_french(signed_in, seeded, prediag):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    text = page_text(client, f"/referent/personnes/{person.id}")
    # The suggestion, its reasons, and that it is not a decision.
    assert "Parcours proposé : Parcours social / remobilisation" in text
    assert "pas d'activité depuis plus de 2 ans" in text
    assert "logement : sans logement (compte comme impact fort)" in text
    assert "Ce n'est pas une décision" in text
    # Codes stay in the exports: none on the page.
    for code in (
        "PLUS_DEUX_ANS",
        "NV4",
        "contrainte_",
        "IMPACT_FORT",
        "SANS_LOGEMENT",
        "['",
        "brsa",
    ):
        assert code not in text, code
    assert "Pas d'activité depuis plus de 2 ans" in text and "Bac" in text
    assert "Gêne beaucoup la recherche d'emploi" not in text  # "sans logement" wins here
    assert "Sans logement" in text and "Dépend des transports en commun" in text
    # RSA shown; RQTH not chosen is not a "no".
    assert re.search(r"<dt>RSA</dt><dd>Oui</dd>", text)
    assert re.search(r"<dt>RQTH</dt><dd>Non renseigné</dd>", text)
    # Priorities in the person's order, with the labels she read.
    assert re.search(
        r"Priorités de la personne</dt><dd><ol class=\"priorities\"><li>Logement</li><li>Trouver un emploi</li>",
        text,
    )
    # The raw answers: question texts and the labels chosen, in questionnaire order.
    answers = text[text.index("Toutes les réponses données") :]
    assert "Avez-vous travaillé ces 2 dernières années ?" in answers
    assert "Non, plus de 2 ans" in answers and "Sans logement, Chez un proche" in answers
    assert answers.index("Votre niveau d'études ?") < answers.index("Qu'est-ce qui vous freine ?")
    assert "20 km" in answers
    # "Corriger" opens on the current label.
    assert "<option selected>Sans hébergement / rupture effective de logement</option>" in text


def test_accept_needs_csrf_and_is_recorded(signed_in, seeded, prediag):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    page = f"/referent/personnes/{person.id}"
    client.get(page)
    suggestion = seeded.scalar(select(OrientationSuggestion))
    url = f"{page}/orientation/{suggestion.id}"
    assert (
        client.post(url, data={"decision": "ACCEPTEE"}, follow_redirects=False).status_code == 403
    )
    response = post_form(client, page, url, {"decision": "ACCEPTEE"})
    assert response.status_code == 303 and response.headers["location"].endswith("#orientation")
    seeded.expire_all()
    row = seeded.get(OrientationSuggestion, suggestion.id)
    assert (row.status, row.decision, row.decided_parcours) == ("DECIDE", "ACCEPTEE", "PSO")
    assert row.decided_by_id is not None
    event = seeded.scalar(select(Event).where(Event.kind == "orientation_decided"))
    assert event.account_id == row.decided_by_id and event.data["decision"] == "ACCEPTEE"
    text = page_text(client, page)
    assert "Parcours proposé accepté : Parcours social / remobilisation." in text
    assert "Acceptée</span>" in text and "Refuser la proposition" not in text
    again = post_form(client, page, url, {"decision": "REFUSEE", "motif": "AUTRE"})
    assert again.status_code == 409 and "déjà été décidée" in again.text


def test_refuse_with_a_national_motif_and_another_parcours(signed_in, seeded, prediag):
    person = awa(seeded)
    page = f"/referent/personnes/{person.id}"
    client = signed_in("referente@demo.fr")
    client.get(page)
    suggestion = seeded.scalar(select(OrientationSuggestion))
    url = f"{page}/orientation/{suggestion.id}"
    # signed_in() signs the same client in again: one account at a time.
    neighbour = signed_in("referent.voisin@demo.fr")
    assert neighbour.get(page).status_code == 403
    assert post_form(neighbour, "/referent", url, {"decision": "ACCEPTEE"}).status_code == 403
    coordinator = signed_in("coordinateur@demo.fr")
    assert post_form(coordinator, "/coordination", url, {"decision": "ACCEPTEE"}).status_code == 403

    client = signed_in("referente@demo.fr")
    missing = post_form(client, page, url, {"decision": "REFUSEE", "parcours": "PSP"})
    assert missing.status_code == 400 and "motif" in html.unescape(missing.text)
    unknown = post_form(client, page, url, {"decision": "REFUSEE", "motif": "PAS_ENVIE"})
    assert unknown.status_code == 400
    bad = post_form(client, page, url, {"decision": "REFUSEE", "motif": "AUTRE", "parcours": "XYZ"})
    assert bad.status_code == 400
    assert (
        post_form(client, page, f"{page}/orientation/999999", {"decision": "ACCEPTEE"}).status_code
        == 404
    )
    response = post_form(
        client, page, url,
        {"decision": "REFUSEE", "motif": "APPRECIATION_DIFFERENTE", "parcours": "PSP",
         "comment": "Hébergée chez une amie, cherche activement"},
    )  # fmt: skip
    assert response.status_code == 303
    seeded.expire_all()
    row = seeded.get(OrientationSuggestion, suggestion.id)
    assert (row.decision, row.decided_parcours, row.motif_refus) == (
        "REFUSEE", "PSP", "APPRECIATION_DIFFERENTE",
    )  # fmt: skip
    text = page_text(client, page)
    assert (
        "motif : Appréciation différente · parcours retenu : Parcours socio-professionnel" in text
    )


def test_a_removed_situation_leaves_the_table_and_the_exports_alike(signed_in, seeded, prediag):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    page = f"/referent/personnes/{person.id}"
    pd_url = f"{page}/prediagnostics/{prediag.id}"
    table = freins_table(page_text(client, page))
    assert "Sans hébergement / rupture effective de logement" in table
    assert "Sans logement" in table

    sans = seeded.scalar(select(SituationItem).where(SituationItem.label.like("Sans hébergement%")))
    assert (
        post_form(client, page, f"{page}/situations/{sans.id}", {"action": "remove"}).status_code
        == 303
    )
    text = page_text(client, page)
    table = freins_table(text)
    assert "Sans hébergement / rupture effective de logement" not in table
    assert "Hébergé chez un tiers" in table and "Gêne beaucoup la recherche d'emploi" in table
    # The suggestion follows the reviewed facts (still strong: the declared impact).
    assert "logement : impact fort" in text

    assert post_form(client, page, f"{pd_url}/tout-valider").status_code == 303
    assert post_form(client, page, f"{pd_url}/valider").status_code == 303
    orientation = client.get(f"{pd_url}/orientation.json").json()
    assert orientation["contrainte_logement"] == "IMPACT_FORT_RECHERCHE_EMPLOI"
    cdb = client.get(f"{pd_url}/export.json").json()["input"]
    assert "Sans hébergement / rupture effective de logement" not in [
        s["situationLabel"] for s in cdb["situationsToAdd"]
    ]
    rows = csv_rows(client.get(f"{pd_url}/export.csv").text)
    logement = next(r for r in rows if r["code_theme"] == "contrainte_logement")
    assert logement["code"] == "IMPACT_FORT_RECHERCHE_EMPLOI"
    assert "Sans hébergement / rupture effective de logement" not in [r["libelle"] for r in rows]


# --- exports against their schemas ------------------------------------------------------------


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def calcul_orientation_schema() -> dict:
    """calculOrientation input, built from the fields and values of orientation_criteria.yml."""
    criteria = referential.orientation_criteria()["orientation_input"]
    properties: dict = {}
    for field, values in criteria.items():
        if field == "flags":
            for flag in values:
                properties[flag] = {"type": "boolean"}
        elif values == "boolean":
            properties[field] = {"type": ["boolean", "null"]}
        else:
            properties[field] = {"enum": [None, *values]}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def validated(client, seeded, person, prediag) -> str:
    page = f"/referent/personnes/{person.id}"
    pd_url = f"{page}/prediagnostics/{prediag.id}"
    client.get(page)
    suggestion = seeded.scalar(select(OrientationSuggestion))
    post_form(client, page, f"{page}/orientation/{suggestion.id}",
              {"decision": "REFUSEE", "motif": "ENTRETIEN_ORIENTATION", "parcours": "EO"})  # fmt: skip
    assert post_form(client, page, f"{pd_url}/tout-valider").status_code == 303
    assert post_form(client, page, f"{pd_url}/valider").status_code == 303
    return pd_url


def errors(schema: dict, instance) -> list[str]:
    return [
        f"{e.instance_path}: {e.message}"
        for e in jsonschema_rs.validator_for(schema).iter_errors(instance)
    ]


def test_carnet_de_bord_export_matches_its_schema(signed_in, seeded, prediag):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    body = client.get(f"{validated(client, seeded, person, prediag)}/export.json").json()
    schema = json.loads((SCHEMAS / "cdb_update_socio_pro.schema.json").read_text(encoding="utf-8"))
    assert errors(schema, body) == []
    data = body["input"]
    assert (data["workSituation"], data["educationLevel"], data["rightRqth"]) == (
        "recherche_emploi",
        "NV4",
        False,
    )
    situations = referential.theme_situations()
    assert data["situationsToAdd"] and all(
        s["situationLabel"] in situations[s["themeKey"]] for s in data["situationsToAdd"]
    )
    assert data["professionalProjectsToAdd"][0]["romeLabel"] == "vendeuse"
    assert errors(schema, {**body, "input": {**data, "rightRqth": None}})  # the schema bites


def test_calcul_orientation_export_matches_the_criteria(signed_in, seeded, prediag):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    pd_url = validated(client, seeded, person, prediag)
    response = client.get(f"{pd_url}/orientation.json")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    body = response.json()
    assert errors(calcul_orientation_schema(), body) == []
    assert body["situation_professionnelle"] == "PLUS_DEUX_ANS"
    assert body["niveau_etude"] == "NV4" and body["capacite_a_travailler"] is True
    assert body["contrainte_logement"] == "SANS_LOGEMENT"
    assert body["contrainte_mobilite"] == "DEPENDANT_TRANSPORT"
    assert body["contrainte_sante"] == "AUCUNE" and body["brsa"] is True and body["boe"] is False
    assert errors(calcul_orientation_schema(), {**body, "niveau_etude": "BAC"})
    audit = seeded.scalars(select(Event).where(Event.kind == "audit_read")).all()
    assert "export_orientation_json" in [e.data["what"] for e in audit]


CSV_RUBRIQUES = {
    "situation_professionnelle", "niveau_formation", "rqth", "projet_professionnel",
    "situation_personnelle", "critere_orientation", "parcours_propose", "parcours_decide",
}  # fmt: skip


def test_csv_export_matches_its_schema(signed_in, seeded, prediag):
    client = signed_in("referente@demo.fr")
    person = awa(seeded)
    text = client.get(f"{validated(client, seeded, person, prediag)}/export.csv").text
    rows = csv_rows(text)
    assert list(rows[0]) == [
        "rubrique",
        "code_theme",
        "theme",
        "code",
        "libelle",
        "statut",
        "precision",
    ]
    assert {r["rubrique"] for r in rows} <= CSV_RUBRIQUES
    criteria = referential.orientation_criteria()["orientation_input"]
    flags = set(criteria["flags"])
    for row in (r for r in rows if r["rubrique"] == "critere_orientation"):
        field, code = row["code_theme"], row["code"]
        if field in flags or criteria.get(field) == "boolean":
            assert code in ("oui", "non", ""), row
        else:
            assert code == "" or code in criteria[field], row
        assert row["libelle"] and "_" not in row["libelle"], row  # French, not a code
    themes = referential.theme_situations()
    for row in (r for r in rows if r["rubrique"] == "situation_personnelle"):
        assert row["libelle"] in themes[row["code_theme"]]
    proposed = next(r for r in rows if r["rubrique"] == "parcours_propose")
    assert (proposed["code"], proposed["statut"]) == ("PSO", "Décidé")
    assert "pas d'activité depuis plus de 2 ans" in proposed["precision"]
    decided = next(r for r in rows if r["rubrique"] == "parcours_decide")
    assert (decided["code"], decided["statut"]) == ("EO", "Refusée")
    assert decided["precision"] == "motif : Entretien d'orientation nécessaire"
    brsa = next(r for r in rows if r["code_theme"] == "brsa")
    assert (brsa["code"], brsa["libelle"]) == ("oui", "Oui")


def test_coordinators_see_agreement_per_parcours_and_per_rule(signed_in, seeded, prediag):
    person = awa(seeded)
    page = f"/referent/personnes/{person.id}"
    client = signed_in("referente@demo.fr")
    client.get(page)
    first = seeded.scalar(select(OrientationSuggestion))
    post_form(client, page, f"{page}/orientation/{first.id}",
              {"decision": "REFUSEE", "motif": "DECLARATION_INEXACTE", "parcours": "PSP"})  # fmt: skip
    answered_prediagnostic(seeded, person)  # sent again: a new suggestion
    seeded.commit()
    client.get(page)
    second = seeded.scalars(select(OrientationSuggestion).order_by(OrientationSuggestion.id)).all()[
        -1
    ]
    assert second.id != first.id
    post_form(client, page, f"{page}/orientation/{second.id}", {"decision": "ACCEPTEE"})
    assert client.get("/coordination/orientation").status_code == 403

    coordinator = signed_in("coordinateur@demo.fr")
    response = coordinator.get("/coordination/orientation")
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "Awa" not in text  # aggregates only
    row = re.search(
        r"<th scope=\"row\">Parcours social / remobilisation</th>(.*?)</tr>", text, re.S
    )
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert [c.strip() for c in cells] == [
        "2", "1", "50 %", "Déclaration inexacte (1)", "Parcours socio-professionnel (1)",
    ]  # fmt: skip
    rule = re.search(r"2\. frein_fort_sans_activite</th>(.*?)</tr>", text, re.S).group(1)
    assert "activité récente (ces 2 dernières années) : non et freins (le plus fort) : fort" in rule
    assert [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rule, re.S)][2:4] == ["2", "50 %"]
    assert 'href="/coordination/orientation" aria-current="page"' in response.text
