"""Running the permission contract: the roles, fixture records, requests and outcome classes.

The expected outcomes live in ``expectations.py``; this module only knows how to ask.
"""

from __future__ import annotations

import fnmatch
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import reverse

# The roles of the contract, each played by a user of the demo organisation.
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "other_rep": "gz.ar",  # sales rep of another region (South): must not reach East records
    "rep": "sh.ar",  # sales rep / AR in Shanghai team 1: owns the fixture records
    "manager": "sh.manager",  # Shanghai office manager (manages the subtree), office SDT
    "reviewer": "legal",  # legal reviewer at company level (sees all, manages nothing)
    "sdt": "east.vp",  # East region manager and region SDT decider
    "finance": "finance",  # finance at company level (sees all, manages nothing)
    "admin": "admin",  # superuser
}

# Outcome classes.
OK = "ok"  # 2xx; for an unsafe API call also "refused": authorised, and the business rules answered
NO = "no"  # for an unsafe API call: 403, or "refused"; never a 2xx
REFUSED = "refused"  # unsafe API call answered 400/409/422 (state or validation), so not a 2xx
LOGIN = "login"  # redirect to a login page
REDIRECT = "redirect"  # any other redirect
E400, E401, E403, E404, E405 = "400", "401", "403", "404", "405"
SERVER_ERROR = "5xx"  # never acceptable

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def creation_order(model: Any) -> list[str]:
    """The order records were made in: most primary keys are random UUIDs, so ``pk`` alone would
    pick a different fixture record on every run (and a test would pass or fail by chance)."""
    names = {f.name for f in model._meta.concrete_fields}
    return ["created_at", "pk"] if "created_at" in names else ["pk"]


@dataclass(frozen=True)
class Rec:
    """A fixture record to put into a URL: a row of ``label`` (``app.Model``).

    By default the record the rep may change and the rep of another region may not see, so the
    contract can tell "allowed" from "other region". ``filters`` narrow the choice; a value may
    be a role name wrapped in :class:`RoleUser` to mean that role's user.
    """

    label: str
    filters: dict[str, Any] = field(default_factory=dict)
    visible_to_rep: bool = True
    attr: str = "pk"
    index: int = 0

    def __hash__(self) -> int:
        key = json.dumps(self.filters, default=str, sort_keys=True)
        return hash((self.label, key, self.attr, self.index, self.visible_to_rep))


@dataclass(frozen=True)
class RoleUser:
    role: str


@dataclass(frozen=True)
class AdminRecord:
    """The first row of the model an admin URL is about (found from its route)."""


def admin_model_for(route: str) -> Any:
    from django.contrib import admin

    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if not match:
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == match.groups():
            return model
    return None


@dataclass
class Entry:
    """Expected outcome per role for one page or API operation.

    ``expect`` maps role → outcome; ``args`` gives values for the route's converters or path
    parameters (literal strings, :class:`Rec` records or callables of the context); ``body`` is
    the JSON sent to an unsafe API operation instead of the one derived from its schema;
    ``roles`` limits the roles asked (the admin site, whose answer depends only on is_staff);
    ``skip`` documents why a pattern is not requested (with the entry still required).

    A known defect keeps the table honest: ``expect`` says what should happen, ``now`` what the
    code does today and ``defect`` why that is wrong. The contract accepts ``now`` and lists the
    defect; once the code does what ``expect`` says, the contract fails until the defect is removed.
    """

    expect: dict[str, str]
    args: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    roles: tuple[str, ...] | None = None
    skip: str = ""
    note: str = ""
    now: dict[str, str] | None = None
    defect: str = ""


def matches(want: str, got: str) -> bool:
    if want == OK:
        return got in (OK, REFUSED)
    if want == NO:
        return got in (E403, REFUSED)
    return want == got


def outcomes(default: str, **by_role: str) -> dict[str, str]:
    result = {role: default for role in ROLES}
    for role, outcome in by_role.items():
        assert role in ROLES, role
        result[role] = outcome
    return result


def lookup(table: dict[str, Entry], key: str) -> Entry | None:
    """The entry for ``key``: an exact key first, then the longest (most specific) glob pattern."""
    if key in table:
        return table[key]
    matches = [p for p in table if any(c in p for c in "*?[") and fnmatch.fnmatchcase(key, p)]
    return table[max(matches, key=len)] if matches else None


# --- context: users, tokens, records -------------------------------------------------------------


