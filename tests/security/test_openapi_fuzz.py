"""schemathesis against /api/v1/openapi.json, as nobody, as a referent and as the bot, on both
databases: no 5xx, and every answer (status, content type, body) as the schema declares it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from backend.core.db import session_scope
from backend.core.security import create_token
from backend.models import Account
from backend.seed import seed

from .conftest import record_outcome

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# /readyz answers 503 by design here: no action server runs in these tests.
SKIPPED = {"/readyz"}


def headers_for(who: str) -> dict[str, str]:
    if who == "anonymous":
        return {}
    if who == "bot":
        from backend.core.config import get_settings

        return {"Authorization": f"Bearer {get_settings().bot_api_token}"}
    with session_scope() as session:
        account = session.query(Account).filter_by(email="referente@demo.fr").one()
        return {"Authorization": f"Bearer {create_token(str(account.id))}"}


@pytest.mark.parametrize("who", ["anonymous", "referent", "bot"])
def test_the_api_answers_as_its_schema_says(edge, budget, who):
    with session_scope() as session:
        seed(session)  # people, appointments and accounts for the ids to land on
    headers = headers_for(who)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", edge.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIPPED:
            continue
        operations += 1

        @budget.examples(10)
        @given(case=operation.as_strategy())
        def call(case) -> None:
            response = case.call(headers=headers)
            record_outcome(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            call()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # schemathesis' failures are not all Exceptions
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:3000])
    assert operations > 30
    assert not failures, "\n\n".join(failures)
