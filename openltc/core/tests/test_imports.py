from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path
from openpyxl import Workbook

from openltc.config.urls import urlpatterns as project_urls
from openltc.core.errors import DomainError
from openltc.core.imports import (
    Importer,
    ImportField,
    ImportRow,
    auto_map,
    choice,
    clean_mapping,
    date,
    decimal_number,
    email,
    import_preview,
    import_set_mapping,
    import_start,
    import_upload,
    import_urls,
    normalise,
    text,
)
from openltc.core.models import AuditEvent, ImportJob, ImportRowError
from openltc.core.tasks_imports import run_import
from openltc.org.models import OrgUnit

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnitImporter(Importer):
    """A small importer over OrgUnit, so the engine is tested without any business app."""

    kind = "units"
    label = "units"
    batch_size = 50
    fields = (
        ImportField("code", "Code", required=True, synonyms=("编码", "Unit code"), parser=text(32)),
        ImportField(
            "name", "Name", required=True, synonyms=("名称", "Company", "公司名称"), parser=text(120)
        ),
        ImportField("kind", "Kind", synonyms=("类型",), parser=choice(OrgUnit.Kind.choices)),
        ImportField("budget", "Budget", synonyms=("Expected Revenue", "预算"), parser=decimal_number()),
        ImportField("starts", "Start date", synonyms=("开始日期",), parser=date()),
        ImportField("email", "E-mail", synonyms=("邮箱",), parser=email()),
    )

    def prepare(self) -> None:
        self.seen: set[str] = set()
        self.existing: set[str] = set()

    def validate_row(self, cleaned: dict[str, Any]) -> list[tuple[str, str]]:
        if cleaned["code"].startswith("X"):
            return [("code", "Codes must not start with X.")]
        return []

    def before_batch(self, rows: list[ImportRow]) -> None:
        codes = [r.values["code"].upper() for r in rows]
        self.existing = set(OrgUnit.objects.filter(code__in=codes).values_list("code", flat=True))

    def duplicate_check(self, cleaned: dict[str, Any]) -> str:
        key = cleaned["code"].upper()
        if key in self.existing or key in self.seen:
            return f"Unit {key} already exists."
        self.seen.add(key)
        return ""

    def create_rows(self, batch: list[ImportRow], *, actor: Any) -> int:
        units = []
        for row in batch:
            if row.values["name"] == "BOOM":
                raise DomainError(
                    "The name BOOM is refused.", field_errors={"name": ["The name BOOM is refused."]}
                )
            unit = OrgUnit(
                code=row.values["code"].upper(), name=row.values["name"], kind=row.values.get("kind", "team")
            )
            unit.path = unit.compute_path()
            units.append(unit)
        OrgUnit.objects.bulk_create(units)
        return len(units)


urlpatterns = [
    *project_urls,
    path("units/import/", include(import_urls(UnitImporter, prefix="units"))),
    path("ns/import/", include((import_urls(UnitImporter, prefix="units"), "someapp"))),
]

HEADER = ["Code", "Name", "Kind", "Budget", "Start date", "E-mail"]


def csv_upload(
    rows: list[list[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    name: str = "units.csv",
    header: list[str] | None = None,
    content_type: str = "text/csv",
) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([header or HEADER, *rows])
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type=content_type)


def xlsx_upload(
    rows: list[list[Any]], *, header: list[str] | None = None, name: str = "units.xlsx"
) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_TYPE)


def run(job: ImportJob, user: Any, *, mode: str | None = None) -> ImportJob:
    job = import_set_mapping(
        actor=user, importer=UnitImporter, job=job, mapping=job.mapping, mode=mode or job.mode
    )
    job = import_start(actor=user, importer=UnitImporter, job=job)
    run_import(job, UnitImporter)
    job.refresh_from_db()
    return job


def problems(job: ImportJob) -> list[tuple[int, str, str, str]]:
    return list(job.row_errors.values_list("row_number", "column", "kind", "message"))


