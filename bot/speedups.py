"""What Rasa 3.6 does slowly on every turn, done once instead, with the same result.

Installed when the Rasa server loads our gateway connector (bot/connectors/gateway.py).

- **The action server's answer is checked against a schema at every custom action**
  (``RemoteAction._validate_action_result``). Rasa calls ``jsonschema.validate``, which first
  checks the schema itself against JSON Schema's meta-schema, then builds a validator: about
  20 ms of CPU per action on this machine, on the server's event loop, so every other turn
  waits too (a py-spy profile of dialogue turns: 48% of the Rasa server's CPU). The schema is
  a constant: it is checked once, its validator kept; an answer is then checked in about
  0.5 ms, and a wrong one is refused with the same error as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_installed = False


@lru_cache(maxsize=1)
def action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    # As jsonschema.validate: the most relevant error when there are several.
    error = best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from "
        f"the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Idempotent; the schema is checked here, at start-up, not at the first turn."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction

    action_result_validator()
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    _installed = True
