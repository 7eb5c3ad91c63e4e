"""A catalogue of bad values for forms and API endpoints, to reuse in every app's tests.

    from tests.fuzz.values import BAD_TEXT, BAD_NUMBERS, WRONG_TYPES, SCRIPT, assert_escaped

Each catalogue maps a short name (used as the pytest id) to the value. Text values are what a
person could type or paste; the other lists are what a careless or hostile client could send.
"""

from __future__ import annotations

import json
from typing import Any

SCRIPT = "<script>alert('openltc-xss')</script>"

# Text a person could type or paste into any text field.
BAD_TEXT: dict[str, str] = {
    "empty": "",
    "blank": "   \t ",
    "chinese": "华东地区部重点客户项目（第二期）",
    "emoji": "🚀 签约 💰✅",
    "rtl": "شركة الاتصالات السعودية",
    "rtl_override": "invoice\u202egpj.exe",
    "zero_width": "a\u200bb\u200dc\ufeff",
    "combining": "e\u0301" * 40,
    "nul_byte": "before\x00after",
    "control_chars": "bell\x07esc\x1b[31mred",
    "newlines": "line one\nline two\r\nline three",
    "script_tag": SCRIPT,
    "img_onerror": '<img src=x onerror="alert(1)">',
    "attribute_break": '" onmouseover="alert(1)" x="',
    "javascript_url": "javascript:alert(1)",
    "template_syntax": "{{ request.user.password }}{% debug %}",
    "sql": "'; DROP TABLE org_user; --",
    "path_parts": "../../etc/passwd",
    "long_256": "长" * 256,
    "long_10k": "x" * 10_000,
}

# Values for numeric and money fields.
BAD_NUMBERS: dict[str, Any] = {
    "zero": 0,
    "negative": -1,
    "negative_money": "-0.01",
    "huge": 10**15,
    "too_huge": 10**30,
    "thirty_decimals": "1.123456789012345678901234567890",
    "nan": "NaN",
    "infinity": "Infinity",
    "exponent": "1e309",
    "text": "twelve",
    "comma_decimal": "1,5",
    "float_for_int": 1.5,
}

# Wrong JSON types for any field.
WRONG_TYPES: dict[str, Any] = {
    "null": None,
    "true": True,
    "int": 123,
    "float": 1.25,
    "list": ["a", "b"],
    "object": {"nested": "value"},
}

# Bodies that are not what the endpoint expects at all.
MALFORMED_BODIES: dict[str, bytes] = {
    "not_json": b"{not json",
    "truncated": b'{"name": "abc',
    "json_list": b"[1, 2, 3]",
    "json_string": b'"just a string"',
    "deeply_nested": b"[" * 5000 + b"]" * 5000,
    "invalid_utf8": b'{"name": "\xff\xfe"}',
}


def oversized_body(megabytes: int = 10) -> bytes:
    """A syntactically valid JSON body of the given size (default 10 MB)."""
    filler = "x" * (megabytes * 1024 * 1024)
    return json.dumps({"name": filler}).encode()


def assert_escaped(html: str | bytes, value: str = SCRIPT) -> None:
    """A stored markup value must only ever appear escaped in a page."""
    text = html.decode() if isinstance(html, bytes) else html
    assert value not in text, f"{value!r} rendered unescaped"
    if "<script" in value:
        assert "<script>alert" not in text


def cases(catalogue: dict[str, Any]) -> list[Any]:
    """``pytest.param`` list with readable ids: ``@pytest.mark.parametrize("value", cases(BAD_TEXT))``."""
    import pytest

    return [pytest.param(value, id=name) for name, value in catalogue.items()]
