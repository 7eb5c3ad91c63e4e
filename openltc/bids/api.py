"""Bid and negotiation endpoints: the same selectors and services as the pages, the same rules
and errors. Every page action has its endpoint here."""

import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from openltc.api.errors import ERROR_RESPONSES
from openltc.api.pagination import PageNumber
from openltc.bids import selectors, services, workflow
from openltc.bids.models import Bid, BidChecklistItem, BidQuestion, Negotiation, RecoveryAction
from openltc.core.errors import DomainError, NotFound
from openltc.core.selectors import get_for_user

PREFIX = "/bids"
router = Router(tags=["Bids"])


# --- schemas ------------------------------------------------------------------------------------


class BidItemOut(Schema):
    id: UUID
    title: str
    category: str
    prevents_disqualification: bool
    owner_id: int | None
    due_date: datetime.date | None
    status: str
    note: str
    completed_at: datetime.datetime | None


class QuestionOut(Schema):
    id: UUID
    question: str
    asked_by: str
    asked_at: datetime.datetime
    answer: str
    answered_at: datetime.datetime | None


class BidCompetitorOut(Schema):
    id: UUID
    competitor: str
    price: Decimal | None
    currency: str
    rank: int | None
    is_winner: bool


class RecoveryOut(Schema):
    id: UUID
    action: str
    owner_id: int
    due_date: datetime.date | None
    status: str
    outcome: str


class PostBidReviewOut(Schema):
    reasons: str
    lessons: str
    recorded_by_id: int
    updated_at: datetime.datetime


class BidActionOut(Schema):
    code: str
    label: str
    allowed: bool
    reasons: list[str]


class BidOut(Schema):
    id: UUID
    number: str
    opportunity_id: UUID
    title: str
    tender_number: str
    issuer: str
    questions_deadline: datetime.datetime | None
    submission_deadline: datetime.datetime | None
    opening_at: datetime.datetime | None
    qualification_requirements: str
    evaluation_method: str
    bid_price: Decimal | None
    currency: str
    bond_amount: Decimal | None
    bond_currency: str
    bond_status: str
    owner_id: int
    status: str
    status_label: str
    submitted_at: datetime.datetime | None
    opened_at: datetime.datetime | None
    result: str
    result_at: datetime.datetime | None
    our_rank: int | None
    result_note: str
    cancel_reason: str
    lock_version: int

    @staticmethod
    def resolve_status_label(obj: Bid) -> str:
        return str(obj.get_status_display())


class BidDetailOut(BidOut):
    items: list[BidItemOut]
    questions: list[QuestionOut]
    competitor_prices: list[BidCompetitorOut]
    recovery_actions: list[RecoveryOut]
    review: PostBidReviewOut | None
    atb_approved: bool
    actions: list[BidActionOut]

    @staticmethod
    def resolve_items(obj: Bid) -> list[Any]:
        return list(obj.items.all())

    @staticmethod
    def resolve_questions(obj: Bid) -> list[Any]:
        return list(obj.questions.all())

    @staticmethod
    def resolve_competitor_prices(obj: Bid) -> list[Any]:
        return list(obj.competitor_prices.all())

    @staticmethod
    def resolve_recovery_actions(obj: Bid) -> list[Any]:
        return list(obj.recovery_actions.all())

    @staticmethod
    def resolve_review(obj: Bid) -> Any:
        from openltc.bids.models import PostBidReview

        return PostBidReview.objects.filter(bid=obj).first()

    @staticmethod
    def resolve_atb_approved(obj: Bid) -> bool:
        return selectors.atb_approved(obj.opportunity)

    @staticmethod
    def resolve_actions(obj: Bid) -> list[dict[str, Any]]:
        facts = selectors.bid_facts(obj)
        return [
            {"code": a.code, "label": str(a.label), "allowed": a.allowed, "reasons": list(a.reasons)}
            for a in workflow.available_actions(obj, facts)
        ]


class BidFilters(Schema):
    q: str | None = Field(None, description="Number, title, tender number, issuer or customer contains")
    status: str | None = Field(None, description="A status code, or 'open'")
    result: str | None = None
    owner: str | None = Field(None, description="'me' or a user id")
    opportunity: UUID | None = None
    deadline_before: datetime.date | None = None


