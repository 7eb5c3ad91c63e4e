"""Reducing names, phones and e-mails to the forms duplicate detection compares."""

from __future__ import annotations

import re
import unicodedata

# Longest first, so "股份有限公司" is stripped before "有限公司" and "co., ltd." before "ltd".
COMPANY_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            "股份有限公司",
            "有限责任公司",
            "有限公司",
            "集团公司",
            "集团",
            "公司",
            "corporation",
            "incorporated",
            "company",
            "limited",
            "co ltd",
            "coltd",
            "corp",
            "group",
            "gmbh",
            "ltd",
            "llc",
            "inc",
            "plc",
            "co",
            "ag",
            "sa",
        },
        key=len,
        reverse=True,
    )
)

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def _words(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "").lower()
    text = text.replace("（", "(").replace("）", ")")
    return _PUNCT.sub(" ", text).strip()


def normalize_company_name(value: str) -> str:
    """'上海电力股份有限公司' → '上海电力'; 'ACME Co., Ltd.' → 'acme'. Whitespace and punctuation go."""
    text = _words(value)
    changed = True
    while changed and text:
        changed = False
        for suffix in COMPANY_SUFFIXES:
            if text.endswith(suffix):
                stripped = text[: -len(suffix)]
                # Latin suffixes must stand as their own word ("inc" in "zinc" stays).
                if suffix.isascii() and stripped and not stripped.endswith(" "):
                    continue
                if stripped.strip():
                    text = stripped.strip()
                    changed = True
                    break
    return text.replace(" ", "")


def normalize_person_name(value: str) -> str:
    return _words(value).replace(" ", "")


def phone_digits(value: str) -> str:
    """Digits only; a leading China country code (86 / 0086) is dropped so local and
    international forms match."""
    digits = re.sub(r"\D", "", value or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            return digits[len(prefix) :]
    return digits


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()
