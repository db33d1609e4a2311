"""A refusal a service says once for both doors: the API answers ``detail`` as JSON, the staff
pages show the French ``title`` and ``message`` (handlers in backend/main.py, backend/web)."""

from __future__ import annotations


class Refused(Exception):
    """Not done, for a reason the caller can act on (403, 404, 409...): never a 500."""

    def __init__(self, status_code: int, detail: str, title: str, message: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail  # one English sentence, for API clients
        self.title = title  # French, for the staff pages
        self.message = message