class BidFieldsIn(Schema):
    title: str | None = Field(None, max_length=200)
    tender_number: str | None = Field(None, max_length=100)
    issuer: str | None = Field(None, max_length=200)
    questions_deadline: datetime.datetime | None = None
    submission_deadline: datetime.datetime | None = None
    opening_at: datetime.datetime | None = None
    qualification_requirements: str | None = Field(None, max_length=10000)
    evaluation_method: str | None = None
    bid_price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    bond_amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    bond_currency: str | None = Field(None, min_length=3, max_length=3)
    bond_status: str | None = None


class BidCreateIn(BidFieldsIn):
    opportunity_id: UUID
    owner_id: int | None = Field(None, description="The bid manager; defaults to the caller")


class BidUpdateIn(BidFieldsIn):
    lock_version: int | None = Field(None, description="The version you read; a stale version gives 409")


class TransitionIn(Schema):
    lock_version: int | None = None
    reason: str = Field("", max_length=2000)
    our_rank: int | None = Field(None, ge=1, le=999)
    note: str = Field("", max_length=2000)


class BidItemIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    category: str = "other"
    prevents_disqualification: bool = False
    owner_id: int | None = None
    due_date: datetime.date | None = None
    note: str = Field("", max_length=500)


class BidItemUpdateIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    category: str | None = None
    prevents_disqualification: bool | None = None
    owner_id: int | None = None
    due_date: datetime.date | None = None
    status: str | None = None
    note: str | None = Field(None, max_length=500)


class QuestionIn(Schema):
    question: str = Field(..., min_length=1, max_length=5000)
    asked_by: str = Field(..., min_length=1, max_length=200)
    asked_at: datetime.datetime | None = None


class BidAnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=5000)
    answered_at: datetime.datetime | None = None


class CompetitorIn(Schema):
    competitor: str = Field(..., min_length=1, max_length=200)
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    rank: int | None = Field(None, ge=1, le=999)
    is_winner: bool = False


class RecoveryIn(Schema):
    action: str = Field(..., min_length=1, max_length=300)
    owner_id: int
    due_date: datetime.date | None = None


class RecoveryUpdateIn(Schema):
    status: str
    outcome: str = Field("", max_length=500)


class PostBidReviewIn(Schema):
    reasons: str = Field(..., min_length=1, max_length=10000)
    lessons: str = Field(..., min_length=1, max_length=10000)


class NegotiationMemberOut(Schema):
    id: UUID
    user_id: int
    role: str


class ConcessionOut(Schema):
    id: UUID
    given: str
    received: str
    value: Decimal | None
    currency: str
    recorded_by_id: int
    created_at: datetime.datetime


class TermChangeOut(Schema):
    id: UUID
    old_amount: Decimal
    new_amount: Decimal
    currency: str
    old_payment_terms: str
    new_payment_terms: str
    old_payment_risk: str
    new_payment_risk: str
    reason: str
    gate: str
    approved_level: int | None
    routed_level: int | None
    needs_new_decision: bool
    created_at: datetime.datetime


class RoutingOut(Schema):
    gate: str | None
    approved_level: int | None
    routed_level: int | None
    needs_new_decision: bool
    note: str


class NegotiationOut(Schema):
    opportunity_id: UUID
    amount: Decimal
    currency: str
    payment_terms: str
    payment_risk: str
    margin_pct: Decimal | None
    members: list[NegotiationMemberOut]
    concessions: list[ConcessionOut]
    term_changes: list[TermChangeOut]
    routing: RoutingOut
    agreed_on: datetime.date | None
    agreement_note: str


class NegotiationMemberIn(Schema):
    user_id: int
    role: Literal["lead", "technical", "commercial", "legal", "finance"]


class ConcessionIn(Schema):
    given: str = Field(..., min_length=1, max_length=500)
    received: str = Field(..., min_length=1, max_length=500)
    value: Decimal | None = Field(None, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)


class TermsIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)
    new_amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    payment_terms: str | None = Field(None, max_length=5000)
    payment_risk: Literal["low", "medium", "high"] | None = None
    margin_pct: Decimal | None = Field(None, ge=-100, le=100, max_digits=5, decimal_places=2)
    lock_version: int | None = Field(None, description="The opportunity's version you read")


