"""REST input that keeps the per-message metadata sent by our channels gateway.

Rasa's RestInput drops the request's ``metadata``; the actions need it (contact id, channel,
gateway message id) to write declarations with their source.
"""

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.request import Request


class GatewayInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None
