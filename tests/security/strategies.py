"""Hypothesis strategies for hostile input: any text, wrong types, deep and huge bodies."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

# Any text: every code point but surrogates (NUL, controls, RTL marks, emoji...), and a few
# that have bitten before.
NASTY = [
    "",
    " ",
    "\x00",
    "bon\x00jour",
    "\u202eruojnob",  # right-to-left override
    "مرحبا بكم",
    "😀" * 50,
    "e\u0301" * 20,  # combining accents
    "STOP",
    "/start abc",
    "\r\n\t",
    "x" * 5000,
    "é" * 200_000,  # huge, still under a 1 MB cap
]
texts = st.one_of(st.text(max_size=40), st.text(max_size=300), st.sampled_from(NASTY))
# Plausible text most of the time (so that some requests are accepted), anything sometimes.
_no_nul = st.text(st.characters(exclude_characters="\x00"), max_size=60)
fair_texts = st.one_of(_no_nul, _no_nul, _no_nul, _no_nul, _no_nul, texts)
short_texts = st.one_of(st.text(max_size=12), st.sampled_from(NASTY[:11]))
big_ints = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=10**30, max_value=10**100),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    big_ints,
    st.floats(allow_nan=False, allow_infinity=False),
    short_texts,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(short_texts, children, max_size=3)
    ),
    max_leaves=8,
)


def field(proper: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right shape, sometimes any JSON value (a wrong type)."""
    return st.one_of(proper, proper, proper, json_values)


def maybe(key: str, proper: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``{key: value}`` or nothing at all (a missing field)."""
    return st.one_of(st.just({}), field(proper).map(lambda value: {key: value}))


def objects(*parts: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def merge(pieces: tuple[dict[str, Any], ...]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for piece in pieces:
            merged.update(piece)
        return merged

    return st.tuples(*parts).map(merge)


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# Bodies no parser should choke on.
raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            deep(100_000),
            deep(33),
            b'{"a": ' * 5000 + b"1" + b"}" * 5000,
            b"NaN",
            b'{"update_id": NaN, "data": Infinity}',
            b'{"a": -Infinity}',
            b"1e400",
            b"9" * 5000,
            b'"\\u0000"',
            b'{"\\u0000": 1}',
            b"\xff\xfe\x00",
            b"null",
            b"[]",
            b"{}",
        ]
    ),
    json_values.map(lambda value: json.dumps(value).encode()),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "text/plain",
        "application/xml",
        "",
    ]
)
# Header values as a client could send them (latin-1, no line breaks).
header_values = st.binary(max_size=80).filter(lambda b: not set(b) & {0, 10, 13})


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        found.append((*prefix, key))
        if isinstance(child, dict | list) and child:
            found.extend(_paths(child, (*prefix, key)))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[Any], replacements=json_values) -> Any:
    """A well-formed value with up to two fields dropped or replaced by something else."""
    value = copy.deepcopy(draw(base))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):  # a third left intact
        paths = _paths(value)
        if not paths:
            break
        *parents, leaf = draw(st.sampled_from(paths))
        node = value
        for key in parents:
            node = node[key]
        if isinstance(node, dict) and draw(st.booleans()):
            del node[leaf]
        else:
            node[leaf] = draw(replacements)
    return value
