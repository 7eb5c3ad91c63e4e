"""Bulk import of CSV and XLSX files, the same way for every app.

An app subclasses :class:`Importer` (its fields with synonyms and parsers, row validation,
duplicate check and a bulk ``create_rows``) and mounts :func:`import_urls` for it. The user
uploads a file, checks the column mapping on a preview of the first rows, and starts the run,
which a background task performs (``openltc.core.tasks_imports``) in batches, updating the
progress the status page polls.

Files are read as a stream of rows, never as a whole: CSV through an incremental decoder
(UTF-8, UTF-8 with BOM, UTF-16 or GB18030, detected on upload) and XLSX through openpyxl's
read-only mode. Row numbers are the file's own: the header is row 1.
"""

from __future__ import annotations

import abc
import codecs
import csv
import datetime
import decimal
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.validators import validate_email
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.core.audit import record_event
from openltc.core.errors import DomainError, NotFound
from openltc.core.exports import Column, export_response
from openltc.core.htmx import htmx_partial
from openltc.core.models import ImportJob, ImportRowError

PREVIEW_ROWS = 20
PREVIEW_VALIDATE_ROWS = 200
MAX_STORED_ERRORS = 5000
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
XLSX_MAX_MEMBERS = 2000
XLSX_MAX_RATIO = 200  # a worksheet's XML rarely compresses better than 1:50; bombs do 1:1000
EXTENSIONS = {
    "csv": {
        "text/csv",
        "application/csv",
        "text/plain",
        "text/comma-separated-values",
        "text/x-csv",
        "application/vnd.ms-excel",  # what Windows browsers send for .csv when Excel is installed
        "application/octet-stream",
    },
    "xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
        "application/x-zip-compressed",
        "application/octet-stream",
    },
}


# --- errors and parsers ------------------------------------------------------------------------


class ImportValueError(Exception):
    """A parser could not read a cell; the message is shown next to the row and column."""


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _as_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # Excel stores phone numbers and codes as floats
    if isinstance(raw, datetime.datetime) and not raw.time():
        return raw.date().isoformat()
    return str(raw).strip()


def text(max_length: int | None = None) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = " ".join(_as_text(raw).split()) if "\n" not in str(raw) else _as_text(raw)
        if max_length is not None and len(value) > max_length:
            raise ImportValueError(
                _("At most %(max)d characters are allowed (this has %(count)d).")
                % {"max": max_length, "count": len(value)}
            )
        return value

    return parse


def email() -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = _as_text(raw).lower()
        try:
            validate_email(value)
        except ValidationError:
            raise ImportValueError(
                _("“%(value)s” is not a valid e-mail address.") % {"value": value}
            ) from None
        return value

    return parse


def phone() -> Callable[[Any], str]:
    not_digit = re.compile(r"\D")
    foreign = re.compile(r"[^\d\s()+\-./#ext]", re.IGNORECASE)

    def parse(raw: Any) -> str:
        value = _as_text(raw).lstrip("'")
        digits = not_digit.sub("", value)
        if len(digits) < 5 or len(value) > 40 or foreign.search(value):
            raise ImportValueError(_("“%(value)s” is not a valid phone number.") % {"value": value})
        return value

    return parse


def decimal_number(
    *, max_digits: int = 18, decimal_places: int = 2, min_value: decimal.Decimal | int | None = 0
) -> Callable[[Any], decimal.Decimal]:
    def parse(raw: Any) -> decimal.Decimal:
        if isinstance(raw, int | float | decimal.Decimal) and not isinstance(raw, bool):
            value = decimal.Decimal(str(raw))
        else:
            cleaned = re.sub(r"[\s,，_]|[¥￥$€£]|CNY|RMB|USD|EUR", "", _as_text(raw), flags=re.IGNORECASE)
            try:
                value = decimal.Decimal(cleaned)
            except decimal.InvalidOperation:
                raise ImportValueError(_("“%(value)s” is not a number.") % {"value": _as_text(raw)}) from None
        if not value.is_finite():
            raise ImportValueError(_("“%(value)s” is not a number.") % {"value": _as_text(raw)})
        value = value.quantize(decimal.Decimal(1).scaleb(-decimal_places), rounding=decimal.ROUND_HALF_UP)
        if len(value.as_tuple().digits) > max_digits:
            raise ImportValueError(_("The number is too large."))
        if min_value is not None and value < min_value:
            raise ImportValueError(_("The number must be at least %(min)s.") % {"min": min_value})
        return value

    return parse


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%m/%d/%Y")


