"""Turn Rasa's bot messages into what each channel shows.

SMS has no buttons: options become numbered lines plus "Répondez 1, 2 ou 3", and the digits
map back to the buttons' payloads on the next inbound message (see ``resolve_choice``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .gsm7 import encoding_of, fold_to_gsm7, segment_count

TEXT_CHANNELS = {"sms"}  # GSM-7 only, billed per segment: folded, short messages merged
# No buttons at all: options are numbered in the text. (WhatsApp free text through Twilio has
# no buttons either: interactive ones need an approved Content template per question.)
NUMBERED_CHANNELS = {"sms", "whatsapp"}


@dataclass
class Rendered:
    text: str
    encoding: str
    segments: int
    buttons: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def numbered_options(buttons: list[dict[str, str]]) -> str:
    lines = [f"{i} {b['title']}" for i, b in enumerate(buttons, start=1)]
    digits = [str(i) for i in range(1, len(buttons) + 1)]
    prompt = digits[0] if len(digits) == 1 else ", ".join(digits[:-1]) + " ou " + digits[-1]
    return "\n".join(lines) + f"\nRépondez {prompt}"


def _render_one(message: dict[str, Any], channel: str) -> Rendered:
    text = (message.get("text") or "").strip()
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in message.get("buttons") or []
    ]
    if channel in NUMBERED_CHANNELS and buttons:
        text = f"{text}\n{numbered_options(buttons)}" if text else numbered_options(buttons)
    if channel in TEXT_CHANNELS:
        text = fold_to_gsm7(text)
    return Rendered(
        text=text, encoding=encoding_of(text), segments=segment_count(text), buttons=buttons
    )


def render(messages: list[dict[str, Any]], channel: str) -> list[Rendered]:
    """Render one turn. On SMS, consecutive messages are merged whenever that saves segments."""
    rendered = [_render_one(m, channel) for m in messages if m.get("text") or m.get("buttons")]
    if channel not in TEXT_CHANNELS:
        return rendered
    merged: list[Rendered] = []
    for item in rendered:
        if merged:
            last = merged[-1]
            joined = f"{last.text}\n{item.text}"
            if segment_count(joined) <= last.segments + item.segments:
                merged[-1] = Rendered(
                    joined, encoding_of(joined), segment_count(joined), last.buttons + item.buttons
                )
                continue
        merged.append(item)
    return merged


_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def resolve_choice(text: str, buttons: list[dict[str, str]]) -> str:
    """'2' after a numbered list, or a keyboard button's exact title (Telegram sends titles),
    means that button's payload; anything else is kept as typed."""
    if not buttons:
        return text
    match = _CHOICE.match(text or "")
    if match:
        index = int(match.group(1)) - 1
        if 0 <= index < len(buttons):
            return buttons[index]["payload"]
    typed = (text or "").strip().casefold()
    for button in buttons:
        if button["title"].strip().casefold() == typed:
            return button["payload"]
    return text
