"""A question as a bot message: its text, its options and what they are for (the menu). The
channel renderer (channels/rendering.py) alone numbers the options or makes them buttons."""

from __future__ import annotations

from typing import Any

from backend.messages import text

from .schema import Option, Question, Questionnaire

Message = dict[str, Any]


def text_message(text: str) -> Message:
    return {"text": text}


def question_menu(question: Question, *, show: bool = True) -> dict[str, Any]:
    return {
        "kind": "question",
        "question_key": question.key,
        "multi": question.type == "multi",
        "show": show,
        # A yes/no question needs no "Répondez 1 ou 2": it would cost the consent a 2nd SMS.
        "prompt": question.type not in ("consent", "confirm"),
    }


def option_buttons(options: list[Option], channel: str) -> list[dict[str, str]]:
    """SMS gets the short labels; the other channels a longer title when there is one."""
    return [
        {"title": o.sms if channel == "sms" else o.button_title, "payload": o.key} for o in options
    ]


SMS_LIMIT = 160  # one segment
MORE = {"title": "Autres choix", "payload": "more", "number": "0"}
# The prompts channels/rendering.py ends a list with (backend/messages.yml).
PAGED_PROMPT = text("choice_prompt_numbered")
MULTI_PROMPT_SHORT = text("choice_prompt_multi")


def _sms_length(body: str, buttons: list[dict[str, str]], multi: bool, paged: bool) -> int:
    """The SMS as channels/rendering.py will write it (numbered lines, then the prompt)."""
    lines = [f"{b.get('number', i)} {b['title']}" for i, b in enumerate(buttons, start=1)]
    if multi:
        prompt = MULTI_PROMPT_SHORT
    elif paged:
        prompt = PAGED_PROMPT
    else:
        prompt = text("choice_prompt_many", count=len(buttons))
    return len(body) + sum(len(line) + 1 for line in lines) + len(prompt) + 1


def first_page(body: str, buttons: list[dict[str, str]], multi: bool) -> int | None:
    """How many options fit in one SMS before '0 Autres choix' (None: they all fit)."""
    if len(buttons) <= 4 or _sms_length(body, buttons, multi, False) <= SMS_LIMIT:
        return None
    for count in range(len(buttons) - 1, 2, -1):
        if _sms_length(body, [*buttons[:count], MORE], multi, True) <= SMS_LIMIT:
            return count
    return 3


def question_message(
    questionnaire: Questionnaire,
    question: Question,
    options: list[Option],
    channel: str,
    *,
    note: str | None = None,
    summary: str = "",
) -> Message:
    """The whole question, its options listed: asked for the first time, or asked again on its
    own (after a digression, help, a pause). On SMS a long list shows its first options and
    '0 Autres choix' so that the question stays one SMS; every number still answers it."""
    body = question.text
    if question.type == "confirm" and summary:
        body = f"{summary}\n{body}"
    if not options:
        return {"text": body}
    buttons = option_buttons(options, channel)
    menu = question_menu(question)
    shown = first_page(body, buttons, menu["multi"]) if channel == "sms" else None
    if shown is not None:
        menu["paged"] = shown
        buttons = [{**b, "number": str(i)} for i, b in enumerate(buttons[:shown], 1)] + [MORE]
    return {"text": body, "buttons": buttons, "menu": menu}


def note_message(
    questionnaire: Questionnaire, question: Question, note: str | None
) -> Message | None:
    """What comes before a question asked again (help, "on reprend"...): its own message, so
    the question keeps its one-SMS layout (the renderer joins them when that costs nothing)."""
    messages = questionnaire.messages
    text = {
        "help": question.help or messages.help,
        "resumed": messages.resumed,
        "back_first": messages.back_first,
    }.get(note or "")
    return {"text": text} if text else None


def more_message(
    questionnaire: Questionnaire, question: Question, options: list[Option], shown: int
) -> Message:
    """The rest of a long list, numbered as in the whole list."""
    rest = options[shown:]
    buttons = [
        {"title": o.sms, "payload": o.key, "number": str(i)}
        for i, o in enumerate(rest, start=shown + 1)
    ]
    return {"text": "Autres choix :", "buttons": buttons, "menu": question_menu(question)}


def reask_message(
    questionnaire: Questionnaire,
    question: Question,
    options: list[Option],
    channel: str,
    *,
    again: bool = False,
) -> Message:
    """One short SMS: the list already sent stays the active menu, it is not resent."""
    messages = questionnaire.messages
    if again:
        text = messages.still_unclear
    elif question.type in ("consent", "confirm"):
        text = messages.reask_yes_no
    elif question.type == "multi":
        text = messages.reask_multi
    elif question.type == "number":
        text = messages.reask_number
    elif question.type == "text":
        text = messages.reask_text
    else:
        text = messages.reask_choice
    if not options:
        return {"text": text}
    return {
        "text": text,
        "buttons": option_buttons(options, channel),
        "menu": question_menu(question, show=False),
    }


def guess_message(
    questionnaire: Questionnaire, question: Question, guessed: list[Option], raw: str
) -> Message:
    """'Bus, train : c'est bien ça ? 1 Oui 2 Non': a one-SMS confirmation of the best guess."""
    choice = ", ".join(o.sms for o in guessed)
    return {
        "text": questionnaire.messages.confirm_guess.format(choice=choice),
        "buttons": [
            {"title": text("button_yes"), "payload": "yes"},
            {"title": text("button_no"), "payload": "no"},
        ],
        "menu": {
            "kind": "confirm_answer",
            "question_key": question.key,
            "value": [o.key for o in guessed],
            "raw": raw[:300],
        },
    }


def change_message(
    questionnaire: Questionnaire, earlier: Question, changed: list[Option], raw: str
) -> Message:
    """'Vous changez une réponse d'avant pour : RSA. C'est bien ça ? 1 Oui 2 Non': the same
    confirmation as a guess, for an earlier question."""
    message = guess_message(questionnaire, earlier, changed, raw)
    message["text"] = questionnaire.messages.confirm_change.format(
        choice=", ".join(o.sms for o in changed)
    )
    return message


def between_message(
    questionnaire: Questionnaire,
    question: Question,
    options: list[Option],
    first: Option,
    second: Option,
    channel: str,
) -> Message:
    """Two options fit: name both with their numbers in the list already sent."""

    def numbered(option: Option) -> str:
        return f"{options.index(option) + 1} ({option.sms})"

    text = questionnaire.messages.choose_between.format(
        first=numbered(first), second=numbered(second)
    )
    return {
        "text": text,
        "buttons": option_buttons(options, channel),
        "menu": question_menu(question, show=False),
    }
