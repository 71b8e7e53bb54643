"""Schemathesis against the running test server's own ``/openapi.json``: for generated requests
to every operation, valid and invalid, no 5xx, and every response, error or not, is one the
schema declares (status, content type, headers and body).

(The schema is loaded with ``schemathesis.openapi.from_url`` inside the test and each operation
driven by Hypothesis there: ``schemathesis.pytest.from_fixture`` does not run under pytest 9.)
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Examples per operation and mode: the whole run stays within ~40 s on two cores (/ask and
# /search run the real engine).
EXAMPLES = 40


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_5xx_and_every_response_as_declared(server: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    ran: Counter[str] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/ask", "/search", "/articles/{article_id}"}
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Case) -> None:
            ran[f"{mode} {case.method} {case.path}"] += 1
            # Every check but one: the schema cannot say everything a valid question needs
            # (some text besides blanks, published_from before published_to), so a request
            # it allows may still be a 422.
            case.call_and_validate(excluded_checks=[positive_data_acceptance], timeout=30)

        try:
            check()
        except Unsatisfiable:
            # No input to make invalid (no parameters, or only a free-form string).
            assert mode is GenerationMode.NEGATIVE, operation.label
    # The routes that take input got their examples, invalid ones included.
    for label in ("POST /ask", "GET /search"):
        assert ran[f"{mode} {label}"] == EXAMPLES, label
    print(f"\nschemathesis {mode} cases: {sum(ran.values())} {dict(sorted(ran.items()))}")