GOOD = [
    ["IM-A", "上海电气", "team", "1,200.50", "2026-05-31", "a@example.com"],
    ["IM-B", "Shanghai B", "Office", "¥300", "2026/6/1", ""],
]
BAD = [
    ["IM-C", "", "team", "12", "2026-05-31", "c@example.com"],  # row 4: name missing
    ["IM-D", "D", "planet", "abc", "31/05/2026", "not-an-email"],  # row 5: four problems
    ["XH-E", "E", "team", "1", "", ""],  # row 6: cross-field rule
]


# --- mapping and parsing -----------------------------------------------------------------------


def test_normalise_ignores_case_spacing_punctuation_and_bracketed_notes():
    assert normalise(" E-Mail (work) ") == "email"
    assert normalise("Lead_Source*") == "leadsource"
    assert normalise("公司名称（必填）") == "公司名称"


def test_auto_map_uses_names_labels_and_synonyms_in_both_languages():
    headers = ["邮箱", "Company", "unit code", "Expected Revenue", "Ignored", "开始日期"]
    assert auto_map(UnitImporter.fields, headers) == {
        "email": 0,
        "name": 1,
        "code": 2,
        "budget": 3,
        "starts": 5,
    }


def test_clean_mapping_requires_required_fields_and_one_field_per_column(rep):
    job = ImportJob(headers=["a", "b"])
    with pytest.raises(DomainError, match="Choose the column for “Name”; it is required.") as info:
        clean_mapping(UnitImporter, job, {"code": "0"})
    assert set(info.value.field_errors) == {"name"}
    with pytest.raises(DomainError, match="Column “a” is already used for “Code”."):
        clean_mapping(UnitImporter, job, {"code": "0", "name": "0"})
    with pytest.raises(DomainError, match="Choose one of the file's columns."):
        clean_mapping(UnitImporter, job, {"code": "0", "name": "7"})


# --- upload checks -----------------------------------------------------------------------------


def test_upload_stores_the_file_detects_headers_and_maps(rep):
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(GOOD), mode="valid_rows")

    assert job.status == ImportJob.Status.UPLOADED
    assert (job.file_format, job.encoding, job.delimiter) == ("csv", "utf-8", ",")
    assert job.headers == HEADER
    assert job.mapping == {"code": 0, "name": 1, "kind": 2, "budget": 3, "starts": 4, "email": 5}
    assert AuditEvent.objects.filter(action="import.uploaded", subject_id=str(job.pk)).exists()


def test_path_parts_in_the_file_name_are_never_used(rep):
    upload = csv_upload(GOOD, name="..\\..\\windows\\units.csv")
    upload.name = "../../etc/units.csv"  # set after Django's own basename() clean-up

    job = import_upload(actor=rep, importer=UnitImporter, upload=upload, mode="valid_rows")

    assert job.original_filename == "units.csv"
    assert job.file.name.startswith("imports/")
    assert ".." not in job.file.name
    assert job.file.name.endswith(".csv")


