"""A question as each channel shows it. SMS gets numbered lines and a short prompt (no buttons:
a '2' is parsed by the engine); Telegram, WhatsApp and the web chat get buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

from .schema import Option, Question, Questionnaire

TEXT_ONLY = {"sms"}


@dataclass
class Prompt:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def _choice_prompt(count: int) -> str:
    if count <= 4:
        digits = [str(i) for i in range(1, count + 1)]
        return "Répondez " + ", ".join(digits[:-1]) + " ou " + digits[-1]
    return f"Répondez de 1 à {count}"


def render_text(text: str, channel: str) -> Prompt:
    return Prompt(text=text)


def render_question(
    questionnaire: Questionnaire,
    question: Question,
    options: list[Option],
    channel: str,
    *,
    note: str | None = None,
    summary: str = "",
) -> Prompt:
    messages = questionnaire.messages
    body = question.text
    if question.type == "confirm" and summary:
        body = f"{summary}\n{body}"
    hint = ""
    if note == "unclear":
        body = f"{messages.unclear} {question.rephrase or question.text}"
        hint = {"number": messages.unclear_number, "text": messages.unclear_text}.get(
            question.type, ""
        )
    elif note == "help":
        body = f"{question.help or messages.help}\n{body}"
    elif note == "resumed":
        body = f"{messages.resumed}\n{body}"
    elif note == "back_first":
        body = f"{messages.back_first}\n{body}"
    if hint:
        body = f"{body}\n{hint}"
    if not options:
        return Prompt(text=body)
    multi = question.type == "multi"
    if channel in TEXT_ONLY:
        lines = [f"{i} {o.sms}" for i, o in enumerate(options, start=1)]
        tail = ""
        if multi:
            tail = "\n" + messages.unclear_multi
        elif question.type in ("single",):
            tail = "\n" + _choice_prompt(len(options))
        return Prompt(text=body + "\n" + "\n".join(lines) + tail)
    buttons = [
        {
            "title": f"{i} {o.button_title}" if multi else o.button_title,
            "payload": str(i),
        }
        for i, o in enumerate(options, start=1)
    ]
    if multi:
        body = f"{body}\n{messages.unclear_multi}"
    return Prompt(text=body, buttons=buttons)
