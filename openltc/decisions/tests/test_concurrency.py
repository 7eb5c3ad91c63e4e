"""Two deciders acting at the same moment: one decision, a conflict for the other.

The threaded test needs real row locks, so it runs only on PostgreSQL (DATABASE_URL); on SQLite
the service test in test_services.py shows the same rule with serialised calls.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection

from conftest import make_user
from openltc.core.errors import Conflict
from openltc.decisions import services
from openltc.decisions.models import Decision, DecisionCase, DelegationRule
from openltc.decisions.tests.factories import make_subject, submitted_case
from openltc.org.roles import DecisionLevel, Role

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL row locks (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_two_deciders_at_once_make_one_decision(rep: Any, manager: Any, org: Any) -> None:
    assert connection.vendor == "postgresql"
    # A transactional test flushes the migration's default matrix; state the rule this test needs.
    DelegationRule.objects.create(gate="ATI", level=DecisionLevel.OFFICE, order=1, note="office decides")
    other = make_user("sdt2", (Role.SDT_MEMBER, org.sh, DecisionLevel.OFFICE), home=org.sh)
    case = submitted_case(rep, make_subject(rep))
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def decide(user: Any, outcome: str) -> None:
        from django.db import connections

        try:
            stale = DecisionCase.objects.get(pk=case.pk)
            barrier.wait(timeout=10)
            services.decision_record(actor=user, case=stale, outcome=outcome, rationale=f"{user} decides")
            results[user.username] = "ok"
        except Conflict as exc:
            results[user.username] = exc.message
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            results[user.username] = repr(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(manager, "approved")),
        threading.Thread(target=decide, args=(other, "rejected")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert Decision.objects.filter(case=case).count() == 1, results
    winner = Decision.objects.get(case=case).decided_by.username
    loser = "sdt2" if winner == "manager" else "manager"
    assert results[winner] == "ok"
    assert results[loser] == f"This case was already decided by {winner}."
