"""Questionnaire funnel from the chat engine's events.

Contract: ``prediag_question_asked`` and ``prediag_answer_saved`` carry
``{"prediagnostic_id", "question_key", "channel"}``; ``prediag_submitted`` closes a run.

Questions are listed in the questionnaire's order (bot/questionnaire.yml), with their text; keys
the questionnaire no longer has come last, by where people met them. The time to answer a
question runs from the person's previous answer (the next question goes out in the same turn)
to this answer, so it does not depend on when the "asked" event was written: a question
re-asked in the very turn it is answered still counts the time the person took.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Event, Prediagnostic
from backend.services.events import EventKind

ASKED, SAVED, SUBMITTED = (
    EventKind.prediag_question_asked,
    EventKind.prediag_answer_saved,
    EventKind.prediag_submitted,
)


@dataclass
class QuestionStats:
    key: str
    text: str = ""
    reached: int = 0
    answered: int = 0
    dropped: int = 0
    median_seconds: float | None = None
    position: float = 0.0

    @property
    def answer_rate(self) -> float:
        return self.answered / self.reached if self.reached else 0.0


@dataclass
class ChannelStats:
    channel: str
    started: int = 0
    completed: int = 0

    @property
    def rate(self) -> float:
        return self.completed / self.started if self.started else 0.0


@dataclass
class Funnel:
    questions: list[QuestionStats] = field(default_factory=list)
    channels: list[ChannelStats] = field(default_factory=list)

    @property
    def started(self) -> int:
        return sum(c.started for c in self.channels)

    @property
    def completed(self) -> int:
        return sum(c.completed for c in self.channels)


@dataclass
class _Run:
    channel: str | None = None
    asks: list[tuple[str, datetime]] = field(default_factory=list)
    saves: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    all_saves: list[datetime] = field(default_factory=list)
    submitted: bool = False

    def shown_at(self, key: str, answered_at: datetime) -> datetime | None:
        """When the question answered at ``answered_at`` was sent: right after the previous
        answer of this run, else when it was first asked."""
        before = [s for s in self.all_saves if s < answered_at]
        if before:
            return max(before)
        asked = [at for k, at in self.asks if k == key and at <= answered_at]
        return min(asked) if asked else None


def _prediagnostic_id(data: dict[str, Any]) -> int | None:
    value = data.get("prediagnostic_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def compute_funnel(session: Session, since: datetime | None = None) -> Funnel:  # noqa: C901 - one pass over the events; debt (issue 17)
    query = select(Event.kind, Event.data, Event.created_at).where(
        Event.kind.in_([ASKED, SAVED, SUBMITTED])
    )
    if since is not None:
        query = query.where(Event.created_at >= since)
    runs: dict[int, _Run] = defaultdict(_Run)
    for kind, data, created_at in session.execute(query.order_by(Event.id)):
        data = data or {}
        run_id = _prediagnostic_id(data)
        if run_id is None:
            continue
        run = runs[run_id]
        run.channel = run.channel or data.get("channel")
        key = data.get("question_key")
        if kind == SUBMITTED:
            run.submitted = True
        elif key and kind == ASKED:
            run.asks.append((str(key), created_at))
        elif key and kind == SAVED:
            run.saves[str(key)].append(created_at)
            run.all_saves.append(created_at)

    # A run also counts as complete when the store says so (an event may predate the window).
    if runs:
        for run_id, status, stored_channel in session.execute(
            select(Prediagnostic.id, Prediagnostic.status, Prediagnostic.channel).where(
                Prediagnostic.id.in_(list(runs))
            )
        ):
            runs[run_id].submitted |= status in ("submitted", "validated")
            runs[run_id].channel = runs[run_id].channel or stored_channel

    stats: dict[str, QuestionStats] = {}
    durations: dict[str, list[float]] = defaultdict(list)
    positions: dict[str, list[int]] = defaultdict(list)
    channels: dict[str, ChannelStats] = {}
    for run in runs.values():
        if not run.asks:
            continue
        channel = channels.setdefault(
            run.channel or "inconnu", ChannelStats(run.channel or "inconnu")
        )
        channel.started += 1
        channel.completed += run.submitted
        first_ask: dict[str, datetime] = {}
        for key, at in run.asks:
            if key not in first_ask:
                first_ask[key] = at
                positions[key].append(len(first_ask))
        for key, asked_at in first_ask.items():
            question = stats.setdefault(key, QuestionStats(key))
            question.reached += 1
            saves = run.saves.get(key, [])
            if saves:
                question.answered += 1
                after = [s for s in saves if s >= asked_at]
                answered_at = min(after) if after else None
                shown_at = run.shown_at(key, answered_at) if answered_at else None
                if answered_at and shown_at:
                    durations[key].append((answered_at - shown_at).total_seconds())
        if not run.submitted:
            # Dropped where the person stopped: the last question asked, never answered since.
            last_key, last_at = run.asks[-1]
            if not any(s >= last_at for s in run.saves.get(last_key, [])):
                stats[last_key].dropped += 1
    order, texts = _questionnaire_order()
    for key, question in stats.items():
        question.median_seconds = statistics.median(durations[key]) if durations[key] else None
        question.position = statistics.mean(positions[key])
        question.text = texts.get(key, key)
    return Funnel(
        questions=sorted(
            stats.values(),
            key=lambda q: (order.get(q.key, len(order)), q.position, -q.reached, q.key),
        ),
        channels=sorted(channels.values(), key=lambda c: c.channel),
    )


def _questionnaire_order() -> tuple[dict[str, int], dict[str, str]]:
    """Question key -> its rank and its text in the questionnaire ({} if it cannot be read)."""
    from backend.services.questionnaire.schema import QuestionnaireError, load_questionnaire

    try:
        questions = load_questionnaire().questions
    except QuestionnaireError:
        return {}, {}
    return (
        {q.key: index for index, q in enumerate(questions)},
        {q.key: q.text for q in questions},
    )


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def funnel_svg(funnel: Funnel) -> str:
    """Horizontal bars per question: reached (light) and answered (dark) over it."""
    rows = funnel.questions
    label_w, bar_w, row_h, top = 370, 380, 34, 30
    width, height = label_w + bar_w + 150, top + row_h * max(1, len(rows)) + 10
    top_count = max((q.reached for q in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="funnel-title funnel-desc" class="chart">',
        '<title id="funnel-title">Entonnoir du questionnaire</title>',
        '<desc id="funnel-desc">Pour chaque question, barre claire : personnes arrivées à la '
        "question ; barre foncée : personnes qui y ont répondu. Les chiffres exacts sont dans le "
        "tableau qui suit.</desc>",
        f'<rect x="{label_w}" y="6" width="14" height="14" fill="#cacafb"/>'
        f'<text x="{label_w + 20}" y="18" font-size="13" fill="#1e1e1e">arrivées</text>'
        f'<rect x="{label_w + 100}" y="6" width="14" height="14" fill="#000091"/>'
        f'<text x="{label_w + 120}" y="18" font-size="13" fill="#1e1e1e">réponses</text>',
    ]
    for index, q in enumerate(rows):
        y = top + index * row_h
        reached_w = bar_w * q.reached / top_count
        answered_w = bar_w * q.answered / top_count
        text = q.text or q.key
        label = text if len(text) <= 52 else text[:51] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" font-size="13" text-anchor="end" '
            f'fill="#1e1e1e">{_escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{reached_w:.1f}" height="22" fill="#cacafb"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{answered_w:.1f}" height="22" fill="#000091"/>'
            f'<text x="{label_w + reached_w + 6:.1f}" y="{y + 19}" font-size="13" '
            f'fill="#1e1e1e">{q.answered}/{q.reached}'
            + (f" · {q.dropped} abandon{'s' if q.dropped > 1 else ''}" if q.dropped else "")
            + "</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def channels_svg(funnel: Funnel, channel_labels: dict[str, str]) -> str:
    rows = funnel.channels
    label_w, bar_w, row_h = 120, 400, 34
    width, height = label_w + bar_w + 120, row_h * max(1, len(rows)) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        'role="img" aria-labelledby="channels-title" class="chart">',
        '<title id="channels-title">Taux de questionnaires terminés par canal</title>',
    ]
    for index, c in enumerate(rows):
        y = index * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" font-size="13" text-anchor="end" '
            f'fill="#1e1e1e">{_escape(channel_labels.get(c.channel, c.channel))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="22" fill="#eeeeee"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w * c.rate:.1f}" height="22" '
            'fill="#18753c"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 19}" font-size="13" fill="#1e1e1e">'
            f"{round(100 * c.rate)} % ({c.completed}/{c.started})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
