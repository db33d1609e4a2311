"""Addresses: E.164 phone numbers for SMS and WhatsApp (region FR by default)."""

from __future__ import annotations

import phonenumbers

from backend.core.config import get_settings

PHONE_CHANNELS = {"sms", "whatsapp"}


class InvalidAddress(ValueError):
    pass


def to_e164(raw: str, region: str | None = None) -> str:
    raw = raw.strip().removeprefix("whatsapp:")
    try:
        number = phonenumbers.parse(raw, region or get_settings().default_phone_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidAddress(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidAddress(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_address(channel: str, raw: str) -> str:
    return to_e164(raw) if channel in PHONE_CHANNELS else raw.strip()
