"""Bad uploads to every app that takes files: the decision case attachments, the contract and
change-agreement archive scans, delivery acceptance evidence, guidance templates, the inbound
lead mail and the lead import (page form). Each gets a wrong type, no extension, path parts and
a NUL byte in the name, an empty file, a file over the upload limit and a zip bomb. Never a 5xx;
a refusal writes nothing (no audit event, no file); an accepted file is stored under the media
folder with a bare name (no directory parts).

``UPLOAD_OPERATIONS`` lists every API operation whose body is not JSON;
``test_bad_input_generated.py`` runs these checks and fails when a new one is missing here.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from openltc.core.models import AuditEvent
from tests.contract.expectations import API
from tests.contract.harness import OK, Context, api_url, lookup, rolled_back

# Every API operation with a non-JSON body: the file field and the other form fields it needs.
UPLOAD_OPERATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "POST /api/v1/decisions/cases/{case_id}/attachments": ("file", {}),
    "POST /api/v1/contracts/{contract_id}/archive": (
        "scan",
        {"archive_number": "AR-1", "original_location": "Cabinet 3"},
    ),
    "POST /api/v1/contracts/{contract_id}/changes/{change_id}/archive": (
        "scan",
        {"archive_number": "AR-2", "original_location": "Cabinet 3"},
    ),
    "POST /api/v1/delivery/items/{plan_item_id}/acceptance": (
        "evidence",
        {"accepted_on": "2026-01-10", "certificate_reference": "CERT-9"},
    ),
    "POST /api/v1/guidance/playbooks/{playbook_id}/templates": ("file", {"name": "Template"}),
    "POST /api/v1/leads/inbound-mail": ("", {}),  # a raw RFC 822 message, not a form
}
ACTING_ROLES = ("rep", "manager", "sdt", "finance", "reviewer", "admin")
LIMIT = 4096  # OPENLTC_MAX_UPLOAD_BYTES for these tests


def zip_bomb(name: str = "bomb.xlsx") -> bytes:
    """A small zip (an .xlsx look-alike) whose one member unpacks to 200 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    return buffer.getvalue()


BOMB = zip_bomb()
# Files every upload must refuse (the others may be accepted, with a clean name).
MUST_REFUSE = {"wrong_type", "no_extension", "empty", "oversize", "zip_bomb", "zip_bomb_as_pdf"}
BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    "wrong_type": ("payload.exe", b"MZ\x90\x00 not a document", "application/octet-stream"),
    "no_extension": ("scan", b"%PDF-1.4 no extension", "application/pdf"),
    "path_parts": ("../../../../etc/passwd.pdf", b"%PDF-1.4 path parts", "application/pdf"),
    "windows_path": ("..\\..\\windows\\evil.pdf", b"%PDF-1.4 windows path", "application/pdf"),
    "nul_in_name": ("scan\x00.exe.pdf", b"%PDF-1.4 nul", "application/pdf"),
    "script_name": ("<script>alert(1)</script>.pdf", b"%PDF-1.4 script", "application/pdf"),
    "empty": ("empty.pdf", b"", "application/pdf"),
    "oversize": ("big.pdf", b"%PDF-1.4 " + b"x" * (LIMIT * 2), "application/pdf"),
    "zip_bomb": ("bomb.zip", BOMB, "application/zip"),
    "zip_bomb_as_pdf": ("bomb.pdf", BOMB, "application/pdf"),
}


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _figure(**values: Any) -> None:
    target = os.environ.get("OPENLTC_RELIABILITY_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"figure": "bad_uploads", **values}) + "\n")


def _check(where: str, response: Any, written: int, new_files: set[Path], media: Path) -> list[str]:
    problems = []
    if response.status_code >= 500:
        problems.append(f"{where}: {response.status_code}")
    elif (written or new_files) and (
        response.status_code >= 400 or (response.status_code == 200 and b"field-error" in response.content)
    ):
        problems.append(f"{where}: refused but wrote {written} event(s), files {sorted(map(str, new_files))}")
    for path in new_files:
        resolved = path.resolve()
        if not str(resolved).startswith(str(media.resolve())) or ".." in path.name or "\\" in path.name:
            problems.append(f"{where}: stored as {path}")
    return problems


def bad_uploads_to_an_api_upload(media: Path, key: str) -> None:
    ctx = Context()
    entry = lookup(API, key)
    assert entry is not None
    path = key.split(" ", 1)[1]
    params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
    url = api_url(path, params, entry, ctx)
    role = next(r for r in ACTING_ROLES if entry.expect.get(r) == OK)
    assert url is not None, f"{key}: no fixture record"
    client = ctx.api_client(role)
    file_field, form = UPLOAD_OPERATIONS[key]
    problems: list[str] = []
    for label, (name, content, content_type) in BAD_FILES.items():

        def call(name: str = name, content: bytes = content, content_type: str = content_type) -> Any:
            before, files = AuditEvent.objects.count(), _files(media)
            if file_field:
                upload = SimpleUploadedFile(name, content, content_type=content_type)
                response = client.post(url, data={**form, file_field: upload})
            else:  # a raw message body
                response = client.post(url, data=content, content_type="message/rfc822")
            return response, AuditEvent.objects.count() - before, _files(media) - files

        response, written, new_files = rolled_back(call)
        problems += _check(f"{key} as {role} with {label}", response, written, new_files, media)
        if file_field and label in MUST_REFUSE and response.status_code < 400:
            problems.append(f"{key} as {role} with {label}: accepted ({response.status_code})")
    _figure(target=key, uploads=len(BAD_FILES))
    assert not problems, "\n".join(problems)


def bad_uploads_to_the_lead_import_page(media: Path) -> None:
    ctx = Context()
    client = ctx.page_client("rep")
    cases = {
        **BAD_FILES,
        "zip_bomb_xlsx": (
            "bomb.xlsx",
            BOMB,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "csv_with_nul": ("leads.csv", b"name\x00,company\n", "text/csv"),
        "csv_path_parts": ("../../leads.csv", b"x" * (LIMIT * 2), "text/csv"),
    }
    problems: list[str] = []
    for label, (name, content, content_type) in cases.items():

        def call(name: str = name, content: bytes = content, content_type: str = content_type) -> Any:
            before, files = AuditEvent.objects.count(), _files(media)
            upload = SimpleUploadedFile(name, content, content_type=content_type)
            response = client.post("/leads/import/", {"file": upload, "mode": "create"})
            return response, AuditEvent.objects.count() - before, _files(media) - files

        response, written, new_files = rolled_back(call)
        problems += _check(f"lead import with {label}", response, written, new_files, media)
        # The form again: 200, or 400 when it carries a field error (the import engine answers a
        # refused upload with 400, see core.imports.upload_view; the first version expected 200).
        assert response.status_code in (200, 400), (label, response.status_code)
        if label in MUST_REFUSE or label == "zip_bomb_xlsx":
            refused = response.status_code == 400 and b"field-error" in response.content
            if not refused:
                problems.append(f"lead import with {label}: accepted ({response.status_code})")
        assert b"<script>alert(1)</script>" not in response.content
    _figure(target="leads:leads_import_upload", uploads=len(cases))
    assert not problems, "\n".join(problems)
