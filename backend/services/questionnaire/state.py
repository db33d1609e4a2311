"""Where a person is in the questionnaire: the engine's bookkeeping, stored as JSON in
``Prediagnostic.state`` (derived, safe to rebuild; no migration when a field is added).

``from_json`` then ``to_json`` gives back exactly the stored dict: a key is written when its
field is set, or when it was in the stored JSON (a cleared ``cursor`` stays ``null``), and keys
this code does not know are kept as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

CONSENT_REFUSED = "consent_refused"  # ``ended`` when the person said no to the consent


@dataclass
class QuestionnaireState:
    asked_key: str | None = None  # the question last sent
    asked_at: datetime | None = None  # when it was sent (a long silence resumes it whole)
    cursor: str | None = None  # the question to ask again after "retour", else the first unanswered
    history: list[str] = field(default_factory=list)  # questions answered, in order ("retour")
    failures: dict[str, int] = field(default_factory=dict)  # answers not understood, per question
    paused: bool = False  # "plus tard": the next message resumes
    closing_said: bool = False  # the closing text was sent once (then a shorter one)
    ended: str | None = None  # why it stopped early: consent_refused, consent_withdrawn
    # Not part of the state: stored keys this code does not know, and the keys the stored JSON
    # had (written back even when empty, so that a round trip changes nothing).
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    stored_keys: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> QuestionnaireState:
        data = dict(data or {})
        asked_at = data.get("asked_at")
        known = {f.name for f in fields(cls)} - {"extra", "stored_keys"}
        return cls(
            asked_key=data.get("asked_key"),
            asked_at=datetime.fromisoformat(asked_at) if asked_at else None,
            cursor=data.get("cursor"),
            history=list(data.get("history") or []),
            failures=dict(data.get("failures") or {}),
            paused=bool(data.get("paused", False)),
            closing_said=bool(data.get("closing_said", False)),
            ended=data.get("ended"),
            extra={k: v for k, v in data.items() if k not in known},
            stored_keys=frozenset(data) & known,
        )

    def to_json(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "asked_key": self.asked_key,
            "asked_at": self.asked_at.isoformat() if self.asked_at else None,
            "cursor": self.cursor,
            "history": list(self.history),
            "failures": dict(self.failures),
            "paused": self.paused,
            "closing_said": self.closing_said,
            "ended": self.ended,
        }
        data = {
            key: value
            for key, value in values.items()
            # A flag is stored only when true (cleared, it goes); a stored key is kept.
            if value or (key in self.stored_keys and not isinstance(value, bool))
        }
        data.update(self.extra)
        return data