class RatesOut(Schema):
    start: datetime.date | None
    end: datetime.date | None
    total: int
    awarded: int
    lost: int
    disqualified: int
    win_rate: Decimal | None
    disqualification_rate: Decimal | None


class RatesFilters(Schema):
    start: datetime.date | None = None
    end: datetime.date | None = None


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _user(user_id: int | None, field: str) -> Any:
    from openltc.org.models import User

    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise _invalid(field, _("Choose an active person."))
    return found


def _bid(request: HttpRequest, bid_id: UUID, action: str = "view") -> Bid:
    return selectors.bid_get(user=request.user, pk=bid_id, action=action)


def _opportunity(request: HttpRequest, opportunity_id: UUID) -> Any:
    from openltc.opportunities.models import Opportunity

    return get_for_user(Opportunity.objects.all(), user=request.user, pk=opportunity_id)


def _child(model: Any, bid: Bid, pk: UUID) -> Any:
    found = model.objects.filter(bid=bid, pk=pk).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found


def _negotiation_out(opportunity: Any) -> dict[str, Any]:
    negotiation: Negotiation | None = selectors.negotiation_for(opportunity)
    check = services.routing_check(opportunity, negotiation)
    return {
        "opportunity_id": opportunity.pk,
        "amount": opportunity.amount,
        "currency": opportunity.currency,
        "payment_terms": negotiation.payment_terms if negotiation else "",
        "payment_risk": negotiation.payment_risk if negotiation else "",
        "margin_pct": negotiation.margin_pct if negotiation else None,
        "members": list(negotiation.members.all()) if negotiation else [],
        "concessions": list(negotiation.concessions.all()) if negotiation else [],
        "term_changes": list(negotiation.term_changes.all()) if negotiation else [],
        "routing": check.__dict__,
        "agreed_on": negotiation.agreed_on if negotiation else None,
        "agreement_note": negotiation.agreement_note if negotiation else "",
    }


# --- analytics and negotiation (before /{bid_id}) -----------------------------------------------


@router.get(
    "/rates", response={200: RatesOut, **ERROR_RESPONSES}, summary="Bid win and disqualification rates"
)
def bid_rates(request: HttpRequest, filters: Query[RatesFilters]) -> Any:
    rates = selectors.bid_rates(user=request.user, start=filters.start, end=filters.end)
    return {
        "start": filters.start,
        "end": filters.end,
        "total": rates.total,
        "awarded": rates.awarded,
        "lost": rates.lost,
        "disqualified": rates.disqualified,
        "win_rate": rates.win_rate,
        "disqualification_rate": rates.disqualification_rate,
    }


@router.get(
    "/negotiations/{opportunity_id}",
    response={200: NegotiationOut, **ERROR_RESPONSES},
    summary="The negotiation of an opportunity",
)
def negotiation_get(request: HttpRequest, opportunity_id: UUID) -> Any:
    return _negotiation_out(_opportunity(request, opportunity_id))


@router.post(
    "/negotiations/{opportunity_id}/team",
    response={201: NegotiationMemberOut, **ERROR_RESPONSES},
    summary="Add a negotiator",
)
def negotiation_member_add(request: HttpRequest, opportunity_id: UUID, payload: NegotiationMemberIn) -> Any:
    opportunity = _opportunity(request, opportunity_id)
    member = services.negotiation_member_add(
        actor=request.user, opportunity=opportunity, user=_user(payload.user_id, "user_id"), role=payload.role
    )
    return Status(201, member)


@router.delete(
    "/negotiations/{opportunity_id}/team/{negotiator_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Remove a negotiator",
)
def negotiation_member_remove(request: HttpRequest, opportunity_id: UUID, negotiator_id: UUID) -> Any:
    opportunity = _opportunity(request, opportunity_id)
    services.negotiation_member_remove(actor=request.user, opportunity=opportunity, member_id=negotiator_id)
    return Status(204, None)


@router.post(
    "/negotiations/{opportunity_id}/concessions",
    response={201: ConcessionOut, **ERROR_RESPONSES},
    summary="Log a concession",
)
def concession_add(request: HttpRequest, opportunity_id: UUID, payload: ConcessionIn) -> Any:
    opportunity = _opportunity(request, opportunity_id)
    return Status(
        201,
        services.concession_add(
            actor=request.user,
            opportunity=opportunity,
            given=payload.given,
            received=payload.received,
            value=payload.value,
            currency=payload.currency or "",
        ),
    )


