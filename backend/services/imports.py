"""Importing a structure's list of people (CSV as French tools export it).

``read_csv`` turns the bytes into rows and per-line rejections (line numbers count the header
as line 1); ``plan`` decides, without writing, who is created, updated, unchanged or rejected;
``apply`` writes that plan. The preview page shows ``plan``; its confirm button runs both again
on the same text, so what is written is what the database says at that moment.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backend.core.clock import now as clock_now
from backend.models import Account, Beneficiary, Contact, Identification
from backend.services.events import EventKind, record_event
from channels.identity import PHONE_CHANNELS, InvalidAddress, to_e164

MAX_BYTES = 2_000_000
MAX_ROWS = 5000

# Column names as exports write them, normalised (lower case, no accents, "_" for spaces).
COLUMNS = {
    "nom": ("nom", "nom_de_famille", "nom_usage", "nom_d_usage", "nom_naissance"),
    "prenom": ("prenom", "prenoms", "premier_prenom"),
    "date_naissance": ("date_naissance", "date_de_naissance", "naissance", "ddn", "ne_le"),
    "telephone": (
        "telephone", "tel", "portable", "telephone_portable", "mobile", "numero_de_telephone",
        "num_telephone", "telephone_mobile",
    ),
    "numero_allocataire": (
        "numero_allocataire", "n_allocataire", "num_allocataire", "no_allocataire",
        "numero_caf", "matricule", "numero_d_allocataire",
    ),
    "email": ("email", "e_mail", "courriel", "mail", "adresse_email", "adresse_mail"),
    "referent_email": ("referent_email", "email_referent", "courriel_referent", "referent"),
}  # fmt: skip
REQUIRED = ("nom", "prenom")
ONE_OF = ("telephone", "numero_allocataire")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CAF_NUMBER = re.compile(r"^[A-Za-z0-9]{1,30}$")
DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class FileRejected(ValueError):
    """The whole file is unusable (encoding, no header, missing column, too big)."""


@dataclass
class Row:
    line: int
    last_name: str
    first_name: str
    birth_date: date | None = None
    phone: str | None = None
    caf_number: str | None = None
    email: str | None = None
    referent_email: str | None = None


@dataclass
class Rejection:
    line: int
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class Planned:
    row: Row
    beneficiary: Beneficiary | None = None  # the person updated (None: created)
    changes: list[str] = field(default_factory=list)  # French labels of what changes
    referent_id: int | None = None
    pending_to_absorb: int | None = None  # an unknown number's pending person with this phone


@dataclass
class Plan:
    create: list[Planned] = field(default_factory=list)
    update: list[Planned] = field(default_factory=list)
    unchanged: list[Planned] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": len(self.unchanged),
            "rejected": [r.as_json() for r in sorted(self.rejected, key=lambda r: r.line)],
        }


# Reading --------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel writes in France)."""
    if len(data) > MAX_BYTES:
        raise FileRejected(f"fichier trop gros (plus de {MAX_BYTES // 1_000_000} Mo)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRejected("encodage illisible : enregistrez le fichier en CSV UTF-8") from exc


def _key(name: str) -> str:
    text = unicodedata.normalize("NFD", name.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _columns(header: list[str]) -> dict[str, int]:
    aliases = {alias: column for column, names in COLUMNS.items() for alias in names}
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        column = aliases.get(_key(name))
        if column and column not in found:
            found[column] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise FileRejected(
            "colonne manquante : " + ", ".join(missing) + " (première ligne attendue : "
            "nom;prenom;date_naissance;telephone;numero_allocataire)"
        )
    if not any(c in found for c in ONE_OF):
        raise FileRejected("il faut une colonne telephone ou numero_allocataire")
    return found


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"


def parse_date(raw: str) -> date:
    text = raw.strip().split(" ")[0]  # "12/03/1990 00:00:00" from a spreadsheet
    match = DATE_DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        match = DATE_YMD.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"date de naissance impossible : {raw.strip()}") from exc
    raise ValueError(f"date de naissance illisible : {raw.strip()} (écrire 12/03/1990)")


def parse_phone(raw: str) -> str:
    """A French mobile number in any usual writing, as E.164."""
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        text = "+" + digits[2:]
    elif not text.startswith("+"):
        if len(digits) == 11 and digits.startswith("33"):
            text = "+" + digits  # 33612345678
        elif len(digits) == 9 and digits[0] in "67":
            text = "0" + digits  # a spreadsheet dropped the leading zero
    try:
        number = to_e164(text, "FR")
    except InvalidAddress as exc:
        raise ValueError(f"téléphone illisible : {raw.strip()}") from exc
    kind = phonenumbers.number_type(phonenumbers.parse(number))
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValueError(f"pas un numéro de portable (les SMS n'y arrivent pas) : {raw.strip()}")
    return number


def _name(raw: str, label: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise ValueError(f"{label} manquant")
    if len(text) > 100:
        raise ValueError(f"{label} trop long")
    return text


def _row(line: int, cells: list[str], columns: dict[str, int]) -> Row:
    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    row = Row(line, _name(cell("nom"), "nom"), _name(cell("prenom"), "prénom"))
    if cell("date_naissance"):
        row.birth_date = parse_date(cell("date_naissance"))
        today = clock_now().date()
        if row.birth_date >= today or row.birth_date.year < today.year - 120:
            raise ValueError(f"date de naissance impossible : {cell('date_naissance')}")
    if cell("telephone"):
        row.phone = parse_phone(cell("telephone"))
    if cell("numero_allocataire"):
        number = re.sub(r"[\s.\-]", "", cell("numero_allocataire"))
        if not CAF_NUMBER.match(number):
            raise ValueError(f"numéro d'allocataire illisible : {cell('numero_allocataire')}")
        row.caf_number = number.upper()
    if not row.phone and not row.caf_number:
        raise ValueError("ni téléphone ni numéro d'allocataire")
    if cell("email"):
        if not EMAIL.match(cell("email")) or len(cell("email")) > 254:
            raise ValueError(f"adresse e-mail illisible : {cell('email')}")
        row.email = cell("email").lower()
    if cell("referent_email"):
        row.referent_email = cell("referent_email").lower()
    return row


def read_csv(data: bytes | str) -> tuple[list[Row], list[Rejection]]:
    text = decode(data) if isinstance(data, bytes) else data
    if len(text.encode()) > MAX_BYTES * 2:
        raise FileRejected("fichier trop gros")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = next((h for h in reader if any(c.strip() for c in h)), None)
    if header is None:
        raise FileRejected("le fichier est vide")
    if reader.line_num != 1:
        raise FileRejected("la première ligne doit donner les noms des colonnes")
    columns = _columns(header)
    rows: list[Row] = []
    rejected: list[Rejection] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + len(rejected) >= MAX_ROWS:
                raise FileRejected(f"trop de lignes (au plus {MAX_ROWS} par fichier)")
            extra = [c for c in cells[len(header) :] if c.strip()]
            if extra:
                rejected.append(Rejection(line, f"{len(cells)} colonnes au lieu de {len(header)}"))
                continue
            try:
                rows.append(_row(line, cells, columns))
            except ValueError as exc:
                rejected.append(Rejection(line, str(exc)))
    except csv.Error as exc:
        raise FileRejected(f"ligne {reader.line_num} : CSV mal formé ({exc})") from exc
    return rows, rejected


# Planning -------------------------------------------------------------------------------------


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


@dataclass
class _Known:
    """What the database already knows about the file's CAF numbers and phones (a few queries
    for the whole file instead of several per line)."""

    by_caf: dict[str, list[Beneficiary]] = field(default_factory=dict)
    by_phone: dict[str, Beneficiary] = field(default_factory=dict)


def _known(session: Session, rows: list[Row]) -> _Known:
    known = _Known()
    cafs = sorted({r.caf_number for r in rows if r.caf_number})
    phones = sorted({r.phone for r in rows if r.phone})
    for chunk in _chunks(cafs):
        for person in session.scalars(
            select(Beneficiary)
            .where(func.upper(Beneficiary.caf_number).in_(chunk))
            .options(selectinload(Beneficiary.contacts))
        ):
            known.by_caf.setdefault((person.caf_number or "").upper(), []).append(person)
    for chunk in _chunks(phones):
        for contact in session.scalars(
            select(Contact)
            .where(
                Contact.channel.in_(PHONE_CHANNELS),
                Contact.address.in_(chunk),
                Contact.beneficiary_id.is_not(None),
            )
            .options(selectinload(Contact.beneficiary).selectinload(Beneficiary.contacts))
            .order_by(Contact.id)
        ):
            if contact.address not in known.by_phone and contact.beneficiary is not None:
                known.by_phone[contact.address] = contact.beneficiary
    return known


def _has_phone(beneficiary: Beneficiary, phone: str) -> bool:
    return any(c.address == phone and c.channel in PHONE_CHANNELS for c in beneficiary.contacts)


def plan(session: Session, account: Account, rows: list[Row], rejected: list[Rejection]) -> Plan:
    result = Plan(rejected=list(rejected))
    structure_id = account.structure_id
    referents = {
        email.lower(): account_id
        for account_id, email in session.execute(
            select(Account.id, Account.email).where(
                Account.structure_id == structure_id, Account.is_active.is_(True)
            )
        )
    }
    seen_caf: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    with session.no_autoflush:
        known = _known(session, rows)
    for row in rows:
        if row.caf_number and row.caf_number in seen_caf:
            reason = f"même numéro d'allocataire que la ligne {seen_caf[row.caf_number]}"
            result.rejected.append(Rejection(row.line, reason))
            continue
        if row.phone and row.phone in seen_phone:
            reason = f"même téléphone que la ligne {seen_phone[row.phone]}"
            result.rejected.append(Rejection(row.line, reason))
            continue
        referent_id = None
        if row.referent_email:
            referent_id = referents.get(row.referent_email)
            if referent_id is None:
                reason = f"référent inconnu dans votre structure : {row.referent_email}"
                result.rejected.append(Rejection(row.line, reason))
                continue
        planned = Planned(row, referent_id=referent_id)
        refused = _match(known, planned, structure_id)
        if refused:
            result.rejected.append(Rejection(row.line, refused))
            continue
        if row.caf_number:
            seen_caf[row.caf_number] = row.line
        if row.phone:
            seen_phone[row.phone] = row.line
        if planned.beneficiary is None:
            result.create.append(planned)
        elif planned.changes:
            result.update.append(planned)
        else:
            result.unchanged.append(planned)
    return result


def _match(known: _Known, planned: Planned, structure_id: int) -> str | None:
    """Find the person (numero_allocataire first, then phone); a reason when refused."""
    row = planned.row
    person = None
    if row.caf_number:
        people = known.by_caf.get(row.caf_number, [])
        if any(p.structure_id != structure_id for p in people):
            return "ce numéro d'allocataire est suivi par une autre structure"
        person = people[0] if people else None
    owner = known.by_phone.get(row.phone) if row.phone else None
    if owner is not None and owner.identification == Identification.pending:
        # An unknown number that already wrote to us: it becomes this person (see apply).
        planned.pending_to_absorb = owner.id
        owner = None
    if owner is not None:
        if owner.structure_id != structure_id:
            return "ce téléphone est celui d'une personne suivie par une autre structure"
        if person is not None and owner.id != person.id:
            return "ce téléphone est déjà celui d'une autre personne de votre structure"
        if person is None and owner.caf_number and row.caf_number:
            return (
                f"ce téléphone est déjà celui d'une autre personne "
                f"(n° allocataire {owner.caf_number})"
            )
        person = owner
    planned.beneficiary = person
    if person is not None:
        planned.changes = _changes(person, planned)
    return None


def _changes(person: Beneficiary, planned: Planned) -> list[str]:
    row, changes = planned.row, []
    if row.last_name != person.last_name:
        changes.append("nom")
    if row.first_name != person.first_name:
        changes.append("prénom")
    if row.birth_date and row.birth_date != person.birth_date:
        changes.append("date de naissance")
    if row.caf_number and row.caf_number != person.caf_number:
        changes.append("numéro d'allocataire")
    if row.email and row.email != person.email:
        changes.append("e-mail")
    if planned.referent_id and planned.referent_id != person.referent_id:
        changes.append("référent")
    if row.phone and not _has_phone(person, row.phone):
        changes.append("téléphone")
    return changes


# Writing --------------------------------------------------------------------------------------


def _sms_contacts(session: Session, phones: list[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for chunk in _chunks(sorted(set(phones))):
        for contact in session.scalars(
            select(Contact).where(Contact.channel == "sms", Contact.address.in_(chunk))
        ):
            found[contact.address] = contact
    return found


def _attach_phone(
    session: Session, person: Beneficiary, phone: str, existing: dict[str, Contact]
) -> Contact | None:
    """The structure's list says this mobile is the person's: an SMS contact, verified (an
    invited person who answers is known, and is not asked a date of birth)."""
    contact = existing.get(phone)
    if contact is None:
        contact = Contact(channel="sms", address=phone, beneficiary_id=person.id, verified=True)
        session.add(contact)
        existing[phone] = contact
    elif contact.beneficiary_id in (None, person.id):
        contact.beneficiary_id, contact.verified = person.id, True
    else:
        return None  # someone else's (checked in plan; a concurrent change is left for triage)
    return contact


def apply(session: Session, account: Account, the_plan: Plan) -> dict[str, Any]:
    from backend.services import triage

    default_referent = account.id if account.role == "referent" else None
    created: list[tuple[Planned, Beneficiary]] = []
    for planned in the_plan.create:
        row = planned.row
        person = Beneficiary(
            first_name=row.first_name,
            last_name=row.last_name,
            birth_date=row.birth_date,
            caf_number=row.caf_number,
            email=row.email,
            structure_id=account.structure_id,
            referent_id=planned.referent_id or default_referent,
            identification=Identification.identified,
            external_ids={"import": {"line": row.line}},
        )
        session.add(person)
        created.append((planned, person))
    session.flush()  # one INSERT batch; the unique (structure, CAF number) guards duplicates
    for planned, person in created:
        if planned.pending_to_absorb is not None:
            pending = session.get(Beneficiary, planned.pending_to_absorb)
            if pending is not None and pending.identification == Identification.pending:
                triage.merge(session, pending, person, account, how="import")
    phones = [p.row.phone for p in the_plan.create + the_plan.update if p.row.phone]
    existing = _sms_contacts(session, phones)
    linked: list[Contact | None] = []
    for planned, person in created:
        if planned.row.phone:
            linked.append(_attach_phone(session, person, planned.row.phone, existing))
        record_event(
            session,
            EventKind.beneficiary_imported,
            beneficiary_id=person.id,
            account_id=account.id,
            data={"line": planned.row.line},
        )
    for planned in the_plan.update:
        known, row = planned.beneficiary, planned.row
        assert known is not None
        known.first_name, known.last_name = row.first_name, row.last_name
        known.birth_date = row.birth_date or known.birth_date
        known.caf_number = row.caf_number or known.caf_number
        known.email = row.email or known.email
        known.referent_id = planned.referent_id or known.referent_id
        if row.phone and not _has_phone(known, row.phone):
            linked.append(_attach_phone(session, known, row.phone, existing))
        record_event(
            session,
            EventKind.beneficiary_import_updated,
            beneficiary_id=known.id,
            account_id=account.id,
            data={"line": row.line, "changed": planned.changes},
        )
    session.flush()
    for contact in linked:
        if contact is not None:
            record_event(
                session,
                EventKind.contact_linked,
                contact_id=contact.id,
                beneficiary_id=contact.beneficiary_id,
                data={"channel": "sms", "how": "import"},
            )
    counts = the_plan.counts()
    record_event(
        session,
        EventKind.beneficiaries_import,
        account_id=account.id,
        data={
            "created": counts["created"],
            "updated": counts["updated"],
            "unchanged": counts["unchanged"],
            "rejected": len(counts["rejected"]),
        },
    )
    session.flush()
    return counts


def import_csv(
    session: Session, account: Account, data: bytes | str, *, dry_run: bool = False
) -> tuple[Plan, dict[str, Any]]:
    rows, rejected = read_csv(data)
    the_plan = plan(session, account, rows, rejected)
    return the_plan, the_plan.counts() if dry_run else apply(session, account, the_plan)