def date() -> Callable[[Any], datetime.date]:
    """Dates as Excel stores them, or written year first (2026-05-31, 2026/5/31, 2026年5月31日),
    or the US month/day/year of Salesforce exports. Day-first dates are refused as ambiguous."""

    def parse(raw: Any) -> datetime.date:
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        value = _as_text(raw).split(" ")[0].split("T")[0]
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a plain date
            except ValueError:
                continue
        raise ImportValueError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": _as_text(raw)}
        )

    return parse


def choice(
    choices: Sequence[tuple[str, Any]], *, synonyms: Mapping[str, str] | None = None
) -> Callable[[Any], str]:
    """A value of ``choices`` given as its code, its English or Chinese label, or a synonym."""
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[normalise(value)] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup.setdefault(normalise(str(label)), value)
    for word, value in (synonyms or {}).items():
        lookup.setdefault(normalise(word), value)

    known: dict[str, str] = {}  # cells already read: a column of choices repeats a few values

    def parse(raw: Any) -> str:
        if isinstance(raw, str):
            found = known.get(raw)
            if found is not None:
                return found
        found = lookup.get(normalise(_as_text(raw)))
        if found is not None and isinstance(raw, str) and len(known) < 4096:
            known[raw] = found
        if found is None:
            raise ImportValueError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": _as_text(raw), "allowed": ", ".join(str(v) for v, _label in choices)}
            )
        return found

    return parse


def code(pattern: str, message: str | Promise) -> Callable[[Any], str]:
    """An upper-cased code matching ``pattern`` (ISO currency, country, product line...)."""
    compiled = re.compile(pattern)

    def parse(raw: Any) -> str:
        value = _as_text(raw).upper()
        if not compiled.fullmatch(value):
            raise ImportValueError(str(message) % {"value": value})
        return value

    return parse


def normalise(header: Any) -> str:
    """A header reduced for matching: NFKC, lower case, no bracketed notes, letters and digits only."""
    value = unicodedata.normalize("NFKC", str(header or "")).casefold()
    value = re.sub(r"[(\[（【].*?[)\]）】]", "", value)
    return "".join(ch for ch in value if ch.isalnum())