@router.post(
    "/negotiations/{opportunity_id}/terms",
    response={201: TermChangeOut, **ERROR_RESPONSES},
    summary="Change the price or payment terms (updates the opportunity; flags a new decision)",
)
def terms_change(request: HttpRequest, opportunity_id: UUID, payload: TermsIn) -> Any:
    opportunity = _opportunity(request, opportunity_id)
    return Status(
        201,
        services.terms_change(
            actor=request.user,
            opportunity=opportunity,
            reason=payload.reason,
            new_amount=payload.new_amount,
            payment_terms=payload.payment_terms,
            payment_risk=payload.payment_risk,
            margin_pct=payload.margin_pct,
            expected_version=payload.lock_version,
        ),
    )


class AgreementIn(Schema):
    agreed_on: datetime.date
    note: str = Field("", max_length=5000)


@router.post(
    "/negotiations/{opportunity_id}/agreement",
    response={200: NegotiationOut, **ERROR_RESPONSES},
    summary="Record the customer's agreement (date and what was agreed)",
)
def agreement_record(request: HttpRequest, opportunity_id: UUID, payload: AgreementIn) -> Any:
    opportunity = _opportunity(request, opportunity_id)
    services.negotiation_record_agreement(
        actor=request.user, opportunity=opportunity, agreed_on=payload.agreed_on, note=payload.note
    )
    return _negotiation_out(_opportunity(request, opportunity_id))


# --- bids ---------------------------------------------------------------------------------------


@router.get("", response={200: list[BidOut], **ERROR_RESPONSES}, summary="List bids")
@paginate(PageNumber)
def bid_list(request: HttpRequest, filters: Query[BidFilters]) -> Any:
    return selectors.bid_list(user=request.user, filters=filters.dict(exclude_none=True))


@router.post("", response={201: BidDetailOut, **ERROR_RESPONSES}, summary="Start a bid on an opportunity")
def bid_create(request: HttpRequest, payload: BidCreateIn) -> Any:
    data = payload.dict(exclude_none=True, exclude={"opportunity_id", "owner_id"})
    opportunity = _opportunity(request, payload.opportunity_id)
    bid = services.bid_create(
        actor=request.user, opportunity=opportunity, data=data, owner=_user(payload.owner_id, "owner_id")
    )
    return Status(201, _bid(request, bid.pk))


@router.get("/{bid_id}", response={200: BidDetailOut, **ERROR_RESPONSES}, summary="One bid")
def bid_get(request: HttpRequest, bid_id: UUID) -> Any:
    return _bid(request, bid_id)


