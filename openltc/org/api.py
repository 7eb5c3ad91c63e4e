from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from openltc.api.errors import ERROR_RESPONSES
from openltc.api.pagination import PageNumber
from openltc.core.typing import AuthedHttpRequest
from openltc.org import selectors, services
from openltc.org.models import Country, ProductLine, User

PREFIX = "/org"
router = Router(tags=["Organisation"])


class RoleOut(Schema):
    role: str
    role_label: str
    org_unit_id: int
    org_unit: str
    decision_level: int | None


class MeOut(Schema):
    id: int
    username: str
    email: str
    display_name: str
    preferred_language: str
    time_zone: str
    roles: list[RoleOut]


class PreferencesIn(Schema):
    """Both settings are stated each time ("" means the company default), so a body that is not
    an object with them is refused rather than silently resetting them."""

    preferred_language: str = Field(..., max_length=10)
    time_zone: str = Field(..., max_length=64)
    display_name: str | None = Field(None, max_length=150)


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    expires_at: datetime | None = None


class TokenCreatedOut(TokenOut):
    secret: str = Field(..., description="Shown once; store it safely. OpenLTC keeps only its hash.")


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str


class CodeNameOut(Schema):
    id: int
    code: str
    name: str


def _me(user: User) -> dict[str, object]:
    roles = [
        {
            "role": a.role,
            "role_label": str(a.get_role_display()),
            "org_unit_id": a.org_unit_id,
            "org_unit": a.org_unit.name,
            "decision_level": a.decision_level,
        }
        for a in selectors.roles_of(user)
    ]
    return {
        **{
            k: getattr(user, k)
            for k in ("id", "username", "email", "display_name", "preferred_language", "time_zone")
        },
        "roles": roles,
    }


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="The signed-in user and their roles")
def me_get(request: AuthedHttpRequest) -> dict[str, object]:
    return _me(request.user)


@router.patch(
    "/me/preferences",
    response={200: MeOut, **ERROR_RESPONSES},
    summary="Update language, time zone, display name",
)
def me_preferences_update(request: AuthedHttpRequest, payload: PreferencesIn) -> dict[str, object]:
    user = services.user_preferences_update(user=request.user, **payload.dict())
    return _me(user)


@router.get("/tokens", response={200: list[TokenOut], **ERROR_RESPONSES}, summary="My API tokens")
def token_list(request: AuthedHttpRequest) -> object:
    return list(selectors.tokens_of(request.user))


@router.post("/tokens", response={201: TokenCreatedOut, **ERROR_RESPONSES}, summary="Create an API token")
def token_create(request: AuthedHttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    token, secret = services.api_token_create(
        user=request.user, name=payload.name, expires_at=payload.expires_at
    )
    data = TokenOut.from_orm(token).dict()
    return Status(201, {**data, "secret": secret})


@router.post(
    "/tokens/{token_id}/revoke", response={200: TokenOut, **ERROR_RESPONSES}, summary="Revoke an API token"
)
def token_revoke(request: AuthedHttpRequest, token_id: UUID) -> object:
    return services.api_token_revoke(actor=request.user, token_id=token_id)


@router.get("/units", response={200: list[OrgUnitOut], **ERROR_RESPONSES}, summary="Org units I can see")
@paginate(PageNumber)
def org_unit_list(request: AuthedHttpRequest) -> object:
    return selectors.units_visible_to(request.user)


@router.get(
    "/product-lines", response={200: list[CodeNameOut], **ERROR_RESPONSES}, summary="Active product lines"
)
@paginate(PageNumber)
def product_line_list(request: AuthedHttpRequest) -> object:
    return ProductLine.objects.filter(is_active=True)


@router.get(
    "/countries", response={200: list[CodeNameOut], **ERROR_RESPONSES}, summary="Countries and regions"
)
@paginate(PageNumber)
def country_list(request: AuthedHttpRequest) -> object:
    return Country.objects.all()
