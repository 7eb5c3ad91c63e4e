"""The guidance API operations fuzzed with schemathesis (like tests/fuzz, restricted to
/api/v1/guidance) against an opportunity the caller works on: no 5xx, responses as documented."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def _run(operation, mode, base_url, headers, failures):
    @settings(
        max_examples=4,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except Exception as exc:
            failures.append(f"{operation.label} [{mode.value}]: {str(exc).strip()[:600]}")
            raise

    try:
        run()
    except Exception:  # noqa: BLE001 — collected in failures
        if not failures:
            raise


def test_guidance_api_fuzz_no_5xx(live_server, rep):
    from openltc.guidance.tests.factories import opportunity_in
    from openltc.org.services import api_token_create

    opportunity_in("guiding", rep)
    _token, secret = api_token_create(user=rep, name="fuzz")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json", timeout=120)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/guidance/" not in operation.path:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, live_server.url, {"Authorization": f"Bearer {secret}"}, failures)
    assert operations >= 15
    assert failures == [], "\n".join(failures)