class Context:
    def __init__(self) -> None:
        from openltc.org.models import User

        self.users = {
            role: (User.objects.get(username=name) if name else None) for role, name in ROLES.items()
        }
        self._records: dict[Rec, Any] = {}
        self._tokens: dict[str, str] = {}
        self._clients: dict[tuple[str, str], Client] = {}
        self.missing_records: set[str] = set()
        self.memo: dict[Any, Any] = {}
        for role in ROLES:  # every signed-in role holds a token before any page is asked
            if self.users[role] is not None:
                self.api_client(role)

    def user(self, role: str) -> Any:
        return self.users[role]

    def page_client(self, role: str) -> Client:
        if ("page", role) not in self._clients:
            client = Client(raise_request_exception=False)
            if self.users[role] is not None:
                client.force_login(self.users[role])
            self._clients[("page", role)] = client
        return self._clients[("page", role)]

    def api_client(self, role: str) -> Client:
        if ("api", role) in self._clients:
            return self._clients[("api", role)]
        if self.users[role] is None:
            client = Client(raise_request_exception=False)
        else:
            from openltc.org.services import api_token_create

            _token, secret = api_token_create(user=self.users[role], name=f"contract-{role}")
            self._tokens[role] = secret
            client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {secret}")
        self._clients[("api", role)] = client
        return client

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Rec):
            return self.record(value)
        if isinstance(value, RoleUser):
            return self.users[value.role]
        if callable(value):
            if value not in self.memo:
                self.memo[value] = value(self)
            return self.memo[value]
        return value

    def record(self, rec: Rec) -> Any:
        if rec in self._records:
            return self._records[rec]
        try:
            model = apps.get_model(rec.label)
        except LookupError:
            self.missing_records.add(rec.label)
            return None
        filters = {k: self.resolve(v) for k, v in rec.filters.items()}
        order = creation_order(model)
        qs = model._base_manager.filter(**filters).order_by(*order)
        chosen = None
        if rec.visible_to_rep and hasattr(model._default_manager.all(), "restrict"):
            rep, other = self.users["rep"], self.users["other_rep"]
            hidden = model._default_manager.restrict(other, "view").values("pk")
            for action in ("change", "view"):
                candidates = model._default_manager.restrict(rep, action).filter(**filters)
                found = list(candidates.exclude(pk__in=hidden).order_by(*order)[rec.index : rec.index + 1])
                chosen = found[0] if found else None
                if chosen is not None:
                    break
        if chosen is None:
            found = list(qs[rec.index : rec.index + 1])
            chosen = found[0] if found else None
        if chosen is None:
            self.missing_records.add(rec.label)
            self._records[rec] = None
            return None
        value = getattr(chosen, rec.attr)
        self._records[rec] = value
        return value


# --- classifying answers ----------------------------------------------------------------------


def classify(response: Any, *, unsafe_api: bool = False) -> str:
    status = response.status_code
    if status >= 500:
        return SERVER_ERROR
    if 200 <= status < 300:
        return OK
    if unsafe_api and status in (400, 409, 422):
        return REFUSED
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        return LOGIN if any(p in location for p in LOGIN_PATHS) else REDIRECT
    return str(status)


# --- building requests --------------------------------------------------------------------------

CONVERTER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def page_url(key: str, route: str, params: Iterable[str], entry: Entry, ctx: Context) -> str | None:
    values = {}
    for name in params:
        if name not in entry.args:
            return None
        raw = entry.args[name]
        if isinstance(raw, AdminRecord):
            model = admin_model_for(route)
            row = model._base_manager.order_by(*creation_order(model)).first() if model is not None else None
            value = row.pk if row is not None else None
        else:
            value = ctx.resolve(raw)
        if value is None:
            return None
        values[name] = str(value)
    if not key.startswith("route:"):
        return reverse(key, kwargs=values)
    return "/" + CONVERTER.sub(lambda m: values[m.group(1)], route)


def api_url(path: str, params: Iterable[str], entry: Entry, ctx: Context) -> str | None:
    url = path
    for name in params:
        raw = entry.args.get(name)
        value = ctx.resolve(raw) if raw is not None else None
        if value is None:
            return None
        url = url.replace("{" + name + "}", str(value))
    return url


def example_body(schema: dict | None, document: dict, ctx: Context, depth: int = 0) -> Any:
    """A small body that satisfies the schema's required fields, so the call reaches the view."""
    if not schema or depth > 6:
        return {}
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        return example_body(document["components"]["schemas"][ref], document, ctx, depth + 1)
    for combo in ("anyOf", "oneOf", "allOf"):
        if combo in schema:
            options = [s for s in schema[combo] if s.get("type") != "null"] or schema[combo]
            return example_body(options[0], document, ctx, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example_body(props[k], document, ctx, depth + 1) for k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.UUID(int=0))
    if fmt == "date-time":
        return "2030-01-01T00:00:00Z"
    if fmt == "date":
        return "2030-01-01"
    if fmt == "email":
        return "contract@example.test"
    return "contract-test"[: schema.get("maxLength", 13)] or "c"


def rolled_back(call: Callable[[], Any]) -> Any:
    """Runs one request inside a savepoint that is always rolled back, so every role meets the
    same data and no request can disturb the next."""
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response