@router.patch(
    "/{bid_id}", response={200: BidDetailOut, **ERROR_RESPONSES}, summary="Edit the tender information"
)
def bid_update(request: HttpRequest, bid_id: UUID, payload: BidUpdateIn) -> Any:
    bid = _bid(request, bid_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("lock_version", None)
    services.bid_update(actor=request.user, bid=bid, data=data, expected_version=version)
    return _bid(request, bid_id)


def _transition_endpoint(code: str, summary: str) -> None:
    def endpoint(request: HttpRequest, bid_id: UUID, payload: TransitionIn) -> Any:
        bid = _bid(request, bid_id)
        services.bid_transition(
            actor=request.user,
            bid=bid,
            code=code,
            reason=payload.reason,
            our_rank=payload.our_rank,
            note=payload.note,
            expected_version=payload.lock_version,
        )
        return _bid(request, bid_id)

    endpoint.__name__ = f"bid_{code}"
    router.post(
        f"/{{bid_id}}/{code.replace('_', '-')}",
        response={200: BidDetailOut, **ERROR_RESPONSES},
        summary=summary,
        operation_id=f"bids_bid_{code}",
    )(endpoint)


for _code, _summary in (
    ("submit_for_review", "Send the bid to bid review"),
    ("return", "Return the bid for rework"),
    ("submit", "Submit the bid (needs ATB and no open disqualification items)"),
    ("open", "Record the bid opening"),
    ("award", "Record the result: awarded"),
    ("lose", "Record the result: lost"),
    ("disqualify", "Record the result: disqualified (reason required)"),
    ("close", "Close the bid (needs the post-bid review)"),
    ("cancel", "Cancel the bid (reason required)"),
):
    _transition_endpoint(_code, _summary)


@router.post(
    "/{bid_id}/checklist", response={201: BidItemOut, **ERROR_RESPONSES}, summary="Add a checklist item"
)
def checklist_item_add(request: HttpRequest, bid_id: UUID, payload: BidItemIn) -> Any:
    bid = _bid(request, bid_id)
    data = payload.dict(exclude={"owner_id"})
    data["owner"] = _user(payload.owner_id, "owner_id")
    return Status(201, services.checklist_item_add(actor=request.user, bid=bid, data=data))


@router.patch(
    "/{bid_id}/checklist/{item_id}",
    response={200: BidItemOut, **ERROR_RESPONSES},
    summary="Update a checklist item",
)
def checklist_item_update(request: HttpRequest, bid_id: UUID, item_id: UUID, payload: BidItemUpdateIn) -> Any:
    bid = _bid(request, bid_id)
    item = _child(BidChecklistItem, bid, item_id)
    data = payload.dict(exclude_unset=True)
    if "owner_id" in data:
        data["owner"] = _user(data.pop("owner_id"), "owner_id")
    if data.get("status") is not None and data["status"] not in ("open", "done", "not_applicable"):
        raise _invalid("status", _("Choose a valid status."))
    data = {k: v for k, v in data.items() if v is not None or k in ("owner", "due_date")}
    return services.checklist_item_update(actor=request.user, item=item, data=data)


@router.post(
    "/{bid_id}/questions",
    response={201: QuestionOut, **ERROR_RESPONSES},
    summary="Log a clarification question",
)
def question_add(request: HttpRequest, bid_id: UUID, payload: QuestionIn) -> Any:
    bid = _bid(request, bid_id)
    return Status(201, services.question_add(actor=request.user, bid=bid, **payload.dict()))


@router.post(
    "/{bid_id}/questions/{question_id}/answer",
    response={200: QuestionOut, **ERROR_RESPONSES},
    summary="Record the answer to a clarification",
)
def question_answer(request: HttpRequest, bid_id: UUID, question_id: UUID, payload: BidAnswerIn) -> Any:
    bid = _bid(request, bid_id)
    question = _child(BidQuestion, bid, question_id)
    return services.question_answer(actor=request.user, question=question, **payload.dict())


@router.post(
    "/{bid_id}/competitor-prices",
    response={201: BidCompetitorOut, **ERROR_RESPONSES},
    summary="Record a competitor's price at the opening",
)
def competitor_price_add(request: HttpRequest, bid_id: UUID, payload: CompetitorIn) -> Any:
    bid = _bid(request, bid_id)
    return Status(201, services.competitor_price_add(actor=request.user, bid=bid, data=payload.dict()))


@router.post(
    "/{bid_id}/recovery-actions",
    response={201: RecoveryOut, **ERROR_RESPONSES},
    summary="Add a lost-bid recovery action",
)
def recovery_action_add(request: HttpRequest, bid_id: UUID, payload: RecoveryIn) -> Any:
    bid = _bid(request, bid_id)
    return Status(
        201,
        services.recovery_action_add(
            actor=request.user,
            bid=bid,
            action=payload.action,
            owner=_user(payload.owner_id, "owner_id"),
            due_date=payload.due_date,
        ),
    )


@router.patch(
    "/{bid_id}/recovery-actions/{action_id}",
    response={200: RecoveryOut, **ERROR_RESPONSES},
    summary="Update a recovery action",
)
def recovery_action_update(
    request: HttpRequest, bid_id: UUID, action_id: UUID, payload: RecoveryUpdateIn
) -> Any:
    bid = _bid(request, bid_id)
    action = _child(RecoveryAction, bid, action_id)
    return services.recovery_action_update(
        actor=request.user, action=action, status=payload.status, outcome=payload.outcome
    )


@router.put(
    "/{bid_id}/post-bid-review",
    response={200: PostBidReviewOut, **ERROR_RESPONSES},
    summary="Record the post-bid review (标后总结)",
)
def post_bid_review(request: HttpRequest, bid_id: UUID, payload: PostBidReviewIn) -> Any:
    bid = _bid(request, bid_id)
    return services.post_bid_review_record(
        actor=request.user, bid=bid, reasons=payload.reasons, lessons=payload.lessons
    )
