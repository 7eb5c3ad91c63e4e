"""Running an import in the background (django-tasks), batch by batch, with progress.

"All or nothing" reads the file twice: first every row is checked and the problems recorded;
only when there are none is the file read again and written in one transaction. "Valid rows"
reads it once, writing each batch's good rows in its own transaction and reporting the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from openltc.core.audit import record_event
from openltc.core.errors import DomainError
from openltc.core.imports import (
    Importer,
    ImportRow,
    count_data_rows,
    open_rows,
    save_row_errors,
)
from openltc.core.models import ImportJob

logger = logging.getLogger(__name__)
ROW_FAILURES = (DomainError, ValidationError, IntegrityError)


@task()
def run_import_task(*, job_id: str, importer_path: str) -> str:
    """Runs one queued import job; returns its final status."""
    importer = import_string(importer_path)
    if not (isinstance(importer, type) and issubclass(importer, Importer)):
        raise TypeError(f"{importer_path} is not an Importer")
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    return run_import(job, importer)


class _Rollback(Exception):
    """Leaves the all-or-nothing transaction when a row fails while writing."""

    def __init__(self, rows: list[ImportRow]) -> None:
        super().__init__("row failed while writing")
        self.rows = rows


class _Run:
    def __init__(self, job: ImportJob, importer: type[Importer]) -> None:
        self.job = job
        self.importer = importer
        self.stored_errors = 0
        self.total = 0

    def batches(self, engine: Importer) -> Iterator[list[ImportRow]]:
        batch: list[ImportRow] = []
        with open_rows(self.job) as rows:
            for number, cells in rows:
                if number == 1:
                    continue
                batch.append(engine.parse_row(number, cells, self.job.mapping))
                if len(batch) >= self.importer.batch_size:
                    engine.check_batch(batch)
                    yield batch
                    batch = []
        if batch:
            engine.check_batch(batch)
            yield batch

    def progress(self, processed: int, *, share: float = 1.0, offset: float = 0.0, **counters: int) -> None:
        percent = offset + share * (processed / self.total * 100 if self.total else 100)
        ImportJob.objects.filter(pk=self.job.pk).update(
            processed_rows=processed, progress=min(int(percent), 99), **counters
        )

    def store(self, rows: list[ImportRow]) -> None:
        self.stored_errors = save_row_errors(self.job, self.importer, rows, self.stored_errors)

    def write(self, engine: Importer, rows: list[ImportRow]) -> tuple[int, list[ImportRow]]:
        """Creates the good rows; when the batch is refused, row by row to find the bad ones."""
        good = [r for r in rows if r.ok]
        if not good:
            return 0, []
        try:
            with transaction.atomic():
                return engine.create_rows(good, actor=self.job.user), []
        except ROW_FAILURES:
            pass
        created, failed = 0, []
        for row in good:
            try:
                with transaction.atomic():
                    created += engine.create_rows([row], actor=self.job.user)
            except ROW_FAILURES as exc:
                row.errors.extend(_row_errors(exc, engine))
                failed.append(row)
        return created, failed

    def all_or_nothing(self) -> dict[str, int]:
        processed = errors = 0
        checker = self.importer(actor=self.job.user)
        checker.prepare()
        for batch in self.batches(checker):
            processed += len(batch)
            bad = [r for r in batch if r.errors]
            errors += len(bad)
            self.store(bad)
            self.progress(processed, share=0.5, error_rows=errors)
        if errors:
            return {"processed_rows": processed, "error_rows": errors, "created_rows": 0, "skipped_rows": 0}
        created = skipped = 0
        writer = self.importer(actor=self.job.user)
        writer.prepare()
        try:
            with transaction.atomic():
                for batch in self.batches(writer):
                    skipped += sum(1 for r in batch if r.duplicate)
                    count, failed = self.write(writer, batch)
                    if failed:
                        raise _Rollback(failed)
                    created += count
        except _Rollback as stop:
            self.store(stop.rows)
            return {
                "processed_rows": processed,
                "error_rows": len(stop.rows),
                "created_rows": 0,
                "skipped_rows": 0,
            }
        return {
            "processed_rows": processed,
            "error_rows": 0,
            "created_rows": created,
            "skipped_rows": skipped,
        }

    def valid_rows(self) -> dict[str, int]:
        counters = {"processed_rows": 0, "error_rows": 0, "created_rows": 0, "skipped_rows": 0}
        engine = self.importer(actor=self.job.user)
        engine.prepare()
        for batch in self.batches(engine):
            created, _failed = self.write(engine, batch)
            bad = [r for r in batch if r.errors]
            self.store([r for r in batch if r.errors or r.duplicate])
            counters["processed_rows"] += len(batch)
            counters["created_rows"] += created
            counters["error_rows"] += len(bad)
            counters["skipped_rows"] += sum(1 for r in batch if r.duplicate and not r.errors)
            self.progress(
                counters["processed_rows"],
                error_rows=counters["error_rows"],
                created_rows=counters["created_rows"],
                skipped_rows=counters["skipped_rows"],
            )
        return counters


def _row_errors(exc: Exception, engine: Importer) -> list[tuple[str, str]]:
    known = engine.field_map()
    if isinstance(exc, DomainError):
        if exc.field_errors:
            return [
                (name if name in known else "", str(message))
                for name, messages in exc.field_errors.items()
                for message in messages
            ]
        return [("", exc.message)]
    if isinstance(exc, ValidationError):
        return [("", " ".join(str(m) for m in exc.messages))]
    return [("", _("The row conflicts with an existing record."))]


def _outcome_message(job: ImportJob, counters: dict[str, int]) -> str:
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING and counters["error_rows"]:
        return ngettext(
            "%(count)d row has errors, so nothing was imported. Correct the file and import it again.",
            "%(count)d rows have errors, so nothing was imported. Correct the file and import it again.",
            counters["error_rows"],
        ) % {"count": counters["error_rows"]}
    return _(
        "Import finished: %(created)d created, %(skipped)d skipped as duplicates, %(errors)d rows with errors."
    ) % {
        "created": counters["created_rows"],
        "skipped": counters["skipped_rows"],
        "errors": counters["error_rows"],
    }


def run_import(job: ImportJob, importer: type[Importer]) -> str:
    """Runs a queued job to the end; a job that is not queued is left alone."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), progress=0
    )
    if not claimed:
        return str(ImportJob.objects.values_list("status", flat=True).get(pk=job.pk))
    job.refresh_from_db()
    run = _Run(job, importer)
    try:
        run.total = count_data_rows(job)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=run.total)
        if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            counters = run.all_or_nothing()
        else:
            counters = run.valid_rows()
        counters["total_rows"] = counters["processed_rows"]  # exact now; the workbook size was an estimate
        failed = job.mode == ImportJob.Mode.ALL_OR_NOTHING and counters["error_rows"] > 0
        status = ImportJob.Status.FAILED if failed else ImportJob.Status.DONE
        message = _outcome_message(job, counters)
    except Exception:
        logger.exception("import job %s stopped", job.pk)
        counters = {}
        status = ImportJob.Status.FAILED
        message = _("The import stopped because of an unexpected error.")
        if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            message += " " + _("Nothing was imported.")
        else:
            message += " " + _("Rows before the error may have been imported; see the counters.")
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=status, progress=100, finished_at=timezone.now(), message=message[:500], **counters
        )
        job.refresh_from_db()
        record_event(
            actor=job.user,
            action="import.finished" if status == ImportJob.Status.DONE else "import.failed",
            subject=job,
            before={"status": ImportJob.Status.RUNNING},
            after={
                "status": status,
                "created": job.created_rows,
                "skipped": job.skipped_rows,
                "errors": job.error_rows,
            },
            message=message,
        )
    return str(status)
