"""Opt-out and opt-in keywords, handled by the gateway before Rasa, whatever the channel."""

from __future__ import annotations

import re
import unicodedata

from backend.messages import text

OPT_OUT = {"stop", "arret", "stop sms", "desabonner", "unsubscribe", "stop all", "stopall"}
OPT_IN = {"start", "unstop"}

STOPPED_REPLY = text("optout_stopped")
RESTARTED_REPLY = text("optout_restarted")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z]+", " ", text).split())


def is_opt_out(text: str) -> bool:
    """STOP, ARRET, ARRÊT, STOP SMS, DESABONNER, UNSUBSCRIBE: alone, any case or accent."""
    return _normalise(text) in OPT_OUT


def is_opt_in(text: str) -> bool:
    return _normalise(text) in OPT_IN
