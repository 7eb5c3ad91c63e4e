"""Bad input generated from the code itself, so a new endpoint or form is covered on its own:

* API: every unsafe operation of the OpenAPI document that takes a JSON body gets, field by
  field, the catalogue's values for the field's kind (text, number, uuid, date, choice, list, ...)
  plus the malformed and oversized bodies. The URL and the base body come from the permission
  contract's table (``tests/contract/expectations.py``), so the call reaches the handler.
* Forms: every page of the permission contract is rendered as several roles; every
  ``<form method="post">`` in it (and every ``hx-post`` form) is sent back with one field at a
  time replaced by a bad value. Which Django form classes were bound on the way is recorded, so
  a form class that no page posts fails the completeness check.

Everything runs in savepoints that are rolled back (as in the permission contract).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from tests.fuzz.values import BAD_NUMBERS, BAD_TEXT, SCRIPT, WRONG_TYPES

# --- the demo data set, once per module -----------------------------------------------------------


def demo_fixture() -> Any:
    """A module-scoped fixture: the demo data set built once inside a transaction that is rolled
    back at the end. Tests use it through ``demo`` (which adds pytest-django's ``db``, a savepoint)."""

    @pytest.fixture(scope="module")
    def demo_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                call_command("demo", "--quiet-logins", stdout=io.StringIO())
                yield
            finally:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

    return demo_data


# --- stored markup in every text column ------------------------------------------------------------


def plant_script_everywhere() -> int:
    """Sets every free-text column of every OpenLTC row to ``<script>`` (used by the stored-markup
    test and the browser test); returns the number of rows changed.

    Rows the database itself keeps immutable (a frozen contract version and its lines and
    milestones, guarded by triggers) refuse the update: the bulk update of such a model is refused
    as a whole, so its rows are then tried one by one and the frozen ones keep the text they were
    created with (through the services, which validated it)."""
    from django.apps import apps
    from django.db import models

    changed = 0
    for model in apps.get_models():
        if not model.__module__.startswith("openltc.") or model._meta.proxy or not model._meta.managed:
            continue
        columns = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
            and not f.choices
            and not f.unique
            and not isinstance(f, (models.EmailField, models.URLField, models.SlugField))
            and (not isinstance(f, models.CharField) or (f.max_length or 0) >= len(SCRIPT))
            and f.name not in ("password", "path", "subject_id", "currency", "number", "code", "username")
            and not f.name.endswith(("_id", "_path", "_key", "_hash", "token", "language", "time_zone"))
        ]
        if not columns:
            continue
        values = dict.fromkeys(columns, SCRIPT)
        try:
            with transaction.atomic():
                changed += model._base_manager.update(**values)
        except DatabaseError:
            for pk in model._base_manager.values_list("pk", flat=True):
                with contextlib.suppress(DatabaseError), transaction.atomic():
                    changed += model._base_manager.filter(pk=pk).update(**values)
    return changed


# --- values per kind of field ---------------------------------------------------------------------

TEXT_VALUES: dict[str, Any] = {
    **{k: BAD_TEXT[k] for k in ("nul_byte", "script_tag", "chinese", "rtl_override", "emoji", "long_10k")},
    "wrong_int": WRONG_TYPES["int"],
    "wrong_list": WRONG_TYPES["list"],
}
NUMBER_VALUES: dict[str, Any] = {
    **{
        k: BAD_NUMBERS[k]
        for k in (
            "zero",
            "negative",
            "huge",
            "too_huge",
            "thirty_decimals",
            "nan",
            "infinity",
            "text",
        )
    },
    "wrong_list": WRONG_TYPES["list"],
}
UUID_VALUES: dict[str, Any] = {
    "not_a_uuid": "not-a-uuid",
    "nil_uuid": "00000000-0000-0000-0000-000000000000",
    "script_tag": SCRIPT,
    "wrong_int": 123,
}
DATE_VALUES: dict[str, Any] = {
    "not_a_date": "not a date",
    "feb_30": "2026-02-30",
    "year_99999": "99999-01-01",
    "huge": 10**15,
    "script_tag": SCRIPT,
}
CHOICE_VALUES: dict[str, Any] = {
    "unknown": "no-such-choice",
    "script_tag": SCRIPT,
    "empty": "",
    "wrong_int": 1,
}
BOOL_VALUES: dict[str, Any] = {"text": "maybe", "two": 2, "wrong_list": []}
LIST_VALUES: dict[str, Any] = {
    "text": "not a list",
    "object": {"a": 1},
    "nulls": [None, None],
    "scripts": [SCRIPT],
}
OBJECT_VALUES: dict[str, Any] = {"text": "not an object", "list": [1, 2]}

VALUES_BY_KIND = {
    "text": TEXT_VALUES,
    "number": NUMBER_VALUES,
    "uuid": UUID_VALUES,
    "date": DATE_VALUES,
    "choice": CHOICE_VALUES,
    "boolean": BOOL_VALUES,
    "list": LIST_VALUES,
    "object": OBJECT_VALUES,
}


