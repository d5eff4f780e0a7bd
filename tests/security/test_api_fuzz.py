"""schemathesis against /api/schema/, in-process through the WSGI app: every operation,
signed in as a contributor and as a moderator (token auth). Each generated request must
not answer 5xx and its response must conform to the schema. Reproducible in CI:
hypothesis runs derandomized, without a deadline or an example database."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from apps.accounts.services import api_token_regenerate
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

EXAMPLES_PER_OPERATION = 20
MINIMUM_REQUESTS_PER_ROLE = 500  # two roles: at least 1,000 requests in every run
CHECKS = [not_a_server_error, response_schema_conformance]
# Endpoints answering files (CSV, GeoJSON, JSON-LD) are checked for 5xx only: their
# bodies are not JSON documents described by the schema.
FILE_RESPONSES = (".csv", ".geojson", ".jsonld")


@pytest.fixture
def _keep_test_connection(db):
    """Requests here go straight to the WSGI handler, not through Django's test client,
    so its request signals would close the test's connection (mid-transaction) after
    each request. Detached for the test, as the test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(_keep_test_connection):
    from project.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def fuzz_world(db, founding_paper):
    """Something for the generated ids to hit sometimes: a paper, an entry, a flag."""
    from tests.factories import SourceFactory

    SourceFactory()
    return founding_paper


def _describe(exc: BaseException) -> str:
    """The failing checks' messages (hypothesis groups them in an ExceptionGroup)."""
    leaves = [exc]
    while any(isinstance(leaf, BaseExceptionGroup) for leaf in leaves):
        leaves = [
            inner
            for leaf in leaves
            for inner in (leaf.exceptions if isinstance(leaf, BaseExceptionGroup) else [leaf])
        ]
    return "\n".join(str(leaf)[:3000] for leaf in leaves)


SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


def _fuzz_operation(operation, headers: dict[str, str]) -> int:
    """Run one operation's generated cases; returns how many requests were sent."""
    checks = [not_a_server_error] if operation.path.endswith(FILE_RESPONSES) else CHECKS
    sent = 0

    @SETTINGS
    @given(case=operation.as_strategy())
    def run(case):
        nonlocal sent
        sent += 1
        case.call_and_validate(headers=headers, checks=checks)

    run()
    return sent


def _fuzz(api_schema, headers: dict[str, str]) -> int:
    requests = 0
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            requests += _fuzz_operation(operation, headers)
        except BaseException as exc:  # noqa: BLE001 - FailureGroup is a BaseExceptionGroup
            failures.append(f"{operation.method.upper()} {operation.path}: {_describe(exc)}")
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
    print(f"schemathesis sent {requests} requests")  # noqa: T201 - shown with -s, for docs
    return requests


@pytest.mark.django_db
def test_api_fuzz_as_contributor(api_schema, fuzz_world):
    token = api_token_regenerate(user=UserFactory())
    requests = _fuzz(api_schema, {"Authorization": f"Token {token.key}"})
    assert requests >= MINIMUM_REQUESTS_PER_ROLE


@pytest.mark.django_db
def test_api_fuzz_as_moderator(api_schema, fuzz_world):
    token = api_token_regenerate(user=make_moderator())
    requests = _fuzz(api_schema, {"Authorization": f"Token {token.key}"})
    assert requests >= MINIMUM_REQUESTS_PER_ROLE
