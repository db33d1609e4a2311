"""Chains of rows superseding one another: the one reader of append-only tables."""

from __future__ import annotations

from dataclasses import dataclass

from backend.services.chains import chains, heads


@dataclass
class R:
    id: int
    supersedes_id: int | None = None


def test_heads_and_chains_follow_supersedes_oldest_first() -> None:
    rows = [R(1), R(2), R(3, 1), R(4, 3), R(5)]
    assert [r.id for r in heads(rows)] == [2, 4, 5]
    assert [[r.id for r in c.rows] for c in chains(rows)] == [[2], [1, 3, 4], [5]]
    chain = chains(rows)[1]
    assert (chain.first.id, chain.head.id) == (1, 4)


def test_a_chain_whose_start_is_not_loaded_starts_at_what_is() -> None:
    # A row whose predecessor was erased (retention) still heads its own chain.
    assert [[r.id for r in c.rows] for c in chains([R(7, 6), R(8, 7)])] == [[7, 8]]