def resolve(schema: dict | None, document: dict) -> dict:
    while schema and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema or {}


def field_kind(schema: dict, document: dict) -> str:
    schema = resolve(schema, document)
    options = [resolve(s, document) for s in schema.get("anyOf", schema.get("oneOf", []))] or [schema]
    options = [o for o in options if o.get("type") != "null"] or options
    types = {o.get("type") for o in options}
    formats = {o.get("format") for o in options}
    if any("enum" in o for o in options):
        return "choice"
    if types & {"number", "integer"}:
        return "number"
    if "uuid" in formats:
        return "uuid"
    if formats & {"date", "date-time"}:
        return "date"
    if "boolean" in types:
        return "boolean"
    if "array" in types:
        return "list"
    if "object" in types or any("properties" in o for o in options):
        return "object"
    return "text"


def body_properties(schema: dict | None, document: dict) -> dict[str, dict]:
    return dict(resolve(schema, document).get("properties", {}))


def list_item_schema(schema: dict, document: dict) -> dict | None:
    """The item schema of a list-of-objects field (contract lines, invoice lines, ...)."""
    schema = resolve(schema, document)
    options = [resolve(s, document) for s in schema.get("anyOf", [])] or [schema]
    for option in options:
        if option.get("type") == "array":
            items = resolve(option.get("items"), document)
            if items.get("properties"):
                return items
    return None


class Sampler:
    """Which of the values for a field are sent: all of them (``full``, the on-demand run), or
    one per field in turn (``make test``): the n-th field sent gets the n-th value of its kind's
    list (modulo its length), so the values of each kind are spread over the fields, and the
    choice is the same on every run."""

    def __init__(self, full: bool, start: int = 0) -> None:
        self.full = full
        self.turn = start

    def pick(self, values: dict[str, Any]) -> dict[str, Any]:
        if self.full or not values:
            return values
        label = list(values)[self.turn % len(values)]
        self.turn += 1
        return {label: values[label]}


def full_run() -> bool:
    """The whole catalogue on demand (OPENLTC_FUZZ_DEEP=1); a bounded sample in ``make test``."""
    return bool(os.environ.get("OPENLTC_FUZZ_DEEP"))


def mutations(
    schema: dict | None, base: Any, document: dict, example: Any, sampler: Sampler | None = None
) -> Iterator[tuple[str, Any]]:
    """(label, body) pairs: the base body with one field (or one field of a list item) replaced."""
    if not isinstance(base, dict):
        return
    pick = (sampler or Sampler(full=True)).pick
    for name, prop in sorted(body_properties(schema, document).items()):
        kind = field_kind(prop, document)
        for label, value in pick(VALUES_BY_KIND[kind]).items():
            yield f"{name}={label}", {**base, name: value}
        item_schema = list_item_schema(prop, document)
        if item_schema is not None:
            item = example(item_schema)
            if isinstance(base.get(name), list) and base[name] and isinstance(base[name][0], dict):
                item = {**item, **base[name][0]}
            for sub, sub_prop in sorted(item_schema.get("properties", {}).items()):
                for label, value in pick(VALUES_BY_KIND[field_kind(sub_prop, document)]).items():
                    yield f"{name}[0].{sub}={label}", {**base, name: [{**item, sub: value}]}


# --- forms in pages -------------------------------------------------------------------------------


@dataclass
class HtmlField:
    name: str
    kind: str  # text, number, date, select, textarea, checkbox, radio, hidden, file, email, ...
    value: str = ""
    options: list[str] = field(default_factory=list)
    maxlength: int | None = None


