"""Every question as the person will see it, on SMS and on Telegram: for the coordinator's page
(and the SMS budget test). Options that depend on earlier answers are all shown."""

from __future__ import annotations

from typing import Any

from channels.rendering import render

from .render import render_question
from .schema import Questionnaire, load_questionnaire

SAMPLE_SUMMARY = (
    "Résumé: Oui, plus maintenant, Bac. Projet: vendeuse, 20 km. "
    "Freins: Logement (beaucoup), Transport (un peu), Internet (beaucoup)."
)


def questionnaire_preview(questionnaire: Questionnaire | None = None) -> list[dict[str, Any]]:
    q = questionnaire or load_questionnaire()
    rows = []
    for question in q.questions:
        sms_prompt = render_question(q, question, question.options, "sms", summary=SAMPLE_SUMMARY)
        [sms] = render([{"text": sms_prompt.text}], "sms")
        telegram = render_question(
            q, question, question.options, "telegram", summary=SAMPLE_SUMMARY
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