@pytest.mark.parametrize(
    ("name", "content_type", "payload", "message"),
    [
        ("units.xls", "application/vnd.ms-excel", b"x", "Only .csv and .xlsx files can be imported."),
        ("units.exe", "application/octet-stream", b"MZ", "Only .csv and .xlsx files can be imported."),
        ("units.csv", "text/html", b"Code,Name\n", "The file type “text/html” does not match a .csv file."),
        ("units.xlsx", XLSX_TYPE, b"Code,Name\n", "The file is not a valid Excel workbook (.xlsx)."),
        ("units.csv", "text/csv", b"PK\x03\x04zip", "The file does not look like a CSV text file."),
        ("units.csv", "text/csv", b"Co\x00de", "The file does not look like a CSV text file."),
        ("units.csv", "text/csv", b"", "The file is empty."),
        (
            "units.csv",
            "text/csv",
            b"\xff\xfe\xfd\x80\x81\xfe\xff",
            "The file's text encoding was not recognised.",
        ),
    ],
)
def test_files_we_will_not_read_are_refused(rep, name, content_type, payload, message):
    with pytest.raises(
        DomainError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        import_upload(
            actor=rep,
            importer=UnitImporter,
            upload=SimpleUploadedFile(name, payload, content_type=content_type),
            mode="valid_rows",
        )
    assert not ImportJob.objects.exists()


def test_oversize_file_is_refused(rep, settings):
    settings.OPENLTC_MAX_UPLOAD_BYTES = 1024
    upload = csv_upload([["C" + str(i), "N" * 50] for i in range(40)])

    with pytest.raises(
        DomainError, match=r"The file is too large \(2\.2\xa0KB\)\. The limit is 1\.0\xa0KB\."
    ):
        import_upload(actor=rep, importer=UnitImporter, upload=upload, mode="valid_rows")


def test_zip_bomb_workbook_is_refused(rep):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    assert len(buffer.getvalue()) < 50_000

    with pytest.raises(DomainError, match="The workbook would unpack to more than the allowed"):
        import_upload(
            actor=rep,
            importer=UnitImporter,
            upload=SimpleUploadedFile("bomb.xlsx", buffer.getvalue(), content_type=XLSX_TYPE),
            mode="valid_rows",
        )


def test_header_only_or_blank_first_row_is_refused(rep):
    upload = SimpleUploadedFile("units.csv", b"\r\n\r\nCode,Name\r\nA,B\r\n", content_type="text/csv")
    with pytest.raises(DomainError, match="The first row must hold the column headings."):
        import_upload(actor=rep, importer=UnitImporter, upload=upload, mode="valid_rows")


# --- running -----------------------------------------------------------------------------------


def test_all_or_nothing_reports_exact_row_errors_and_writes_nothing(rep):
    job = import_upload(
        actor=rep, importer=UnitImporter, upload=csv_upload(GOOD + BAD), mode="all_or_nothing"
    )

    job = run(job, rep)

    assert job.status == ImportJob.Status.FAILED
    assert not OrgUnit.objects.filter(code__startswith="IM-").exists()
    assert (job.total_rows, job.processed_rows, job.error_rows, job.created_rows) == (5, 5, 3, 0)
    assert job.message == "3 rows have errors, so nothing was imported. Correct the file and import it again."
    assert problems(job) == [
        (4, "Name", "error", "This field is required."),
        (5, "Kind", "error", "“planet” is not one of: company, region, office, team."),
        (5, "Budget", "error", "“abc” is not a number."),
        (5, "Start date", "error", "“31/05/2026” is not a date; write it as YYYY-MM-DD."),
        (5, "E-mail", "error", "“not-an-email” is not a valid e-mail address."),
        (6, "Code", "error", "Codes must not start with X."),
    ]
    assert AuditEvent.objects.filter(action="import.failed", subject_id=str(job.pk)).exists()


def test_all_or_nothing_writes_everything_when_all_rows_are_good(rep):
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(GOOD), mode="all_or_nothing")

    job = run(job, rep)

    assert job.status == ImportJob.Status.DONE
    assert (job.created_rows, job.progress) == (2, 100)
    assert OrgUnit.objects.get(code="IM-B").kind == "office"  # matched by label, case-insensitively
    assert OrgUnit.objects.get(code="IM-A").name == "上海电气"


def test_all_or_nothing_rolls_back_when_a_row_fails_while_writing(rep):
    rows = GOOD + [["IM-Z", "BOOM", "team", "", "", ""]]
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(rows), mode="all_or_nothing")

    job = run(job, rep)

    assert job.status == ImportJob.Status.FAILED
    assert not OrgUnit.objects.filter(code__startswith="IM-").exists()
    assert problems(job) == [(4, "Name", "error", "The name BOOM is refused.")]


def test_valid_rows_mode_writes_good_rows_and_reports_bad_and_duplicate_ones(rep, org):
    rows = (
        GOOD
        + BAD
        + [
            ["im-a", "again in file", "team", "", "", ""],
            ["GZ", "exists", "", "", "", ""],
            ["IM-Z", "BOOM", "team", "", "", ""],
        ]
    )
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(rows), mode="valid_rows")

    job = run(job, rep)

    assert job.status == ImportJob.Status.DONE
    assert sorted(OrgUnit.objects.filter(code__startswith="IM-").values_list("code", flat=True)) == [
        "IM-A",
        "IM-B",
    ]
    assert (job.created_rows, job.skipped_rows, job.error_rows, job.processed_rows) == (2, 2, 4, 8)
    assert job.message == "Import finished: 2 created, 2 skipped as duplicates, 4 rows with errors."
    report = problems(job)
    assert (7, "", "duplicate", "Unit IM-A already exists.") in report
    assert (8, "", "duplicate", "Unit GZ already exists.") in report
    assert (9, "Name", "error", "The name BOOM is refused.") in report
    assert (4, "Name", "error", "This field is required.") in report


