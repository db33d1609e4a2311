"""Every question as the person will see it, on SMS and on Telegram: for the coordinator's page
(and the SMS budget test). Options that depend on earlier answers are all shown."""

from __future__ import annotations

from typing import Any

from channels.rendering import render

from .render import question_message
from .schema import Questionnaire, load_questionnaire

SAMPLE_SUMMARY = (
    "Résumé: Oui, plus maintenant, Bac. Projet: vendeuse, 20 km. "
    "Freins: Logement (beaucoup), Transport (un peu), Internet (beaucoup)."
)


def questionnaire_preview(questionnaire: Questionnaire | None = None) -> list[dict[str, Any]]:
    q = questionnaire or load_questionnaire()
    rows = []
    for question in q.questions:
        [sms] = render(
            [question_message(q, question, question.options, "sms", summary=SAMPLE_SUMMARY)],
            "sms",
        )
        [telegram] = render(
            [question_message(q, question, question.options, "telegram", summary=SAMPLE_SUMMARY)],
            "telegram",
        )
        rows.append(
            {
                "key": question.key,
                "section": question.section,
                "type": question.type,
                "optional": question.optional,
                "conditional": bool(question.when),
                "sms": {"text": sms.text, "encoding": sms.encoding, "segments": sms.segments},
                "telegram": {"text": telegram.text, "buttons": telegram.buttons},
            }
        )
    return rows
