"""The OpenAPI document: served, checked in (docs/openapi.json) and true — schemathesis generates requests from
it, as a signed-in user, and none gets a 500 or a response that breaks the schema."""

from __future__ import annotations

import json
from pathlib import Path

import hypothesis
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import positive_data_acceptance

from os1.server.auth import KEY_PREFIX, new_token, token_hash
from os1.server.openapi import render

from .conftest import CHEAP, build_server, chat, signup

CHECKED_IN = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
REGENERATE = ".venv/bin/python -m os1.server.openapi > docs/openapi.json"


def test_served_spec_matches_the_checked_in_file(server):
    served = server.client.get("/openapi.json").json()
    assert CHECKED_IN.exists(), f"docs/openapi.json is missing; run: {REGENERATE}"
    assert served == json.loads(CHECKED_IN.read_text(encoding="utf-8")), f"the API changed; run: {REGENERATE}"
    assert render() == CHECKED_IN.read_text(encoding="utf-8"), f"run: {REGENERATE}"


EXAMPLES_PER_OPERATION = 40


class FuzzAuth:
    """An API key for the fuzzing user, made again whenever a fuzzed DELETE /api/keys/{id} revoked it."""

    def __init__(self, client: TestClient, services) -> None:
        self.client, self.services = client, services
        self.key = ""

    def headers(self) -> dict[str, str]:
        accounts = self.services.accounts
        if not self.key or self.client.portal.call(accounts.key_owner, token_hash(self.key)) is None:
            self.key = new_token(KEY_PREFIX)  # an API key: a fuzzed /api/logout cannot end it
            self.client.portal.call(accounts.add_key, 1, token_hash(self.key), self.key[:11], "fuzz",
                                    self.services.deps.clock())
        return {"Authorization": f"Bearer {self.key}"}


def test_no_request_gets_a_500_or_breaks_the_schema(tmp_path):
    app, services, _, _, _ = build_server(tmp_path, CHEAP)
    with TestClient(app) as client:
        chat(client, signup(client, "fuzz"), "hello there")  # a conversation, turns and memories to find
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 20
        auth = FuzzAuth(client, services)
        for operation in operations:
            _fuzz(operation, auth)


# Rules a JSON schema cannot say, answered 422: the setup answer "what should I call you?" is read as the
# interview reads it ("um, hi" holds no name), a chat completion needs a user message with text among its
# messages, and a setting must be within the bounds GET /api/settings gives (a real IANA time zone, a backend the
# operator offers, a number in its range). Everything else the schema allows must be accepted.
SEMANTIC_422 = {"POST /api/setup", "POST /v1/chat/completions", "PATCH /api/settings"}


def _fuzz(operation, auth: FuzzAuth) -> None:
    excluded = [positive_data_acceptance] if operation.label in SEMANTIC_422 else []

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    def check(case) -> None:
        response = case.call(headers=auth.headers())
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} " \
                                           f"{response.text}"
        case.validate_response(response, excluded_checks=excluded)

    check()
