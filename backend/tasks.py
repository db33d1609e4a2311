"""Task handlers of the worker, one small function per kind."""

from __future__ import annotations

import logging
from typing import Any

from backend.services import reminders
from backend.worker import handler
from channels import outbound, pipeline

logger = logging.getLogger(__name__)


@handler(pipeline.PROCESS_TASK)
def process_inbound(payload: dict[str, Any]) -> None:
    pipeline.process_inbound(int(payload["message_id"]))


@handler(f"{pipeline.PROCESS_TASK}:failed")
def inbound_failed_for_good(payload: dict[str, Any]) -> None:
    pipeline.apologise(int(payload["message_id"]))


@handler(pipeline.SEND_TASK)
def send_message(payload: dict[str, Any]) -> None:
    outbound.send_message(int(payload["message_id"]))


@handler(reminders.TASK_KIND)
def appointment_reminder(payload: dict[str, Any]) -> None:
    outcome = reminders.send_due(payload)
    logger.info("reminder %s: %s", payload, outcome)
