"""An inbound turn as a queued task: its kind, and the per-contact key that runs one
contact's turns one at a time and in order (the pipeline queues it, flood control defers it)."""

from __future__ import annotations

PROCESS_TASK = "process_inbound"


def contact_key(contact_id: int) -> str:
    return f"contact:{contact_id}"


def contact_of_key(key: str | None) -> int | None:
    """The contact a task key is about (``contact:12`` -> 12), None for any other key."""
    prefix, _, rest = (key or "").partition(":")
    return int(rest) if prefix == "contact" and rest.isdigit() else None
