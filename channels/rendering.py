"""Turn a turn's bot messages into what each channel shows. The one place that numbers choices.

A bot message is ``{"text": ..., "buttons": [{"title", "payload"}], "menu": {...}}``. ``menu``
says what the options are for (a question of the pre-diagnostic, a yes/no confirmation, a
dialogue menu), whether several may be chosen, and whether the list is shown again or only
remembered (a short re-ask keeps the last list active without resending it).

SMS and WhatsApp free text have no buttons: options become numbered lines plus a short prompt
("Répondez 1, 2 ou 3"); Telegram shows them as keyboard buttons. A turn carries at most one
menu: a message never holds two numbered lists, and a number answers only the last menu sent.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from backend.messages import text

from .gsm7 import encoding_of, fold_to_gsm7, segment_count

logger = logging.getLogger(__name__)

TEXT_CHANNELS = {"sms"}  # GSM-7 only, billed per segment: folded, short messages merged
# No buttons at all: options are numbered in the text. (WhatsApp interactive buttons need an
# approved Content template: channels/twilio.py uses one when configured, see whatsapp_content.)
NUMBERED_CHANNELS = {"sms", "whatsapp"}
MULTI_PROMPT = text("choice_prompt_multi")
NUMBERED_PROMPT = text("choice_prompt_numbered")  # a list with its own numbers (long list in pages)


@dataclass
class Rendered:
    text: str
    encoding: str
    segments: int
    buttons: list[dict[str, str]] = field(default_factory=list)
    menu: dict[str, Any] | None = None
    # The text without its numbered list, for a channel that can show real buttons instead
    # (WhatsApp through an approved Content template).
    body: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def choice_prompt(count: int, multi: bool = False) -> str:
    if multi:
        return MULTI_PROMPT
    if count == 1:
        return text("choice_prompt_one")
    if count <= 4:
        digits = [str(i) for i in range(1, count + 1)]
        return text("choice_prompt_few", numbers=", ".join(digits[:-1]), last=digits[-1])
    return text("choice_prompt_many", count=count)


def numbered_options(
    buttons: list[dict[str, str]], multi: bool = False, prompt: bool = True
) -> str:
    """Numbered lines; an option may carry its own number (a page of a long list)."""
    lines = [f"{b.get('number', i)} {b['title']}" for i, b in enumerate(buttons, start=1)]
    own_numbers = any("number" in b for b in buttons)
    wording = NUMBERED_PROMPT if own_numbers and not multi else choice_prompt(len(buttons), multi)
    tail = "\n" + wording if prompt else ""
    return "\n".join(lines) + tail


def _menu_of(message: dict[str, Any], buttons: list[dict[str, str]]) -> dict[str, Any] | None:
    if not buttons:
        return None
    menu = dict(message.get("menu") or {"kind": "dialogue"})
    menu["options"] = buttons
    return menu


def _render_one(message: dict[str, Any], channel: str) -> Rendered:
    text = (message.get("text") or "").strip()
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        | ({"number": str(b["number"])} if "number" in b else {})
        for b in message.get("buttons") or []
    ]
    menu = _menu_of(message, buttons)
    show = menu is not None and bool(menu) and menu.get("show", True)
    body = text if show and channel == "whatsapp" else None
    if channel in NUMBERED_CHANNELS and show:
        assert menu is not None
        listed = numbered_options(buttons, bool(menu.get("multi")), menu.get("prompt", True))
        text = f"{text}\n{listed}" if text else listed
    elif channel not in NUMBERED_CHANNELS and menu and menu.get("multi") and show:
        # A keyboard button picks one option: numbered titles say how to pick several.
        text = f"{text}\n{MULTI_PROMPT}"
        buttons = [{**b, "title": f"{i} {b['title']}"} for i, b in enumerate(buttons, start=1)]
        menu["options"] = buttons
    if channel in TEXT_CHANNELS:
        text = fold_to_gsm7(text)
    # A remembered (not shown) list keeps its options in the menu for the digits, but is not
    # shown again (no keyboard either).
    return Rendered(
        text=text,
        encoding=encoding_of(text),
        segments=segment_count(text),
        buttons=buttons if show else [],
        menu=menu,
        body=body,
    )


def one_menu(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the last message of a turn may carry options: earlier ones lose theirs."""
    with_options = [i for i, m in enumerate(messages) if m.get("buttons")]
    if len(with_options) <= 1:
        return messages
    logger.warning("a turn had %d menus; only the last one is kept", len(with_options))
    kept = with_options[-1]
    return [
        m if i == kept or not m.get("buttons") else {**m, "buttons": [], "menu": None}
        for i, m in enumerate(messages)
    ]


def render(messages: list[dict[str, Any]], channel: str) -> list[Rendered]:
    """Render one turn. On SMS, consecutive messages are merged whenever that saves segments."""
    wanted = [m for m in messages if m.get("text") or m.get("buttons")]
    rendered = [_render_one(m, channel) for m in one_menu(wanted)]
    if channel not in TEXT_CHANNELS:
        return rendered
    merged: list[Rendered] = []
    for item in rendered:
        if merged:
            last = merged[-1]
            joined = f"{last.text}\n{item.text}"
            if segment_count(joined) <= last.segments + item.segments:
                merged[-1] = Rendered(
                    joined,
                    encoding_of(joined),
                    segment_count(joined),
                    last.buttons + item.buttons,
                    item.menu or last.menu,
                )
                continue
        merged.append(item)
    return merged