# --- the importer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    """One target field: its name in ``cleaned``, a label, whether it is required, the headers it
    is recognised by (English, Chinese, other CRMs' exports) and the parser of its cells."""

    name: str
    label: str | Promise
    required: bool = False
    synonyms: tuple[str, ...] = ()
    parser: Callable[[Any], Any] | None = None
    help_text: str | Promise = ""

    def parse(self, raw: Any) -> Any:
        if self.parser is None:
            return _as_text(raw)
        return self.parser(raw)

    def match_keys(self) -> list[str]:
        keys = [normalise(self.name), normalise(self.name.replace("_", " "))]
        for language in ("en", "zh-hans"):
            with translation.override(language):
                keys.append(normalise(str(self.label)))
        keys.extend(normalise(s) for s in self.synonyms)
        return [k for k in keys if k]


@dataclass
class ImportRow:
    """One data row: its number in the file, the parsed values and what is wrong with it."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field name or "", message)
    duplicate: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.duplicate


class Importer(abc.ABC):
    """What an app declares to import one kind of record. Instances live for one run, so they
    may cache lookups (``prepare``) and remember keys seen earlier in the file."""

    kind: ClassVar[str] = ""
    label: ClassVar[str | Promise] = ""
    fields: ClassVar[tuple[ImportField, ...]] = ()
    batch_size: ClassVar[int] = 500
    template_name: ClassVar[str] = ""  # optional: a help text or sample layout for the upload page

    def __init__(self, *, actor: Any) -> None:
        self.actor = actor

    @classmethod
    def path(cls) -> str:
        return f"{cls.__module__}.{cls.__qualname__}"

    @classmethod
    def can_import(cls, user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False))

    def prepare(self) -> None:
        """Loads what every row needs (lookup tables) once per run. Optional hook."""
        return

    def validate_row(self, cleaned: dict[str, Any]) -> list[tuple[str, str]]:
        """Checks across fields; returns (field name or "", message) pairs."""
        return []

    def before_batch(self, rows: list[ImportRow]) -> None:
        """Called with each batch of valid rows before the duplicate checks, to look keys up in one
        query; it may add to ``row.errors`` (a value that refers to nothing, say). Optional hook."""
        return

    def duplicate_check(self, cleaned: dict[str, Any]) -> str:
        """A message when the row repeats an existing record (the row is then skipped)."""
        return ""

    @abc.abstractmethod
    def create_rows(self, batch: list[ImportRow], *, actor: Any) -> int:
        """Writes the good rows of one batch; returns how many records were created. May raise
        DomainError, in which case the engine retries row by row to find the bad ones."""

    # engine side ------------------------------------------------------------------------------

    def field_map(self) -> dict[str, ImportField]:
        return {f.name: f for f in self.fields}

    def _columns(self, mapping: dict[str, int]) -> list[tuple[ImportField, int | None]]:
        """Each field with its column, worked out once per mapping rather than once per row."""
        cached = getattr(self, "_columns_cache", None)
        if cached is not None and cached[0] is mapping and cached[1] == mapping:
            return cached[2]  # type: ignore[no-any-return]
        columns = [(spec, mapping.get(spec.name)) for spec in self.fields]
        self._columns_cache = (mapping, dict(mapping), columns)
        return columns

    def parse_row(self, number: int, cells: Sequence[Any], mapping: dict[str, int]) -> ImportRow:
        row = ImportRow(number=number)
        count = len(cells)
        for spec, index in self._columns(mapping):
            raw = cells[index] if index is not None and index < count else None
            # ``_blank`` inlined for text cells (``isspace`` is what ``strip`` removes).
            blank = (not raw or raw.isspace()) if raw.__class__ is str else _blank(raw)
            if blank:
                if spec.required:
                    row.errors.append((spec.name, _("This field is required.")))
                continue
            try:
                row.values[spec.name] = spec.parse(raw)
            except ImportValueError as exc:
                row.errors.append((spec.name, str(exc)))
            except ValidationError as exc:
                row.errors.append((spec.name, " ".join(str(m) for m in exc.messages)))
        if not row.errors:
            row.errors.extend(self.validate_row(row.values))
        return row

    def check_batch(self, rows: list[ImportRow]) -> None:
        good = [r for r in rows if not r.errors]
        if not good:
            return
        self.before_batch(good)
        for row in good:
            if not row.errors:  # before_batch may reject rows (an unknown owner, say)
                row.duplicate = self.duplicate_check(row.values)


# --- reading files -----------------------------------------------------------------------------


def detect_encoding(handle: IO[bytes]) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030; the whole file is checked in
    chunks so a bad byte deep in the file is found now rather than halfway through the run."""
    handle.seek(0)
    head = handle.read(4)
    handle.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        handle.seek(0)
        try:
            while chunk := handle.read(SAMPLE_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        handle.seek(0)
        return encoding
    raise DomainError(_("The file's text encoding was not recognised. Save it as “CSV UTF-8” and try again."))


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _lines(raw: IO[bytes], encoding: str) -> Iterator[str]:
    """Decodes a binary file lazily for csv.reader; newlines inside quoted cells are kept."""
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")  # type: ignore[type-var]
    try:
        yield from text
    finally:
        if not text.closed:
            text.detach()  # leave the storage file for its own context manager to close


@contextmanager
def open_rows(job: ImportJob) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    """The file's rows as (row number, cells), header included as row 1, blank rows skipped."""
    with job.file.open("rb") as handle:
        if job.file_format == "csv":
            yield _csv_rows(handle, job.encoding or "utf-8", job.delimiter or ",")
        else:
            from openpyxl import load_workbook

            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                yield _xlsx_rows(workbook)
            finally:
                workbook.close()


def _csv_rows(handle: IO[bytes], encoding: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    handle.seek(0)
    reader = csv.reader(_lines(handle, encoding), delimiter=delimiter)
    for number, cells in enumerate(reader, start=1):
        if number == 1 and cells and cells[0].startswith("\ufeff"):
            cells[0] = cells[0][1:]
        if any(c.strip() for c in cells):
            yield number, cells


def _xlsx_rows(workbook: Any) -> Iterator[tuple[int, list[Any]]]:
    sheet = workbook.worksheets[0]
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = list(cells)
        if any(not _blank(c) for c in values):
            yield number, values


def count_data_rows(job: ImportJob) -> int:
    """The number of data rows, for progress. Workbooks state their size in their dimension
    record (trailing blank rows included), which saves reading the sheet twice."""
    if job.file_format == "xlsx":
        from openpyxl import load_workbook

        with job.file.open("rb") as handle:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                max_row = workbook.worksheets[0].max_row
            finally:
                workbook.close()
        if max_row:
            return max(int(max_row) - 1, 0)
    with open_rows(job) as rows:
        return sum(1 for number, _cells in rows if number > 1)


# --- upload checks -----------------------------------------------------------------------------


def clean_filename(name: str) -> str:
    """The file name without any directory part or control characters."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    return name.strip().lstrip(".")[:200]


def _check_xlsx(handle: IO[bytes]) -> None:
    limit = getattr(settings, "OPENLTC_MAX_IMPORT_UNPACKED_BYTES", 20 * settings.OPENLTC_MAX_UPLOAD_BYTES)
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DomainError(_("The file is not a valid Excel workbook (.xlsx).")) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise DomainError(_("The file is not a valid Excel workbook (.xlsx)."))
    total = sum(m.file_size for m in members)
    too_packed = any(
        m.file_size > 1024 * 1024 and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1) for m in members
    )
    if len(members) > XLSX_MAX_MEMBERS or total > limit or too_packed:
        raise DomainError(
            _("The workbook would unpack to more than the allowed %(limit)s and cannot be imported.")
            % {"limit": filesizeformat(limit)}
        )
    handle.seek(0)


def _check_csv(handle: IO[bytes]) -> None:
    handle.seek(0)
    head = handle.read(8192)
    handle.seek(0)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if head.startswith(b"PK\x03\x04") or (b"\x00" in head and not utf16):
        raise DomainError(_("The file does not look like a CSV text file."))


def check_upload(upload: Any) -> tuple[str, str]:
    """Refuses files we will not read; returns the clean original name and the format."""
    if upload is None:
        raise DomainError(_("Choose a file to import."))
    name = clean_filename(upload.name)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EXTENSIONS:
        raise DomainError(
            _(
                "Only .csv and .xlsx files can be imported. Save the file in one of these formats and try again."
            )
        )
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type and content_type not in EXTENSIONS[ext]:
        raise DomainError(
            _("The file type “%(type)s” does not match a .%(ext)s file.") % {"type": content_type, "ext": ext}
        )
    limit = settings.OPENLTC_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise DomainError(
            _("The file is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size or 0), "limit": filesizeformat(limit)}
        )
    if upload.size == 0:
        raise DomainError(_("The file is empty."))
    if ext == "xlsx":
        _check_xlsx(upload)
    else:
        _check_csv(upload)
    return name, ext


def auto_map(fields: Sequence[ImportField], headers: Sequence[str]) -> dict[str, int]:
    """Maps each field to the first unused column whose normalised header it recognises."""
    keys = {f.name: f.match_keys() for f in fields}
    normalised = [normalise(h) for h in headers]
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for spec in fields:  # exact name/label first, then synonyms, in field order
        for key in keys[spec.name]:
            index = next((i for i, h in enumerate(normalised) if h == key and i not in used), None)
            if index is not None:
                mapping[spec.name] = index
                used.add(index)
                break
    return mapping


# --- services ----------------------------------------------------------------------------------


@transaction.atomic
def import_upload(*, actor: Any, importer: type[Importer], upload: Any, mode: str) -> ImportJob:
    """Checks and stores the file, reads its header row and guesses the column mapping."""
    if not importer.can_import(actor):
        raise DomainError(_("You may not import these records."))
    if mode not in ImportJob.Mode.values:
        raise DomainError(_("Choose how to handle rows with errors."))
    name, ext = check_upload(upload)
    encoding = delimiter = ""
    if ext == "csv":
        encoding = detect_encoding(upload)
        first = codecs.getreader(encoding)(upload).readline()
        upload.seek(0)
        delimiter = sniff_delimiter(first)
    job = ImportJob(
        user=actor,
        kind=importer.kind,
        original_filename=name,
        file_format=ext,
        encoding=encoding,
        delimiter=delimiter,
        mode=mode,
    )
    upload.seek(0)
    job.file.save(f"{uuid.uuid4().hex}.{ext}", File(upload), save=False)
    try:
        with open_rows(job) as rows:
            number, header = next(rows, (0, []))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, UnicodeDecodeError, csv.Error):
        job.file.delete(save=False)
        raise DomainError(
            _("The file could not be read. Check that it is a valid .csv or .xlsx file.")
        ) from None
    if number != 1:
        job.file.delete(save=False)
        raise DomainError(_("The first row must hold the column headings."))
    job.headers = [_as_text(h) if not _blank(h) else "" for h in header]
    job.mapping = auto_map(importer.fields, job.headers)
    job.save()
    record_event(
        actor=actor,
        action="import.uploaded",
        subject=job,
        after={"kind": job.kind, "file": job.original_filename},
    )
    return job


def clean_mapping(importer: type[Importer], job: ImportJob, mapping: dict[str, Any]) -> dict[str, int]:
    """A user's mapping checked: real columns, each column used once, required fields present."""
    result: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    used: dict[int, str] = {}
    for spec in importer.fields:
        raw = mapping.get(spec.name)
        if raw in (None, ""):
            if spec.required:
                errors[spec.name] = [
                    _("Choose the column for “%(field)s”; it is required.") % {"field": spec.label}
                ]
            continue
        try:
            index = int(str(raw))
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(job.headers):
            errors[spec.name] = [_("Choose one of the file's columns.")]
            continue
        if index in used:
            errors[spec.name] = [
                _("Column “%(column)s” is already used for “%(field)s”.")
                % {"column": job.headers[index] or index + 1, "field": used[index]}
            ]
            continue
        used[index] = str(spec.label)
        result[spec.name] = index
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, field_errors=errors)
    return result


def _lock_job(job: ImportJob, actor: Any) -> ImportJob:
    try:
        return ImportJob.objects.select_for_update().get(pk=job.pk, user=actor)
    except ImportJob.DoesNotExist:
        raise NotFound(_("Not found.")) from None


@transaction.atomic
def import_set_mapping(
    *, actor: Any, importer: type[Importer], job: ImportJob, mapping: dict[str, Any], mode: str
) -> ImportJob:
    """Stores the confirmed column mapping and mode; the job is then ready to start."""
    job = _lock_job(job, actor)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.PREVIEWED):
        raise DomainError(_("This import has already been started."))
    if mode not in ImportJob.Mode.values:
        raise DomainError(_("Choose how to handle rows with errors."))
    before = {"mapping": job.mapping, "mode": job.mode, "status": job.status}
    job.mapping = clean_mapping(importer, job, mapping)
    job.mode = mode
    job.status = ImportJob.Status.PREVIEWED
    job.save(update_fields=["mapping", "mode", "status", "updated_at"])
    record_event(
        actor=actor,
        action="import.mapped",
        subject=job,
        before=before,
        after={"mapping": job.mapping, "mode": job.mode, "status": job.status},
    )
    return job


@transaction.atomic
def import_start(*, actor: Any, importer: type[Importer], job: ImportJob) -> ImportJob:
    """Queues the run; the background task starts once this transaction commits."""
    job = _lock_job(job, actor)
    if job.status != ImportJob.Status.PREVIEWED:
        if job.status == ImportJob.Status.UPLOADED:
            raise DomainError(_("Confirm the column mapping before starting the import."))
        raise DomainError(_("This import has already been started."))
    clean_mapping(importer, job, job.mapping)
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="import.queued",
        subject=job,
        before={"status": ImportJob.Status.PREVIEWED},
        after={"status": job.status},
    )
    job_id, path = str(job.pk), importer.path()

    def _enqueue() -> None:
        from openltc.core.tasks_imports import run_import_task

        run_import_task.enqueue(job_id=job_id, importer_path=path)

    transaction.on_commit(_enqueue)
    return job


