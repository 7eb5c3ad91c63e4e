"""Exporting a list page as CSV or XLSX, the same way for every app.

A list view builds its usual (restricted) queryset, declares the columns and hands both to
:func:`export_response`::

    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=LEAD_COLUMNS, filename=_("leads"), fmt=fmt)

CSV is streamed row by row; XLSX is written by openpyxl's write-only workbook to a temporary
file and streamed from there, so neither holds the whole export in memory. Text cells that a
spreadsheet would run as a formula are defused with a leading quote.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from django.db import models
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

ExportFormat = Literal["csv", "xlsx"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx")
CHUNK_SIZE = 2000
BOM = "\ufeff"
# OWASP "CSV injection": cells starting with these are run as formulas by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    """One exported column: a translated heading and how to get the value from a record.

    ``value`` is an attribute path with ``__`` between steps (``"owner__username"``,
    ``"get_stage_display"``; callables met on the way are called) or a function of the record.
    """

    label: str | Promise
    value: str | Callable[[Any], Any]

    def get(self, obj: Any) -> Any:
        if callable(self.value):
            return self.value(obj)
        current = obj
        for part in self.value.split("__"):
            if current is None:
                return None
            current = getattr(current, part)
            if callable(current) and not isinstance(current, models.Manager):
                current = current()
        return current


def export_format(request: HttpRequest) -> ExportFormat | None:
    """The format asked for with ``?export=csv|xlsx``; None when absent or not one we offer."""
    value = (request.GET.get("export") or "").strip().lower()
    for fmt in FORMATS:
        if value == fmt:
            return fmt
    return None


def safe_filename(name: str, ext: str) -> str:
    """A file name without path parts or control characters, ending in ``.ext``."""
    name = force_str(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w\-. ()]+", "_", name).strip(" ._")
    if name.lower().endswith("." + ext):
        name = name[: -len(ext) - 1]
    name = name[:100] or "export"
    return f"{name}.{ext}"


def defuse(text: str) -> str:
    """Prefixes text a spreadsheet would evaluate as a formula with a quote."""
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _text(value: Any) -> str:
    """The CSV form of one value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return ", ".join(_text(v) for v in value)
    return defuse(force_str(value))


def _cell(value: Any) -> Any:
    """The XLSX form of one value: numbers and dates stay typed, text is defused."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, decimal.Decimal | int | float):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(timezone.localtime(value))
        return value
    if isinstance(value, datetime.date):
        return value
    return _text(value)


def _rows(queryset: Iterable[Any]) -> Iterator[Any]:
    if isinstance(queryset, models.QuerySet):
        return queryset.iterator(chunk_size=CHUNK_SIZE)
    return iter(queryset)


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(queryset: Iterable[Any], columns: list[Column]) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    yield (BOM + writer.writerow([defuse(force_str(c.label)) for c in columns])).encode("utf-8")
    buffer: list[str] = []
    for obj in _rows(queryset):
        buffer.append(writer.writerow([_text(c.get(obj)) for c in columns]))
        if len(buffer) >= 200:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def _xlsx_file(queryset: Iterable[Any], columns: list[Column], title: str) -> Any:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet1")
    sheet.append([defuse(force_str(c.label)) for c in columns])
    for obj in _rows(queryset):
        row = []
        for column in columns:
            value = _cell(column.get(obj))
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # never let openpyxl treat "=..." as a formula
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes (and so deletes) it
    workbook.save(handle)
    handle.seek(0)
    return handle


def export_response(
    *,
    queryset: Iterable[Any],
    columns: list[Column],
    filename: str,
    fmt: ExportFormat,
) -> StreamingHttpResponse:
    """The export of ``queryset`` as a download; the caller has already restricted it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    name = safe_filename(str(filename), fmt)
    response: StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(queryset, columns), content_type=_CONTENT_TYPES["csv"])
    else:
        handle = _xlsx_file(queryset, columns, title=name.rsplit(".", 1)[0])
        response = FileResponse(handle, content_type=_CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