def test_gb18030_csv_with_chinese_headers_and_semicolons(rep):
    header = ["编码", "公司名称", "类型", "预算", "开始日期", "邮箱"]
    rows = [["IM-G", "华东分公司", "团队", "1000", "2026年5月31日", "x@example.com"]]
    upload = csv_upload(rows, header=header, encoding="gb18030", delimiter=";")
    job = import_upload(actor=rep, importer=UnitImporter, upload=upload, mode="all_or_nothing")

    assert (job.encoding, job.delimiter) == ("gb18030", ";")
    assert job.mapping == {"code": 0, "name": 1, "kind": 2, "budget": 3, "starts": 4, "email": 5}
    job = run(job, rep)

    assert job.status == ImportJob.Status.DONE, problems(job)
    unit = OrgUnit.objects.get(code="IM-G")
    assert (unit.name, unit.kind) == ("华东分公司", "team")


def test_utf8_bom_csv_and_blank_rows_keep_file_row_numbers(rep):
    payload = "\ufeffCode,Name\r\nIM-A,A\r\n,\r\n\r\nIM-B,\r\n".encode()
    job = import_upload(
        actor=rep,
        importer=UnitImporter,
        upload=SimpleUploadedFile("u.csv", payload, content_type="text/csv"),
        mode="valid_rows",
    )
    assert (job.encoding, job.headers) == ("utf-8-sig", ["Code", "Name"])

    job = run(job, rep)

    assert problems(job) == [(5, "Name", "error", "This field is required.")]
    assert job.created_rows == 1


def test_xlsx_import_with_typed_cells(rep):
    import datetime

    rows = [
        ["IM-X1", "Excel unit", "Team", 1200.5, datetime.datetime(2026, 5, 31), None],  # noqa: DTZ001
        [12345, "Numeric code", "team", None, None, None],
    ]
    job = import_upload(actor=rep, importer=UnitImporter, upload=xlsx_upload(rows), mode="all_or_nothing")

    assert job.file_format == "xlsx"
    job = run(job, rep)

    assert (job.total_rows, job.processed_rows) == (2, 2)
    assert job.status == ImportJob.Status.DONE, problems(job)
    assert set(OrgUnit.objects.filter(code__in=["IM-X1", "12345"]).values_list("name", flat=True)) == {
        "Excel unit",
        "Numeric code",
    }


def test_five_thousand_rows_import_in_batches(rep, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(UnitImporter, "batch_size", 500)
    rows = [[f"B{i:05d}", f"Unit {i}", "team", str(i), "2026-01-01", ""] for i in range(5000)]
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(rows), mode="valid_rows")
    job = import_set_mapping(
        actor=rep, importer=UnitImporter, job=job, mapping=job.mapping, mode="valid_rows"
    )
    job = import_start(actor=rep, importer=UnitImporter, job=job)

    with django_assert_max_num_queries(
        500
    ):  # per batch of 50: a duplicate lookup, an insert, a progress update
        run_import(job, UnitImporter)

    job.refresh_from_db()
    assert (job.status, job.total_rows, job.created_rows, job.progress) == ("done", 5000, 5000, 100)
    assert OrgUnit.objects.filter(code__startswith="B").count() == 5000


def test_a_job_runs_once(rep):
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(GOOD), mode="valid_rows")
    job = run(job, rep)

    assert run_import(job, UnitImporter) == "done"
    assert OrgUnit.objects.filter(code__startswith="IM-").count() == 2
    with pytest.raises(DomainError, match="This import has already been started."):
        import_start(actor=rep, importer=UnitImporter, job=job)


