"""One check for every file a user attaches (case attachments, acceptance evidence, contract
scans, guidance templates): the same name cleaning, type, size and emptiness rules and the same
messages everywhere, reported as a field error on the form or API field that carried the file."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from openltc.core.errors import DomainError

# Windows-reserved and markup characters: a stored name must be safe to offer back as a download.
_RESERVED = set('<>:"|?*')


def clean_upload_name(name: str) -> str:
    """The bare file name: no directories (either slash), no control or reserved characters, no
    leading dots (hidden files), at most 255 characters (the column's size, keeping the end,
    where the extension is)."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable() and ch not in _RESERVED)
    return base.lstrip(".")[-255:]


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def check_upload(upload: Any, *, field: str, extensions: Iterable[str]) -> str:
    """The upload's cleaned name, set on the upload too, or a field error on ``field``: a name
    with one of ``extensions``, not empty, not over ``OPENLTC_MAX_UPLOAD_BYTES``."""
    allowed = sorted({str(ext).lower().lstrip(".") for ext in extensions})
    name = clean_upload_name(str(getattr(upload, "name", "") or ""))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not name or not extension:
        raise _invalid(field, _("The file needs a name with an extension."))
    if extension not in allowed:
        raise _invalid(
            field,
            _("Files of type .%(ext)s are not accepted; use one of: %(allowed)s.")
            % {"ext": extension, "allowed": ", ".join(allowed) or "—"},
        )
    limit = int(settings.OPENLTC_MAX_UPLOAD_BYTES)
    size = getattr(upload, "size", None)
    if size is None or size > limit:
        raise _invalid(
            field,
            _("The file is larger than the limit of %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)},
        )
    if size == 0:
        raise _invalid(field, _("The file is empty."))
    upload.name = name
    return name
