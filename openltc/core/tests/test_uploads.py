"""The one upload check every attachment goes through."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from openltc.core.errors import DomainError
from openltc.core.uploads import check_upload, clean_upload_name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\scan.PDF", "scan.PDF"),
        ("..hidden.pdf", "hidden.pdf"),
        ("a<b>c|d?.pdf", "abcd.pdf"),
        ("tab\there.pdf", "tabhere.pdf"),
        ("合同扫描件.pdf", "合同扫描件.pdf"),
        ("x" * 300 + ".pdf", ("x" * 300 + ".pdf")[-255:]),
    ],
)
def test_a_stored_name_keeps_only_the_bare_safe_file_name(raw: str, clean: str) -> None:
    assert clean_upload_name(raw) == clean


def _error(upload: SimpleUploadedFile, **kw: object) -> dict[str, list[str]]:
    with pytest.raises(DomainError) as caught:
        check_upload(upload, **kw)  # type: ignore[arg-type]
    return caught.value.field_errors


def test_an_accepted_file_comes_back_with_its_clean_name_set_on_the_upload() -> None:
    upload = SimpleUploadedFile("dir/../Scan.PDF", b"%PDF-1.4")
    assert check_upload(upload, field="scan", extensions=("pdf",)) == "Scan.PDF"
    assert upload.name == "Scan.PDF"


@override_settings(OPENLTC_MAX_UPLOAD_BYTES=1024)
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "Files of type .exe are not accepted; use one of: pdf, png."),
        ("noextension", b"x", "The file needs a name with an extension."),
        (".pdf", b"x", "The file needs a name with an extension."),
        ("empty.pdf", b"", "The file is empty."),
        ("big.pdf", b"x" * 1025, "The file is larger than the limit of 0.0 MB."),
    ],
)
def test_a_refused_file_is_a_field_error_on_the_field_that_carried_it(
    name: str, content: bytes, message: str
) -> None:
    errors = _error(SimpleUploadedFile(name, content), field="evidence", extensions=(".PNG", "pdf"))
    assert errors == {"evidence": [message]}
