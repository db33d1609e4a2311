"""The event log's vocabulary: every kind written to ``events`` and the one way to write it.

The funnel, the coordination pages, retention and erasure read these kinds back, so a kind is
a contract: it lives here, once, not as a free string in the module that writes it. The
column stays a plain string (a ``StrEnum`` member is its value), so no migration is needed
and rows written before this module read the same. ``tests/test_events.py`` checks that no
code builds an ``Event`` by hand and that every kind written is a member.

The action server may also record events through ``POST /api/v1/bot/contacts/{id}/events``
(today only ``nlu_fallback``); that route keeps accepting any well-formed kind, since the bot
is a separate deployment whose new kinds must not fail a turn.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from backend.models import Event


class EventKind(StrEnum):
    # Staff accounts and sign-in
    account_created = "account_created"
    account_deactivated = "account_deactivated"
    account_password_reset = "account_password_reset"
    account_reactivated = "account_reactivated"
    staff_login = "staff_login"
    staff_password_changed = "staff_password_changed"
    # Reads of personal data (audit)
    audit_read = "audit_read"
    prediagnostic_read = "prediagnostic_read"
    # People and their contacts
    beneficiaries_import = "beneficiaries_import"
    beneficiary_created = "beneficiary_created"
    beneficiary_import_updated = "beneficiary_import_updated"
    beneficiary_imported = "beneficiary_imported"
    birth_date_mismatch = "birth_date_mismatch"
    contact_linked = "contact_linked"
    contact_opt_in = "contact_opt_in"
    contact_opt_out = "contact_opt_out"
    contact_verified = "contact_verified"
    new_number_confirmed = "new_number_confirmed"
    telegram_link_issued = "telegram_link_issued"
    triage_created = "triage_created"
    triage_linked = "triage_linked"
    # Consent and data rights
    consent_withdrawn = "consent_withdrawn"
    data_erased = "data_erased"
    retention_purged = "retention_purged"
    # Invitations (coordination funnel: invited, delivered, answered...)
    invitation_answered = "invitation_answered"
    invitation_created = "invitation_created"
    invitation_failed = "invitation_failed"
    invitation_relaunched = "invitation_relaunched"
    invitation_sent = "invitation_sent"
    invitation_stopped = "invitation_stopped"
    # The questionnaire (coordination funnel per question)
    prediag_answer_saved = "prediag_answer_saved"
    prediag_question_asked = "prediag_question_asked"
    prediag_submitted = "prediag_submitted"
    # Review of a pre-diagnostic and the suggested parcours
    orientation_decided = "orientation_decided"
    orientation_suggested = "orientation_suggested"
    prediagnostic_validated = "prediagnostic_validated"
    professional_project_reviewed = "professional_project_reviewed"
    situation_item_reviewed = "situation_item_reviewed"
    # Appointments, reminders and the referent's requests
    appointment_cannot_attend = "appointment_cannot_attend"
    appointment_confirmed = "appointment_confirmed"
    appointment_created = "appointment_created"
    appointment_updated = "appointment_updated"
    callback_request_handled = "callback_request_handled"
    callback_requested = "callback_requested"
    reminder_not_sent = "reminder_not_sent"
    reminder_sent = "reminder_sent"
    reminder_settings_changed = "reminder_settings_changed"
    situation_update_declared = "situation_update_declared"
    situation_update_handled = "situation_update_handled"
    situation_update_rejected = "situation_update_rejected"
    situation_update_validated = "situation_update_validated"
    # Messages not understood (coordinators' page)
    nlu_fallback = "nlu_fallback"
    nlu_fallback_assigned = "nlu_fallback_assigned"
    # The gateway
    flood_notice = "flood_notice"
    send_interrupted = "send_interrupted"
    twilio_status_unmatched = "twilio_status_unmatched"
    wait_notice = "wait_notice"


def record_event(
    session: Session,
    kind: EventKind | str,
    *,
    beneficiary_id: int | None = None,
    contact_id: int | None = None,
    account_id: int | None = None,
    message_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Add one event to the session (flushed with the caller's transaction).

    An unknown kind raises ``ValueError``: a typo would otherwise write rows nobody reads.
    """
    event = Event(
        kind=EventKind(kind),
        beneficiary_id=beneficiary_id,
        contact_id=contact_id,
        account_id=account_id,
        message_id=message_id,
        data={} if data is None else data,
    )
    session.add(event)
    return event
