"""What an SMS may say about people: a phone is often shared, so no full name (a first name,
no last name: the first name is enough) and no address unless the person asked where their
appointment is."""

from __future__ import annotations


def short_name(full_name: str | None) -> str | None:
    """'Claire Martin' -> 'Claire' (what a person calls their referent anyway)."""
    words = (full_name or "").split()
    return words[0] if words else None
