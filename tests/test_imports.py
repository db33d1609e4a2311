"""Importing a structure's list of people: encodings, separators, bad lines, duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from backend.models import Beneficiary, Contact, Event, Prediagnostic
from backend.seed import DEMO_PHONE, seed
from backend.services import imports
from tests.test_api import login

HEADER = "nom;prenom;date_naissance;telephone;numero_allocataire"
CSV_TYPE = {"Content-Type": "text/csv"}


@pytest.fixture
def seeded(db):
    seed(db)
    db.commit()
    return db


def post_csv(client, headers, body: bytes | str, **params):
    data = body.encode() if isinstance(body, str) else body
    return client.post(
        "/api/v1/beneficiaries/import",
        content=data,
        headers={**headers, **CSV_TYPE},
        params=params,
    )


# Reading, without a database --------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["06 12 34 56 79", "06.12.34.56.79", "0612345679", "+33 6 12 34 56 79", "0033612345679",
     "33612345679", "612345679", "+33 (0)6 12 34 56 79", "06-12-34-56-79"],
)  # fmt: skip
def test_french_phone_writings(raw):
    assert imports.parse_phone(raw) == "+33612345679"


def test_landlines_and_nonsense_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="portable"):
        imports.parse_phone("01 44 55 66 77")
    with pytest.raises(ValueError, match="illisible"):
        imports.parse_phone("pas de tel")


@pytest.mark.parametrize("raw", ["12/03/1990", "1990-03-12", "12-03-1990", "12.03.1990",
                                 "12/03/1990 00:00:00", "12/3/1990"])  # fmt: skip
def test_dates_as_people_write_them(raw):
    assert imports.parse_date(raw) == date(1990, 3, 12)


def test_windows_1252_semicolons_and_utf8_commas_read_the_same():
    text = f"{HEADER}\nLefèvre;Hélène;12/03/1990;06 12 34 56 79;1234567\n"
    latin = imports.read_csv(text.encode("cp1252"))
    utf8 = imports.read_csv(("\ufeff" + text.replace(";", ",")).encode("utf-8"))
    assert latin == utf8
    [row] = latin[0]
    assert (row.last_name, row.first_name, row.line) == ("Lefèvre", "Hélène", 2)


def test_bad_lines_are_rejected_with_their_line_number_header_being_line_1():
    text = "\n".join(
        [
            HEADER,
            "Martin;Paul;12/03/1990;0612345601;A1",
            ";Sans nom;12/03/1990;0612345602;A2",  # line 3
            "Durand;Léa;31/02/1990;0612345603;A3",  # line 4
            "",  # blank lines are skipped, still counted
            "Petit;Jo;01/01/1990;01 44 55 66 77;A4",  # line 6
            "Roux;Ana;1990-13-01;0612345605;A5",  # line 7
            'Blanc;"Marie\nClaire";01/01/1990;0612345606;A6',  # lines 8-9
            "Noir;Max;;;",  # line 10
            "Vert;Eva;01/01/1990;0612345607;A7;en trop",  # line 11
        ]
    )
    rows, rejected = imports.read_csv(text)
    assert [r.line for r in rows] == [2, 9]
    reasons = {r.line: r.reason for r in rejected}
    assert sorted(reasons) == [3, 4, 6, 7, 10, 11]
    assert reasons[3] == "nom manquant"
    assert reasons[4].startswith("date de naissance impossible")
    assert "portable" in reasons[6]
    assert reasons[10] == "ni téléphone ni numéro d'allocataire"
    assert reasons[11] == "6 colonnes au lieu de 5"


def test_a_file_without_the_needed_columns_is_refused_whole():
    with pytest.raises(imports.FileRejected, match="colonne manquante : prenom"):
        imports.read_csv("nom;telephone\nMartin;0612345678\n")
    with pytest.raises(imports.FileRejected, match="vide"):
        imports.read_csv(b"")


def test_header_names_as_exports_write_them():
    rows, rejected = imports.read_csv(
        "Nom;Prénom;Date de naissance;Téléphone portable;N° allocataire;Courriel\n"
        "Martin;Paul;12/03/1990;0612345601;12 345 67;Paul@Exemple.fr\n"
    )
    assert rejected == []
    assert (rows[0].caf_number, rows[0].email) == ("1234567", "paul@exemple.fr")


# Through the API, on both databases ------------------------------------------------------


def test_import_then_the_same_file_again_creates_nobody_twice(client, seeded):
    headers = login(client, "referente@demo.fr")
    text = (
        f"{HEADER}\n"
        "Martin;Paul;12/03/1990;06 12 34 56 01;1000001\n"
        "Durand;Léa;1990-03-12;+33612345602;1000002\n"
        "Durand;Léa bis;1990-03-12;0612345603;1000002\n"  # same CAF number as line 3
        "Roux;Ana;;0612345601;\n"  # same phone as line 2
    )
    first = post_csv(client, headers, text.encode("cp1252"))
    assert first.status_code == 200, first.text
    assert first.json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": [
            {"line": 4, "reason": "même numéro d'allocataire que la ligne 3"},
            {"line": 5, "reason": "même téléphone que la ligne 2"},
        ],
    }
    again = post_csv(client, headers, text.replace(";", ","))
    assert again.json()["created"] == 0 and again.json()["unchanged"] == 2
    seeded.expire_all()
    paul = seeded.scalar(select(Beneficiary).where(Beneficiary.caf_number == "1000001"))
    assert paul.structure_id == seeded.scalar(
        select(Beneficiary.structure_id).where(Beneficiary.first_name == "Awa")
    )
    assert paul.referent.email == "referente@demo.fr"
    [contact] = paul.contacts
    assert (contact.channel, contact.address, contact.verified) == ("sms", "+33612345601", True)
    assert seeded.scalar(select(Event).where(Event.kind == "beneficiaries_import")) is not None


def test_a_reimport_updates_by_caf_number_then_by_phone(client, seeded):
    headers = login(client, "referente@demo.fr")
    post_csv(client, headers, f"{HEADER}\nMartin;Paul;;0612345601;1000001\n")
    # New phone and birth date for the same CAF number; Awa (seeded) matched by her phone.
    response = post_csv(
        client,
        headers,
        f"{HEADER}\nMartin;Paul;12/03/1990;0612345699;1000001\n"
        f"Diallo;Awa;14/05/1994;{DEMO_PHONE};2000002\n",
    )
    assert response.json()["updated"] == 2 and response.json()["created"] == 0
    seeded.expire_all()
    paul = seeded.scalar(select(Beneficiary).where(Beneficiary.caf_number == "1000001"))
    assert paul.birth_date == date(1990, 3, 12)
    assert sorted(c.address for c in paul.contacts) == ["+33612345601", "+33612345699"]
    awa = seeded.scalar(select(Beneficiary).where(Beneficiary.first_name == "Awa"))
    assert awa.caf_number == "2000002"


def test_people_of_another_structure_are_not_touched(client, seeded):
    mine = login(client, "referente@demo.fr")
    theirs = login(client, "referent.voisin@demo.fr")
    post_csv(client, theirs, f"{HEADER}\nMartin;Paul;;0612345601;1000001\n")
    response = post_csv(
        client, mine, f"{HEADER}\nMartin;Paul;;0612345601;1000001\nX;Y;;0612345601;\n"
    )
    assert response.json()["rejected"] == [
        {"line": 2, "reason": "ce numéro d'allocataire est suivi par une autre structure"},
        {
            "line": 3,
            "reason": "ce téléphone est celui d'une personne suivie par une autre structure",
        },
    ]


def test_an_unknown_number_that_wrote_first_becomes_the_imported_person(client, seeded):
    stranger = Contact(channel="sms", address="+33612345601")
    seeded.add(stranger)
    seeded.flush()
    pending = Beneficiary(identification="pending")
    seeded.add(pending)
    seeded.flush()
    stranger.beneficiary_id = pending.id
    seeded.add(Prediagnostic(beneficiary_id=pending.id, status="in_progress"))
    seeded.commit()
    headers = login(client, "referente@demo.fr")
    response = post_csv(client, headers, f"{HEADER}\nMartin;Paul;;06 12 34 56 01;1000001\n")
    assert response.json()["created"] == 1
    seeded.expire_all()
    paul = seeded.scalar(select(Beneficiary).where(Beneficiary.caf_number == "1000001"))
    assert [c.id for c in paul.contacts] == [stranger.id]
    assert seeded.scalar(select(Prediagnostic.beneficiary_id)) == paul.id
    assert seeded.get(Beneficiary, pending.id).identification == "merged"


def test_dry_run_writes_nothing_and_bad_requests_get_a_reason(client, seeded):
    headers = login(client, "referente@demo.fr")
    preview = post_csv(client, headers, f"{HEADER}\nMartin;Paul;;0612345601;1\n", dry_run="true")
    assert preview.json()["created"] == 1
    assert seeded.scalar(select(Beneficiary).where(Beneficiary.caf_number == "1")) is None
    bad = post_csv(client, headers, "prenom\nPaul\n")
    assert bad.status_code == 400 and "colonne manquante" in bad.json()["detail"]
    wrong_type = client.post(
        "/api/v1/beneficiaries/import",
        json={"a": 1},
        headers=headers,
    )
    assert wrong_type.status_code == 415
    coordinator = login(client, "coordinateur@demo.fr")
    assert post_csv(client, coordinator, f"{HEADER}\n").status_code == 403
    assert (
        client.post("/api/v1/beneficiaries/import", content=b"x", headers=CSV_TYPE).status_code
        == 401
    )


def test_two_imports_at_once_cannot_create_the_same_person_twice(seeded):
    from sqlalchemy.exc import IntegrityError

    from backend.models import Account

    account = seeded.scalar(select(Account).where(Account.email == "referente@demo.fr"))
    rows, rejected = imports.read_csv(f"{HEADER}\nMartin;Paul;;0612345601;1000001\n")
    first = imports.plan(seeded, account, rows, rejected)
    second = imports.plan(seeded, account, rows, rejected)  # planned before the first landed
    imports.apply(seeded, account, first)
    with pytest.raises(IntegrityError):
        imports.apply(seeded, account, second)
