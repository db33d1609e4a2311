"""Reading a list of people: CSV as French tools export it (UTF-8 or Windows-1252, ``;`` or
``,``), into rows and per-line rejections (line numbers count the header as line 1)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

import phonenumbers

from backend.core.clock import now as clock_now
from channels.identity import InvalidAddress, to_e164

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
