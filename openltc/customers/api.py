"""Customers API: the same selectors and services as the pages, so the same rules and refusals.
Writes look the record up for CHANGE, so a caller who may only view it gets the same 404 as
the pages give (never a 403 that confirms the record exists)."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Model
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from openltc.api.errors import ERROR_RESPONSES
from openltc.api.pagination import PageNumber
from openltc.core.errors import DomainError, NotFound
from openltc.core.typing import AuthedHttpRequest
from openltc.core.visibility import CHANGE, VIEW
from openltc.customers import selectors, services
from openltc.customers.models import (
    Contact,
    CreditRating,
    Customer,
    CustomerTier,
    PersonalityType,
    RelationshipStage,
)
from openltc.org.models import Country, OrgUnit, User

PREFIX = "/customers"
router = Router(tags=["Customers"])


# ---------------------------------------------------------------- schemas


class CustomerOut(Schema):
    id: UUID
    name: str
    legal_name: str
    tax_id: str | None
    industry: str
    country_id: int | None
    region: str
    province: str
    city: str
    address: str
    website: str
    phone: str
    email: str
    size: str
    parent_id: UUID | None
    org_unit_id: int
    owner_id: int | None
    lifecycle_status: str
    tier_id: int | None
    is_strategic: bool
    credit_rating_id: int | None
    credit_limit: Decimal | None
    credit_currency: str
    notes: str
    merged_into_id: UUID | None
    lock_version: int
    created_at: datetime
    updated_at: datetime


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    legal_name: str = Field("", max_length=300)
    tax_id: str | None = Field(None, max_length=30)
    industry: str = ""
    country_id: int | None = None
    region: str = Field("", max_length=100)
    province: str = Field("", max_length=100)
    city: str = Field("", max_length=100)
    address: str = Field("", max_length=300)
    website: str = ""
    phone: str = Field("", max_length=40)
    email: str = ""
    size: str = ""
    parent_id: UUID | None = None
    org_unit_id: int | None = Field(None, description="Defaults to your home org unit.")
    owner_id: int | None = Field(None, description="Defaults to you.")
    lifecycle_status: str = "prospect"
    tier_id: int | None = None
    is_strategic: bool = False
    credit_rating_id: int | None = None
    credit_limit: Decimal | None = None
    credit_currency: str = ""
    notes: str = ""


class CustomerPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=300)
    tax_id: str | None = Field(None, max_length=30)
    industry: str | None = None
    country_id: int | None = None
    region: str | None = Field(None, max_length=100)
    province: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=300)
    website: str | None = None
    phone: str | None = Field(None, max_length=40)
    email: str | None = None
    size: str | None = None
    parent_id: UUID | None = None
    org_unit_id: int | None = None
    owner_id: int | None = None
    lifecycle_status: str | None = None
    tier_id: int | None = None
    is_strategic: bool | None = None
    credit_rating_id: int | None = None
    credit_limit: Decimal | None = None
    credit_currency: str | None = None
    notes: str | None = None
    lock_version: int | None = Field(None, description="The version you read; a stale one is refused (409).")


class CustomerFilters(Schema):
    q: str | None = None
    status: str | None = None
    tier: int | None = None
    strategic: bool | None = None
    owner: int | None = None
    country: int | None = None
    org_unit: int | None = None
    sort: str | None = None


class ContactOut(Schema):
    id: UUID
    customer_id: UUID
    name: str
    title: str
    department: str
    phone: str
    email: str
    reports_to_id: UUID | None
    management_level: str
    buying_roles: list[str]
    stance: int
    influence: str
    personality_id: int | None
    relationship_stage_id: int | None
    is_coach: bool
    coach_functions: list[str]
    personal_needs: str
    org_needs: str
    notes: str
    relationship_owner_id: int | None
    is_active: bool
    merged_into_id: UUID | None
    lock_version: int


class ContactIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    title: str = Field("", max_length=120)
    department: str = Field("", max_length=120)
    phone: str = Field("", max_length=40)
    email: str = ""
    reports_to_id: UUID | None = None
    management_level: str = "operation"
    buying_roles: list[str] = []
    stance: int = 0
    influence: str = "medium"
    personality_id: int | None = None
    relationship_stage_id: int | None = None
    is_coach: bool = False
    coach_functions: list[str] = []
    personal_needs: str = ""
    org_needs: str = ""
    notes: str = ""
    relationship_owner_id: int | None = None
    is_active: bool = True


class ContactPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    title: str | None = Field(None, max_length=120)
    department: str | None = Field(None, max_length=120)
    phone: str | None = Field(None, max_length=40)
    email: str | None = None
    reports_to_id: UUID | None = None
    management_level: str | None = None
    buying_roles: list[str] | None = None
    stance: int | None = None
    influence: str | None = None
    personality_id: int | None = None
    relationship_stage_id: int | None = None
    is_coach: bool | None = None
    coach_functions: list[str] | None = None
    personal_needs: str | None = None
    org_needs: str | None = None
    notes: str | None = None
    relationship_owner_id: int | None = None
    is_active: bool | None = None
    lock_version: int | None = None


class RelationshipOut(Schema):
    id: UUID
    customer_id: UUID
    source_id: UUID
    target_id: UUID
    kind: str
    note: str


class RelationshipIn(Schema):
    source_id: UUID
    target_id: UUID
    kind: str
    note: str = Field("", max_length=300)


class DuplicateQuery(Schema):
    name: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    exclude_id: UUID | None = None


class DuplicatesOut(Schema):
    items: list[CustomerOut]
    hidden_count: int = Field(..., description="Matches that exist but are not visible to you.")


class CustomerMergeIn(Schema):
    merge_id: UUID = Field(..., description="The duplicate to merge into the customer in the path.")


class ContactMergeIn(Schema):
    keep_id: UUID
    merge_id: UUID


# ---------------------------------------------------------------- id resolution


def _ref(model: type[Model], pk: Any, field: str) -> Any:
    if pk is None:
        return None
    try:
        return model._default_manager.get(pk=pk)
    except (model.DoesNotExist, ValueError):  # type: ignore[attr-defined]
        message = _("No such record.")
        raise DomainError(message, field_errors={field: [message]}) from None


def _visible_customer(user: Any, pk: Any, field: str) -> Customer | None:
    if pk is None:
        return None
    try:
        return selectors.customer_get(user=user, pk=pk)
    except NotFound:
        message = _("No such record.")
        raise DomainError(message, field_errors={field: [message]}) from None


CUSTOMER_REFS: dict[str, tuple[str, type[Model]]] = {
    "country_id": ("country", Country),
    "org_unit_id": ("org_unit", OrgUnit),
    "owner_id": ("owner", User),
    "tier_id": ("tier", CustomerTier),
    "credit_rating_id": ("credit_rating", CreditRating),
}
CONTACT_REFS: dict[str, tuple[str, type[Model]]] = {
    "personality_id": ("personality", PersonalityType),
    "relationship_stage_id": ("relationship_stage", RelationshipStage),
    "relationship_owner_id": ("relationship_owner", User),
}


def _customer_data(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in raw.items():
        if key in CUSTOMER_REFS:
            name, model = CUSTOMER_REFS[key]
            data[name] = _ref(model, value, name)
        elif key == "parent_id":
            data["parent"] = _visible_customer(user, value, "parent")
        elif value is None and key != "tax_id" and key != "credit_limit":
            continue
        else:
            data[key] = value
    if data.get("org_unit", 0) is None:
        data.pop("org_unit")
    return data


def _contact_data(customer: Customer, raw: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in raw.items():
        if key in CONTACT_REFS:
            name, model = CONTACT_REFS[key]
            data[name] = _ref(model, value, name)
        elif key == "reports_to_id":
            data["reports_to"] = _contact_of(customer, value, "reports_to")
        elif value is None:
            continue
        else:
            data[key] = value
    return data


def _contact_of(customer: Customer, pk: Any, field: str) -> Contact | None:
    if pk is None:
        return None
    contact = Contact.objects.filter(customer=customer, pk=pk).first()
    if contact is None:
        message = _("No such contact at this customer.")
        raise DomainError(message, field_errors={field: [message]})
    return contact


# ---------------------------------------------------------------- customers


@router.get("", response={200: list[CustomerOut], **ERROR_RESPONSES}, summary="Customers I can see")
@paginate(PageNumber)
def customer_list(request: AuthedHttpRequest, filters: Query[CustomerFilters]) -> object:
    return selectors.customer_list(user=request.user, filters=filters.dict(exclude_none=True))


@router.post("", response={201: CustomerOut, **ERROR_RESPONSES}, summary="Create a customer")
def customer_create(request: AuthedHttpRequest, payload: CustomerIn) -> Status[Customer]:
    data = _customer_data(request.user, payload.dict(exclude_unset=True))
    return Status(201, services.customer_create(actor=request.user, data=data))


@router.get("/duplicates", response={200: DuplicatesOut, **ERROR_RESPONSES}, summary="Find likely duplicates")
def customer_duplicates(request: AuthedHttpRequest, query: Query[DuplicateQuery]) -> dict[str, Any]:
    found = selectors.customer_find_duplicates(
        name=query.name,
        tax_id=query.tax_id,
        email=query.email,
        phone=query.phone,
        exclude_pk=query.exclude_id,
    )
    visible = list(found.restrict(request.user, VIEW)[:50])  # type: ignore[attr-defined]
    total = found.count()
    return {"items": visible, "hidden_count": max(total - len(visible), 0) if len(visible) < 50 else 0}


@router.get("/{customer_id}", response={200: CustomerOut, **ERROR_RESPONSES}, summary="One customer")
def customer_get(request: AuthedHttpRequest, customer_id: UUID) -> Customer:
    return selectors.customer_get(user=request.user, pk=customer_id)


@router.patch("/{customer_id}", response={200: CustomerOut, **ERROR_RESPONSES}, summary="Update a customer")
def customer_update(request: AuthedHttpRequest, customer_id: UUID, payload: CustomerPatch) -> Customer:
    customer = selectors.customer_get(user=request.user, pk=customer_id, action=CHANGE)
    raw = payload.dict(exclude_unset=True)
    version = raw.pop("lock_version", None)
    data = _customer_data(request.user, raw)
    return services.customer_update(
        actor=request.user, customer=customer, data=data, expected_version=version
    )


@router.post(
    "/{customer_id}/merge",
    response={200: CustomerOut, **ERROR_RESPONSES},
    summary="Merge a duplicate into this customer",
)
def customer_merge(request: AuthedHttpRequest, customer_id: UUID, payload: CustomerMergeIn) -> Customer:
    keep = selectors.customer_get(user=request.user, pk=customer_id, action=CHANGE)
    merge = selectors.customer_get(user=request.user, pk=payload.merge_id, action=CHANGE)
    return services.customer_merge(actor=request.user, keep=keep, merge=merge)


# ---------------------------------------------------------------- contacts


@router.get(
    "/{customer_id}/contacts",
    response={200: list[ContactOut], **ERROR_RESPONSES},
    summary="A customer's contacts",
)
@paginate(PageNumber)
def contact_list(request: AuthedHttpRequest, customer_id: UUID) -> object:
    customer = selectors.customer_get(user=request.user, pk=customer_id)
    return selectors.contact_list(customer=customer)


@router.post(
    "/{customer_id}/contacts", response={201: ContactOut, **ERROR_RESPONSES}, summary="Add a contact"
)
def contact_create(request: AuthedHttpRequest, customer_id: UUID, payload: ContactIn) -> Status[Contact]:
    customer = selectors.customer_get(user=request.user, pk=customer_id, action=CHANGE)
    data = _contact_data(customer, payload.dict())
    return Status(201, services.contact_create(actor=request.user, customer=customer, data=data))


@router.post(
    "/{customer_id}/contacts/merge",
    response={200: ContactOut, **ERROR_RESPONSES},
    summary="Merge two contacts of this customer",
)
def contact_merge(request: AuthedHttpRequest, customer_id: UUID, payload: ContactMergeIn) -> Contact:
    customer = selectors.customer_get(user=request.user, pk=customer_id, action=CHANGE)
    keep = selectors.contact_get(user=request.user, pk=payload.keep_id, action=CHANGE)
    merge = selectors.contact_get(user=request.user, pk=payload.merge_id, action=CHANGE)
    if keep.customer_id != customer.pk:
        raise NotFound(_("Not found."))
    return services.contact_merge(actor=request.user, keep=keep, merge=merge)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERROR_RESPONSES}, summary="One contact")
def contact_get(request: AuthedHttpRequest, contact_id: UUID) -> Contact:
    return selectors.contact_get(user=request.user, pk=contact_id)


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **ERROR_RESPONSES}, summary="Update a contact"
)
def contact_update(request: AuthedHttpRequest, contact_id: UUID, payload: ContactPatch) -> Contact:
    contact = selectors.contact_get(user=request.user, pk=contact_id, action=CHANGE)
    raw = payload.dict(exclude_unset=True)
    version = raw.pop("lock_version", None)
    data = _contact_data(contact.customer, raw)
    return services.contact_update(actor=request.user, contact=contact, data=data, expected_version=version)


# ---------------------------------------------------------------- organisation map


@router.get(
    "/{customer_id}/relationships",
    response={200: list[RelationshipOut], **ERROR_RESPONSES},
    summary="Edges of the buying-organisation map",
)
def relationship_list(request: AuthedHttpRequest, customer_id: UUID) -> object:
    customer = selectors.customer_get(user=request.user, pk=customer_id)
    return list(selectors.relationship_list(customer=customer))


@router.post(
    "/{customer_id}/relationships",
    response={201: RelationshipOut, **ERROR_RESPONSES},
    summary="Add an edge to the buying-organisation map",
)
def relationship_create(
    request: AuthedHttpRequest, customer_id: UUID, payload: RelationshipIn
) -> Status[Any]:
    customer = selectors.customer_get(user=request.user, pk=customer_id, action=CHANGE)
    edge = services.contact_relationship_create(
        actor=request.user,
        customer=customer,
        source=_contact_of(customer, payload.source_id, "source_id"),  # type: ignore[arg-type]
        target=_contact_of(customer, payload.target_id, "target_id"),  # type: ignore[arg-type]
        kind=payload.kind,
        note=payload.note,
    )
    return Status(201, edge)


@router.delete(
    "/relationships/{relationship_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Remove an edge from the buying-organisation map",
)
def relationship_delete(request: AuthedHttpRequest, relationship_id: UUID) -> Status[None]:
    edge = selectors.relationship_get(user=request.user, pk=relationship_id, action=CHANGE)
    services.contact_relationship_delete(actor=request.user, relationship=edge)
    return Status(204, None)
