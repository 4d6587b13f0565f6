"""schemathesis against the desk's OpenAPI schema: whatever it sends, the desk never answers with a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from leakdesk.store.records import accounts


@pytest.mark.slow
def test_no_server_errors(app, desk_case) -> None:  # type: ignore[no-untyped-def]
    auth = {"authorization": f"Bearer {accounts.create_token(desk_case, 'editor', 'schemathesis')}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=auth)
            case.validate_response(response, checks=[not_a_server_error])

        check()
