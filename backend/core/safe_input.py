"""What every edge checks before a value goes near the database.

PostgreSQL refuses what SQLite swallows: a NUL byte in a text, a string longer than its
column, an integer beyond the column's range. Each of those raised a 500 deep in a flush; they
are refused here, at the edge, with a 4xx naming the field.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, Field

# Our primary keys are INTEGER (32-bit signed) on PostgreSQL.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
# Deeper JSON than this is not a webhook anyone sends: refused before anything walks it.
MAX_JSON_DEPTH = 32
# Dates we accept from outside: far enough for any appointment, near enough for every database
# and every time zone conversion (year 1 or 9999 overflow on the way to UTC).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class UnsafeInput(ValueError):
    """A value the edge refuses; the message names the field and says why (in English, for
    the programs that call us)."""


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


# A text with no NUL: ``Annotated[str, NoNul, Field(max_length=...)]`` (its column's size).
NoNul = AfterValidator(_no_nul)


# An id in a URL path, within the range of the database's integer columns.
PathId = Annotated[int, Path(ge=1, le=INT32_MAX, description="a row id (32-bit)")]
# The same in a request body.
RowId = Annotated[int, Field(ge=1, le=INT32_MAX)]


def check_text(value: Any, field: str, max_length: int) -> str:
    """A text from outside: a string, no NUL, at most ``max_length`` characters."""
    if not isinstance(value, str):
        raise UnsafeInput(f"{field} must be a string")
    if "\x00" in value:
        raise UnsafeInput(f"{field} contains a NUL character")
    if len(value) > max_length:
        raise UnsafeInput(f"{field} is longer than {max_length} characters")
    return value


def check_datetime(value: datetime, field: str) -> datetime:
    """An aware date-time within the years we store (and can convert to UTC)."""
    try:
        in_utc = value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise UnsafeInput(f"{field} is out of range") from exc
    if not EARLIEST <= in_utc < LATEST:
        raise UnsafeInput(f"{field} is out of range (years 1900 to 2199)")
    return in_utc


def _refuse_constant(name: str) -> Any:
    raise UnsafeInput(f"{name} is not a JSON number")


def load_json(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Strict JSON from a request body: UTF-8, no NaN / Infinity, nested at most ``max_depth``
    levels, no NUL character in any key or string."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise UnsafeInput(f"JSON nested deeper than {max_depth} levels") from exc
    except UnicodeDecodeError as exc:
        raise UnsafeInput("body is not UTF-8") from exc
    except UnsafeInput:
        raise
    except ValueError as exc:
        raise UnsafeInput("body is not JSON") from exc
    check_json_value(value, max_depth)
    return value


def check_json_value(value: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Walk a parsed JSON value without recursion: depth, NUL characters, finite numbers."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise UnsafeInput("a JSON string contains a NUL character")
        elif isinstance(item, float):
            if not math.isfinite(item):  # 1e400 parses as infinity
                raise UnsafeInput("a JSON number is out of range")
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise UnsafeInput(f"JSON nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
