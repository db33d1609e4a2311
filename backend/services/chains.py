"""Rows that supersede one another: declarations, reviews, orientation suggestions.

Nothing is overwritten: a change is a new row whose ``supersedes_id`` points to the row it
replaces. A chain is one such line of rows, oldest first; its head (the row nobody supersedes)
is the current one. Every reader of these tables goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar


class Superseding(Protocol):
    id: Any
    supersedes_id: Any


Row = TypeVar("Row", bound=Superseding)


@dataclass
class Chain:
    """One declaration and what was done to it, oldest first; ``head`` is current."""

    rows: list[Any]

    @property
    def head(self) -> Any:
        return self.rows[-1]

    @property
    def first(self) -> Any:
        return self.rows[0]


def heads(rows: Iterable[Row]) -> list[Row]:
    """The current rows (superseded by none), in the order given."""
    rows = list(rows)
    superseded = {r.supersedes_id for r in rows if r.supersedes_id is not None}
    return [r for r in rows if r.id not in superseded]


def chains(rows: Iterable[Any]) -> list[Chain]:
    """Every chain among ``rows``, by the id of its head."""
    rows = list(rows)
    by_id = {r.id: r for r in rows}
    result = []
    for head in sorted(heads(rows), key=lambda r: r.id):
        history = [head]
        while history[0].supersedes_id in by_id:
            history.insert(0, by_id[history[0].supersedes_id])
        result.append(Chain(history))
    return result