@dataclass
class HtmlForm:
    action: str
    method: str
    enctype: str
    fields: list[HtmlField] = field(default_factory=list)

    @property
    def signature(self) -> tuple[str, tuple[str, ...]]:
        return (self.action, tuple(sorted({f.name for f in self.fields})))

    def base_data(self) -> dict[str, Any]:
        """What a person submitting the form unchanged would send (first option of each select,
        checked boxes only)."""
        data: dict[str, Any] = {}
        for f in self.fields:
            if f.kind in ("submit", "button", "file", "reset", "image"):
                continue
            if f.kind in ("checkbox", "radio"):
                if f.value.startswith("\x01checked:"):
                    data.setdefault(f.name, f.value.removeprefix("\x01checked:"))
                continue
            if f.kind == "select":
                data.setdefault(f.name, f.value or next((o for o in f.options if o), ""))
                continue
            data.setdefault(f.name, f.value)
        return data


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: HtmlField | None = None
        self._textarea: HtmlField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            method = "post" if ("hx-post" in a or a.get("method", "get").lower() == "post") else "get"
            # A relative action (``#estimation-h``, ``?tab=x``) is sent where the browser sends it.
            raw = a.get("hx-post") or a.get("action") or ""
            action = urljoin(self.page_url, raw).split("#", 1)[0] or self.page_url
            self._form = HtmlForm(action=action, method=method, enctype=a.get("enctype", ""))
            self.forms.append(self._form)
            return
        if self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input":
            kind = a.get("type", "text").lower()
            value = a.get("value", "")
            if kind in ("checkbox", "radio"):
                value = ("\x01checked:" + (value or "on")) if "checked" in a else value
            self._form.fields.append(HtmlField(a["name"], kind, value, maxlength=maxlength))
        elif tag == "select":
            self._select = HtmlField(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = HtmlField(a["name"], "textarea", maxlength=maxlength)
            self._form.fields.append(self._textarea)
        elif tag == "button" and a.get("type", "submit") == "submit" and a.get("value"):
            self._form.fields.append(HtmlField(a["name"], "submit", a["value"]))

    def _option(self, a: dict[str, str]) -> None:
        assert self._select is not None
        self._select.options.append(a.get("value", ""))
        if "selected" in a:
            self._select.value = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href:
                self.links.append(href)


def page_links(html: str) -> list[str]:
    """The in-site pages a page links to (path only: no query string, no fragment), in order.
    Action pages (``/bids/<pk>/action/question/``, ...) are reached only this way: the permission
    contract names one URL per route, with one value for each parameter."""
    parser = _LinkParser()
    parser.feed(html)
    found: list[str] = []
    for href in parser.links:
        path = href.split("#", 1)[0]
        if not path.startswith("/") or path.startswith("//") or "?" in path:
            continue
        if path.startswith(("/admin/", "/api/", "/static/", "/media/", "/accounts/logout")):
            continue
        if path not in found:
            found.append(path)
    return found


def parse_forms(html: str, page_url: str, methods: tuple[str, ...] = ("post",)) -> list[HtmlForm]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return [f for f in parser.forms if f.method in methods]


FORM_TEXT_VALUES: dict[str, str] = {
    "nul_byte": BAD_TEXT["nul_byte"],
    "script_tag": BAD_TEXT["script_tag"],
    "long_10k": BAD_TEXT["long_10k"],
    "rtl_emoji": BAD_TEXT["rtl"] + BAD_TEXT["emoji"],
}
FORM_NUMBER_VALUES: dict[str, str] = {
    "negative": "-1",
    "huge": str(10**15),
    "thirty_decimals": BAD_NUMBERS["thirty_decimals"],
    "nan": "NaN",
    "text": "twelve",
}
FORM_DATE_VALUES: dict[str, str] = {"feb_30": "2026-02-30", "year_99999": "99999-01-01", "script": SCRIPT}
FORM_CHOICE_VALUES: dict[str, str] = {"unknown": "no-such-choice", "script_tag": SCRIPT}


def form_values(f: HtmlField) -> dict[str, str]:
    if f.kind in ("submit", "button", "file", "reset", "image"):
        return {}
    if f.name in ("csrfmiddlewaretoken",):
        return {}
    if f.kind == "number":
        return FORM_NUMBER_VALUES
    if f.kind in ("date", "datetime-local", "time", "month"):
        return FORM_DATE_VALUES
    if f.kind in ("select", "checkbox", "radio", "hidden"):
        return FORM_CHOICE_VALUES
    if f.name.endswith(("amount", "price", "quantity", "percentage", "rate", "weight", "score")):
        return {**FORM_TEXT_VALUES, **FORM_NUMBER_VALUES}
    return FORM_TEXT_VALUES


# --- which Django form classes exist, and which ones were bound -----------------------------------


def project_form_classes() -> set[type]:
    """Every form class defined in an ``openltc`` module (forms.py and elsewhere)."""
    import importlib
    import pkgutil

    import django.forms

    import openltc

    for module in pkgutil.walk_packages(openltc.__path__, "openltc."):
        if ".tests" in module.name or ".migrations" in module.name or module.name.endswith("__main__"):
            continue
        if module.name.rsplit(".", 1)[-1] in ("forms", "views", "imports", "exports", "admin"):
            with contextlib.suppress(Exception):
                importlib.import_module(module.name)

    found: set[type] = set()
    todo: list[type] = [django.forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("openltc.") and ".tests" not in sub.__module__:
                found.add(sub)
    return found


@contextlib.contextmanager
def bound_forms() -> Iterator[set[type]]:
    """Records every form class bound to data (a POST reached it) while the block runs."""
    import django.forms

    seen: set[type] = set()
    original = django.forms.BaseForm.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if self.is_bound:
            seen.add(type(self))
            if not type(self).__module__.startswith("openltc."):
                # The admin binds a subclass of its form made by modelform_factory: the form
                # class of the project it is made from is the one reached.
                seen.update(c for c in type(self).__mro__ if c.__module__.startswith("openltc."))

    django.forms.BaseForm.__init__ = init  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        django.forms.BaseForm.__init__ = original  # type: ignore[method-assign]


def qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def envelope_ok(response: Any) -> bool:
    """A 4xx API answer is the error envelope: a code and a message."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("code")) and bool(body.get("message"))