# --- selectors ---------------------------------------------------------------------------------


def import_job_get(*, user: Any, pk: Any, kind: str) -> ImportJob:
    """One of the user's own import jobs of this kind; anything else is not found."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("Not found."))
    try:
        return ImportJob.objects.get(pk=pk, user=user, kind=kind)
    except (ImportJob.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None


def import_jobs_recent(*, user: Any, kind: str, limit: int = 10) -> models.QuerySet[ImportJob]:
    return ImportJob.objects.filter(user=user, kind=kind).order_by("-created_at")[:limit]


@dataclass
class Preview:
    headers: list[str]
    rows: list[dict[str, Any]]  # {"number", "cells": [display values per field], "errors", "duplicate"}
    checked: int
    problems: list[tuple[int, str, str]]  # (row, column, message) over the first checked rows


def column_name(importer: type[Importer], job: ImportJob, field_name: str) -> str:
    """How a problem's column is named in the report: the file's header, else the field label."""
    index = job.mapping.get(field_name)
    if isinstance(index, int) and 0 <= index < len(job.headers) and job.headers[index]:
        return str(job.headers[index])
    spec = next((f for f in importer.fields if f.name == field_name), None)
    return str(spec.label) if spec else ""


def import_preview(*, importer: type[Importer], job: ImportJob, actor: Any) -> Preview:
    """The first rows as the mapping reads them, and the problems in the first rows."""
    engine = importer(actor=actor)
    engine.prepare()
    rows: list[ImportRow] = []
    with open_rows(job) as stream:
        for number, cells in stream:
            if number == 1:
                continue
            rows.append(engine.parse_row(number, cells, job.mapping))
            if len(rows) >= PREVIEW_VALIDATE_ROWS:
                break
    engine.check_batch(rows)
    shown = []
    for row in rows[:PREVIEW_ROWS]:
        shown.append(
            {
                "number": row.number,
                "cells": [_display(row.values.get(f.name)) for f in importer.fields],
                "errors": row.errors,
                "duplicate": row.duplicate,
            }
        )
    problems = [(r.number, column_name(importer, job, f), m) for r in rows for f, m in r.errors]
    problems += [(r.number, "", r.duplicate) for r in rows if r.duplicate and not r.errors]
    problems.sort(key=lambda p: p[0])
    return Preview(headers=job.headers, rows=shown, checked=len(rows), problems=problems)


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def save_row_errors(job: ImportJob, importer: type[Importer], rows: list[ImportRow], stored: int) -> int:
    """Stores the problems of ``rows`` (up to MAX_STORED_ERRORS per job); returns the new total."""
    items = []
    for row in rows:
        for field_name, message in row.errors:
            items.append(
                ImportRowError(
                    job=job,
                    row_number=row.number,
                    column=column_name(importer, job, field_name)[:200] if field_name else "",
                    kind=ImportRowError.Kind.ERROR,
                    message=str(message)[:500],
                )
            )
        if row.duplicate and not row.errors:
            items.append(
                ImportRowError(
                    job=job,
                    row_number=row.number,
                    kind=ImportRowError.Kind.DUPLICATE,
                    message=row.duplicate[:500],
                )
            )
    room = max(MAX_STORED_ERRORS - stored, 0)
    if room and items:
        ImportRowError.objects.bulk_create(items[:room])
    return stored + min(room, len(items))


# --- views -------------------------------------------------------------------------------------
# Generic pages an app mounts for its importer with ``import_urls(LeadImporter, prefix="leads")``:
# upload -> mapping and preview -> status (polled by HTMX) -> error report download.


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "A .csv file (UTF-8 or GB18030) or an .xlsx workbook; the first row holds the headings."
        ),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Rows with errors"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


def mapping_form_class(importer: type[Importer], job: ImportJob) -> type[forms.Form]:
    columns: list[tuple[str, str]] = [("", _("— not imported —"))]
    columns += [(str(i), h or _("Column %(number)d") % {"number": i + 1}) for i, h in enumerate(job.headers)]
    attrs: dict[str, Any] = {
        f"map_{spec.name}": forms.ChoiceField(
            label=str(spec.label), choices=columns, required=False, help_text=str(spec.help_text)
        )
        for spec in importer.fields
    }
    attrs["mode"] = forms.ChoiceField(
        label=gettext_lazy("Rows with errors"), choices=ImportJob.Mode.choices, widget=forms.RadioSelect
    )
    return type("MappingForm", (forms.Form,), attrs)


def _names(prefix: str, request: HttpRequest | None = None) -> dict[str, str]:
    """URL names of the import pages; inside a namespaced include they carry the namespace."""
    match = getattr(request, "resolver_match", None)
    namespace = f"{match.namespace}:" if match is not None and match.namespace else ""
    return {key: f"{namespace}{prefix}_import_{key}" for key in ("upload", "preview", "status", "errors")}


def _job_or_404(request: HttpRequest, importer: type[Importer], pk: Any) -> ImportJob:
    try:
        return import_job_get(user=request.user, pk=pk, kind=importer.kind)
    except NotFound:
        raise Http404(_("Not found.")) from None


@login_required
def upload_view(request: HttpRequest, *, importer: type[Importer], prefix: str) -> HttpResponse:
    if not importer.can_import(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_upload(
                actor=request.user,
                importer=importer,
                upload=form.cleaned_data["file"],
                mode=form.cleaned_data["mode"],
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect(_names(prefix, request)["preview"], pk=job.pk)
    context = {
        "form": form,
        "importer": importer,
        "fields": importer.fields,
        "urls": _names(prefix, request),
        "jobs": import_jobs_recent(user=request.user, kind=importer.kind),
        "max_bytes": settings.OPENLTC_MAX_UPLOAD_BYTES,
    }
    return render(request, "core/import_upload.html", context, status=400 if form.errors else 200)


@login_required
def preview_view(request: HttpRequest, pk: Any, *, importer: type[Importer], prefix: str) -> HttpResponse:
    job = _job_or_404(request, importer, pk)
    urls = _names(prefix, request)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.PREVIEWED):
        return redirect(urls["status"], pk=job.pk)
    form_class = mapping_form_class(importer, job)
    initial = {f"map_{name}": str(index) for name, index in job.mapping.items()}
    form = form_class(request.POST or None, initial={**initial, "mode": job.mode})
    if request.method == "POST" and form.is_valid():
        mapping = {spec.name: form.cleaned_data[f"map_{spec.name}"] for spec in importer.fields}
        try:
            job = import_set_mapping(
                actor=request.user,
                importer=importer,
                job=job,
                mapping=mapping,
                mode=form.cleaned_data["mode"],
            )
            if request.POST.get("action") == "start":
                import_start(actor=request.user, importer=importer, job=job)
                return redirect(urls["status"], pk=job.pk)
        except DomainError as exc:
            for name, messages in exc.field_errors.items():
                for message in messages:
                    form.add_error(f"map_{name}" if f"map_{name}" in form.fields else None, message)
            if not exc.field_errors:
                form.add_error(None, exc.message)
        else:
            return redirect(urls["preview"], pk=job.pk)
    try:
        preview = import_preview(importer=importer, job=job, actor=request.user)
    except DomainError as exc:
        preview = None
        form.add_error(None, exc.message)
    context = {"job": job, "form": form, "preview": preview, "importer": importer, "urls": urls}
    return render(request, "core/import_preview.html", context, status=400 if form.errors else 200)


@login_required
def status_view(request: HttpRequest, pk: Any, *, importer: type[Importer], prefix: str) -> HttpResponse:
    job = _job_or_404(request, importer, pk)
    context = {
        "job": job,
        "importer": importer,
        "urls": _names(prefix, request),
        "problems": job.row_errors.all()[:100],
    }
    template = "core/import_progress.html" if htmx_partial(request) else "core/import_status.html"
    return render(request, template, context)


@login_required
def errors_view(request: HttpRequest, pk: Any, *, importer: type[Importer], prefix: str) -> HttpResponseBase:
    job = _job_or_404(request, importer, pk)
    columns = [
        Column(_("Row"), "row_number"),
        Column(_("Column"), "column"),
        Column(_("Kind"), "get_kind_display"),
        Column(_("Message"), "message"),
    ]
    suffix = _("errors")
    name = f"{job.original_filename.rsplit('.', 1)[0]}-{suffix}"
    return export_response(
        queryset=job.row_errors.order_by("row_number", "id"), columns=columns, filename=name, fmt="csv"
    )


def import_urls(importer: type[Importer], *, prefix: str) -> list[URLPattern]:
    """URL patterns for one importer, named ``<prefix>_import_upload|preview|status|errors``."""
    kwargs = {"importer": importer, "prefix": prefix}
    names = _names(prefix)
    return [
        path("", upload_view, kwargs, name=names["upload"]),
        path("<uuid:pk>/", preview_view, kwargs, name=names["preview"]),
        path("<uuid:pk>/status/", status_view, kwargs, name=names["status"]),
        path("<uuid:pk>/errors.csv", errors_view, kwargs, name=names["errors"]),
    ]
