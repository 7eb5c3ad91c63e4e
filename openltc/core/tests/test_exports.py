from __future__ import annotations

import datetime
import decimal
import io
from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from openpyxl import load_workbook

from openltc.core.exports import Column, defuse, export_format, export_response, safe_filename
from openltc.org.models import OrgUnit


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def _rows():
    when = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    return [
        SimpleNamespace(
            name='=HYPERLINK("http://evil")',
            amount=decimal.Decimal("1234.50"),
            due=datetime.date(2026, 5, 31),
            at=when,
            owner=SimpleNamespace(username="张三"),
            active=True,
        ),
        SimpleNamespace(
            name="上海电气", amount=decimal.Decimal("-3.00"), due=None, at=when, owner=None, active=False
        ),
    ]


COLUMNS = [
    Column("名称", "name"),
    Column("Amount", "amount"),
    Column("Due", "due"),
    Column("At", "at"),
    Column("Owner", "owner__username"),
    Column("Active", "active"),
    Column("Computed", lambda o: o.name[:2]),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("export=csv", "csv"), ("export=XLSX", "xlsx"), ("export=pdf", None), ("", None), ("export=", None)],
)
def test_export_format_only_accepts_offered_formats(query, expected):
    assert export_format(RequestFactory().get(f"/x?{query}")) == expected


def test_csv_export_has_bom_defused_formulas_and_formatted_values(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    response = export_response(queryset=_rows(), columns=COLUMNS, filename="线索 export", fmt="csv")

    body = _content(response)

    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "名称,Amount,Due,At,Owner,Active,Computed"
    assert lines[1] == '"\'=HYPERLINK(""http://evil"")",1234.50,2026-05-31,2026-03-01 17:30:00,张三,Yes,\'=H'
    assert lines[2] == "上海电气,-3.00,,2026-03-01 17:30:00,,No,上海"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == ("attachment; filename*=utf-8''%E7%BA%BF%E7%B4%A2%20export.csv")


def test_csv_export_streams_a_queryset_with_iterator(db, django_assert_max_num_queries):
    for i in range(5):
        unit = OrgUnit(code=f"U{i}", name=f"Unit {i}", kind=OrgUnit.Kind.TEAM)
        unit.path = unit.compute_path()
        unit.save()
    response = export_response(
        queryset=OrgUnit.objects.order_by("code"),
        columns=[Column("Code", "code"), Column("Kind", "get_kind_display")],
        filename="units",
        fmt="csv",
    )
    with django_assert_max_num_queries(1):
        body = _content(response).decode("utf-8-sig")

    assert body.splitlines()[1:] == [f"U{i},Team" for i in range(5)]


def test_xlsx_export_keeps_types_and_never_writes_formulas():
    response = export_response(queryset=_rows(), columns=COLUMNS, filename="../../etc/leads", fmt="xlsx")

    workbook = load_workbook(io.BytesIO(_content(response)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0] == ("名称", "Amount", "Due", "At", "Owner", "Active", "Computed")
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert sheet["A2"].data_type == "s"
    assert rows[1][1] == 1234.5
    assert rows[1][2] == datetime.datetime(2026, 5, 31)  # noqa: DTZ001 - openpyxl reads naive datetimes
    assert rows[1][4] == "张三"
    assert rows[2][1] == -3
    assert response["Content-Disposition"] == 'attachment; filename="leads.xlsx"'


@pytest.mark.parametrize(
    ("name", "ext", "expected"),
    [
        ("../../etc/passwd", "csv", "passwd.csv"),
        ("C:\\Users\\x\\报表.csv", "csv", "报表.csv"),
        ("a\r\nb;c", "xlsx", "ab_c.xlsx"),
        ("", "csv", "export.csv"),
    ],
)
def test_safe_filename(name, ext, expected):
    assert safe_filename(name, ext) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("=1+1", "'=1+1"), ("+86 21", "'+86 21"), ("-x", "'-x"), ("@a", "'@a"), ("ok", "ok")],
)
def test_defuse(text, expected):
    assert defuse(text) == expected


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export_response(queryset=[], columns=COLUMNS, filename="x", fmt="pdf")  # type: ignore[arg-type]
