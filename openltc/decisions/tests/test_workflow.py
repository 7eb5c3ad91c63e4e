"""The case lifecycle and separation-of-duties guards are pure: tested without the database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openltc.core.errors import TransitionRefused
from openltc.decisions import workflow
from openltc.decisions.choices import CaseStatus
from openltc.decisions.models import DecisionCase
from openltc.decisions.workflow import Facts

SUBMITTER, DECIDER, REVIEWER, PRINCIPAL = 1, 2, 3, 4


def case(
    status: str = CaseStatus.AWAITING_DECISION, routed_level: int = 1, outcome: str = ""
) -> DecisionCase:
    return DecisionCase(status=status, routed_level=routed_level, submitted_by_id=SUBMITTER, outcome=outcome)


def decider_facts(**overrides: object) -> Facts:
    values: dict[str, object] = {"actor_id": DECIDER, "principal_id": DECIDER, "principal_level": 1}
    values.update(overrides)
    return Facts(**values)  # type: ignore[arg-type]


def test_a_member_at_the_routed_level_may_decide() -> None:
    assert workflow.blocking_reasons(case(), "decide", decider_facts()) == []


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (
            decider_facts(actor_id=SUBMITTER, principal_id=SUBMITTER),
            "The submitter of a case cannot decide it.",
        ),
        (
            decider_facts(reviewer_ids=frozenset({DECIDER})),
            "You gave a review opinion on this case, so you cannot decide it.",
        ),
        (
            decider_facts(principal_id=PRINCIPAL, acting_for_other=True, deputy_valid=False),
            "You may record a decision only for yourself, or for someone who appointed you as deputy for today.",
        ),
        (
            decider_facts(principal_level=None),
            "Only members of a decision body at the Office SDT (代表处) level or higher may decide this case.",
        ),
        (decider_facts(voter_ids=frozenset({DECIDER})), "This member has already voted on this case."),
        (decider_facts(missing_reviews=("finance",)), "The required review opinions are missing: finance."),
    ],
)
def test_decide_refusals(facts: Facts, reason: str) -> None:
    with pytest.raises(TransitionRefused) as exc:
        workflow.check(case(), "decide", facts)
    assert exc.value.message == reason


def test_a_deputy_for_a_submitter_is_refused_too() -> None:
    facts = decider_facts(principal_id=SUBMITTER, acting_for_other=True, deputy_valid=True)
    assert workflow.blocking_reasons(case(), "decide", facts) == ["The submitter of a case cannot decide it."]


def test_status_guard_names_the_status() -> None:
    reasons = workflow.blocking_reasons(case(status=CaseStatus.DRAFT), "decide", decider_facts())
    assert reasons[0] == "This case is “Draft”; it cannot be decided now."


def test_only_deferred_cases_reopen() -> None:
    assert workflow.blocking_reasons(
        case(status=CaseStatus.DECIDED, outcome="approved"), "reopen", Facts()
    ) == ["Only a deferred case can be reopened."]
    assert (
        workflow.blocking_reasons(case(status=CaseStatus.DECIDED, outcome="deferred"), "reopen", Facts())
        == []
    )


@given(
    is_submitter=st.booleans(),
    is_reviewer=st.booleans(),
    level=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
    routed=st.integers(min_value=1, max_value=3),
    for_other=st.booleans(),
    deputy_valid=st.booleans(),
)
def test_decision_rights_property(
    is_submitter: bool, is_reviewer: bool, level: int | None, routed: int, for_other: bool, deputy_valid: bool
) -> None:
    # A decision is allowed exactly when nobody involved submitted or reviewed the case, the
    # principal's level reaches the routed level, and acting for another is backed by a deputyship.
    principal = PRINCIPAL if for_other else DECIDER
    facts = Facts(
        actor_id=DECIDER,
        principal_id=SUBMITTER if is_submitter else principal,
        acting_for_other=for_other,
        deputy_valid=deputy_valid,
        principal_level=level,
        reviewer_ids=frozenset({DECIDER}) if is_reviewer else frozenset(),
    )
    allowed = not workflow.blocking_reasons(case(routed_level=routed), "decide", facts)
    expected = (
        not is_submitter
        and not is_reviewer
        and level is not None
        and level >= routed
        and (not for_other or deputy_valid)
    )
    assert allowed is expected
