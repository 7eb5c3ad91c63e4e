"""The process's copy of the active scoring rules (``leads.scoring.active_rules``): used only
outside a transaction, dropped when a rule changes here, expired after the configured seconds for
changes made elsewhere (another worker process, ``QuerySet.update``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from openltc.leads import scoring
from openltc.leads.models import LeadScoringRule

BASE = "/api/v1/leads"
BODY = {"title": "Scoring cache", "source": "exhibition", "company_name": "Acme", "currency": "CNY"}


def _capture(client: Any) -> tuple[dict[str, Any], list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(BASE, json.dumps(BODY), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json(), [q["sql"] for q in ctx.captured_queries]


def _rule_reads(queries: list[str]) -> int:
    return sum("leads_leadscoringrule" in q for q in queries)


@pytest.fixture
def cache_seconds(settings: Any) -> Any:
    scoring.forget_rules()
    settings.OPENLTC_SCORING_RULES_CACHE_SECONDS = 5
    yield settings
    scoring.forget_rules()


@pytest.mark.django_db(transaction=True)
def test_copy_used_outside_a_transaction(api_client_for: Any, rep: Any, cache_seconds: Any) -> None:
    client = api_client_for(rep)
    _first, queries = _capture(client)
    assert _rule_reads(queries) == 1
    _second, queries = _capture(client)
    assert _rule_reads(queries) == 0


@pytest.mark.django_db(transaction=True)
def test_rule_saved_here_counts_at_once(api_client_for: Any, rep: Any, cache_seconds: Any) -> None:
    # given a filled copy
    client = api_client_for(rep)
    before, _ = _capture(client)
    # when a rule is added, then changed, then deleted in this process
    rule = LeadScoringRule.objects.create(factor="source", value="exhibition", points=7, order=99)
    added, _ = _capture(client)
    rule.points = 9
    rule.save()
    changed, _ = _capture(client)
    rule.delete()
    deleted, _ = _capture(client)
    # then each next capture scores by the rules as they are
    assert added["score"] == before["score"] + 7
    assert changed["score"] == before["score"] + 9
    assert deleted["score"] == before["score"]


@pytest.mark.django_db(transaction=True)
def test_change_elsewhere_counts_when_the_copy_expires(
    api_client_for: Any, rep: Any, cache_seconds: Any, monkeypatch: Any
) -> None:
    # given a filled copy and a rule changed without this process knowing (no model signal, as
    # another worker process's save would be)
    client = api_client_for(rep)
    before, _ = _capture(client)
    rule = LeadScoringRule.objects.create(factor="source", value="exhibition", points=7, order=99)
    _capture(client)  # the copy now has points=7
    LeadScoringRule.objects.filter(pk=rule.pk).update(points=5)
    now = scoring.time.monotonic()
    # when fewer than the configured seconds have passed, the copy is used
    monkeypatch.setattr(scoring.time, "monotonic", lambda: now + 4)
    stale, _ = _capture(client)
    assert stale["score"] == before["score"] + 7
    # and once they have passed, the rules are read again
    monkeypatch.setattr(scoring.time, "monotonic", lambda: now + 6)
    fresh, queries = _capture(client)
    assert fresh["score"] == before["score"] + 5
    assert _rule_reads(queries) == 1


@pytest.mark.django_db(transaction=True)
def test_zero_seconds_reads_every_time(api_client_for: Any, rep: Any, cache_seconds: Any) -> None:
    cache_seconds.OPENLTC_SCORING_RULES_CACHE_SECONDS = 0
    client = api_client_for(rep)
    _capture(client)
    _second, queries = _capture(client)
    assert _rule_reads(queries) == 1


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_rules_are_read(cache_seconds: Any) -> None:
    # given a filled copy
    scoring.active_rules()
    with CaptureQueriesContext(connection) as ctx:
        scoring.active_rules()
    assert _rule_reads([q["sql"] for q in ctx.captured_queries]) == 0
    # when the rules change inside a transaction without a signal
    with transaction.atomic():
        LeadScoringRule.objects.update(is_active=False)
        # then that transaction reads them (and keeps nothing)
        assert scoring.active_rules() == ()
        LeadScoringRule.objects.update(is_active=True)
    assert scoring.active_rules()


@pytest.mark.django_db(transaction=True)
def test_rolled_back_rule_leaves_no_trace(api_client_for: Any, rep: Any, cache_seconds: Any) -> None:
    client = api_client_for(rep)
    before, _ = _capture(client)
    with transaction.atomic():
        LeadScoringRule.objects.create(factor="source", value="exhibition", points=7, order=99)
        assert any(r.points == 7 and r.order == 99 for r in scoring.active_rules())
        transaction.set_rollback(True)
    after, _ = _capture(client)
    assert after["score"] == before["score"]
