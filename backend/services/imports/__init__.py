"""Importing a structure's list of people (CSV as French tools export it).

``read_csv`` (reading.py) turns the bytes into rows and per-line rejections (line numbers count
the header as line 1); ``plan`` (planning.py) decides, without writing, who is created, updated,
unchanged or rejected; ``apply`` (writing.py) writes that plan. The preview page shows ``plan``;
its confirm button runs both again on the same text, so what is written is what the database
says at that moment.
"""

from .planning import Plan, Planned, plan
from .reading import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    FileRejected,
    Rejection,
    Row,
    decode,
    parse_date,
    parse_phone,
    read_csv,
)
from .writing import apply, import_csv

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "FileRejected",
    "Plan",
    "Planned",
    "Rejection",
    "Row",
    "apply",
    "decode",
    "import_csv",
    "parse_date",
    "parse_phone",
    "plan",
    "read_csv",
]
