"""The simulator's answer: the replies as the channel would send them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class Reply(BaseModel):
    text: str
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    buttons: list[dict[str, str]]
    # What a number or a button answers next (its options, and what they are for).
    menu: dict[str, Any] | None = None


class SimulateOut(BaseModel):
    replies: list[Reply]