def test_start_needs_a_confirmed_mapping(rep):
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(GOOD), mode="valid_rows")
    with pytest.raises(DomainError, match="Confirm the column mapping before starting the import."):
        import_start(actor=rep, importer=UnitImporter, job=job)


def test_preview_shows_first_rows_and_their_problems(rep):
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(GOOD + BAD), mode="valid_rows")

    preview = import_preview(importer=UnitImporter, job=job, actor=rep)

    assert [r["number"] for r in preview.rows] == [2, 3, 4, 5, 6]
    assert preview.rows[0]["cells"][:4] == ["IM-A", "上海电气", "team", "1200.50"]
    assert preview.problems[0] == (4, "Name", "This field is required.")
    assert preview.checked == 5


# --- views -------------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_upload_preview_start_and_status_pages(client, rep, django_capture_on_commit_callbacks):
    client.force_login(rep)
    assert client.get("/units/import/").status_code == 200

    response = client.post("/units/import/", {"file": csv_upload(GOOD + BAD), "mode": "valid_rows"})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/units/import/{job.pk}/"

    page = client.get(f"/units/import/{job.pk}/")
    assert page.status_code == 200
    assert "Row 4, column “Name”: This field is required." in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/units/import/{job.pk}/",
            {**{f"map_{k}": str(v) for k, v in job.mapping.items()}, "mode": "valid_rows", "action": "start"},
        )
    assert response["Location"] == f"/units/import/{job.pk}/status/"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.created_rows == 2

    full = client.get(f"/units/import/{job.pk}/status/")
    assert full.status_code == 200
    assert "Import finished: 2 created, 0 skipped as duplicates, 3 rows with errors." in full.content.decode()

    status = client.get(f"/units/import/{job.pk}/status/", HTTP_HX_REQUEST="true")
    body = status.content.decode()
    assert 'id="import-progress"' in body
    assert "every 2s" not in body  # finished: polling stops
    assert "<html" not in body

    report = client.get(f"/units/import/{job.pk}/errors.csv")
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,Column,Kind,Message"
    assert lines[1] == "4,Name,Error,This field is required."


@pytest.mark.urls(__name__)
def test_pages_of_someone_elses_job_are_not_found(client, rep, other_rep):
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(GOOD), mode="valid_rows")
    client.force_login(other_rep)

    for url in (
        f"/units/import/{job.pk}/",
        f"/units/import/{job.pk}/status/",
        f"/units/import/{job.pk}/errors.csv",
    ):
        assert client.get(url).status_code == 404


@pytest.mark.urls(__name__)
def test_refused_upload_shows_the_reason_on_the_form(client, rep):
    client.force_login(rep)
    response = client.post(
        "/units/import/",
        {
            "file": SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream"),
            "mode": "valid_rows",
        },
    )
    assert response.status_code == 400
    assert "Only .csv and .xlsx files can be imported." in response.content.decode()


@pytest.mark.urls(__name__)
def test_mapping_errors_show_on_the_preview_page(client, rep):
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(GOOD), mode="valid_rows")
    client.force_login(rep)

    response = client.post(
        f"/units/import/{job.pk}/", {"map_code": "0", "map_name": "", "mode": "valid_rows"}
    )

    assert response.status_code == 400
    assert "Choose the column for “Name”; it is required." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_row_errors_are_capped(rep, monkeypatch):
    import openltc.core.imports as imports

    monkeypatch.setattr(imports, "MAX_STORED_ERRORS", 3)
    rows = [[f"IM-{i}", "", "", "", "", ""] for i in range(10)]
    job = import_upload(actor=rep, importer=UnitImporter, upload=csv_upload(rows), mode="valid_rows")

    job = run(job, rep)

    assert job.error_rows == 10
    assert ImportRowError.objects.filter(job=job).count() == 3


@pytest.mark.urls(__name__)
def test_pages_work_inside_a_namespaced_include(client, rep):
    client.force_login(rep)
    response = client.post("/ns/import/", {"file": csv_upload(GOOD), "mode": "valid_rows"})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/ns/import/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'href="/ns/import/"' in page
