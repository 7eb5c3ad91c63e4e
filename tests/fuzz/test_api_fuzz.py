"""API fuzzing with schemathesis against the OpenAPI document of a live test server.

Every operation gets generated valid and invalid requests (path ids, query strings, bodies) from
an authenticated token user. Checks: no 5xx and every response matches its documented schema.
Afterwards the database must pass `check-integrity`.

The normal suite runs a bounded pass (OPENLTC_FUZZ_EXAMPLES per operation and mode, default 4, and 1 past a 60 s budget);
`OPENLTC_FUZZ_DEEP=1 pytest -m fuzz_deep tests/fuzz` runs 25 per operation and mode, as two
users.
"""

from __future__ import annotations

import json
import os
import time

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402

from openltc.core import integrity  # noqa: E402

CHECKS = [not_a_server_error, response_schema_conformance]


def fuzz(base_url: str, secret: str, *, examples: int, budget_seconds: float) -> dict:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", timeout=120)
    headers = {"Authorization": f"Bearer {secret}"}
    failures: list[str] = []
    stats = {"operations": 0, "examples": 0, "failures": failures, "past_budget": 0}
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        count = examples
        if time.monotonic() - started > budget_seconds:
            # Past the budget every remaining operation still gets one valid and one invalid call.
            stats["past_budget"] += 1
            count = 1
        stats["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run, seen = _runner(operation, mode, base_url, headers, count, stats)
            try:
                run()
            except Exception:  # noqa: BLE001 — reported through `seen`
                if not seen:
                    raise
                failures.append(seen[-1])
    return stats


def _runner(operation, mode, base_url, headers, examples, stats):
    seen: list[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        stats["examples"] += 1
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # collect every failing operation, not just the first
            text = str(exc).strip()
            seen.append(f"{operation.label} [{mode.value}]: {text[:600]}")
            raise

    return run, seen


def _token(user) -> str:
    from openltc.org.services import api_token_create

    _token, secret = api_token_create(user=user, name="fuzz")
    return secret


@pytest.mark.django_db(transaction=True)
def test_api_fuzz_bounded_no_5xx_responses_match_schema_and_integrity_holds(live_server, manager, rep):
    examples = int(os.environ.get("OPENLTC_FUZZ_EXAMPLES", "4"))
    stats = fuzz(live_server.url, _token(manager), examples=examples, budget_seconds=60)

    _record("api_fuzz_bounded", stats)
    assert stats["failures"] == [], "\n".join(stats["failures"])
    assert stats["operations"] > 0
    assert [str(v) for v in integrity.run_checks()] == []


@pytest.mark.fuzz_deep
@pytest.mark.django_db(transaction=True)
def test_api_fuzz_deep(live_server, manager, other_rep):
    from django.core.management import call_command

    call_command("demo", "--quiet-logins")
    total = {"operations": 0, "examples": 0, "failures": []}
    for user in (manager, other_rep):
        stats = fuzz(live_server.url, _token(user), examples=25, budget_seconds=900)
        total["operations"] += stats["operations"]
        total["examples"] += stats["examples"]
        total["failures"] += stats["failures"]
    _record("api_fuzz_deep", total)
    assert total["failures"] == [], "\n".join(total["failures"])
    assert [str(v) for v in integrity.run_checks()] == []


def _record(name: str, stats: dict) -> None:
    target = os.environ.get("OPENLTC_RELIABILITY_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"figure": name, **stats}, default=str) + "\n")
