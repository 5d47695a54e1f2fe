"""Type sniffing by content (domain.files): the five accepted kinds, and what is none of them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from casetrack.domain import files


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    """A real workbook written by openpyxl."""
    book = Workbook()
    book.active["A1"] = "事業者"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


DOCX_TYPES = (
    b'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)


def docx_bytes() -> bytes:
    return _zip({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": b"<w:document/>"})


def test_each_accepted_kind_is_known_by_its_content() -> None:
    assert files.sniff(b"%PDF-1.7\n1 0 obj") == "application/pdf"
    assert files.sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == "image/png"
    assert files.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert files.sniff(xlsx_bytes()) == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert (
        files.sniff(docx_bytes()) == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, plain text",
        b"<html><script>alert(1)</script></html>",  # would be dangerous served as text/html
        b"GIF89a......",  # an image, but not one of the accepted kinds
        b"PK\x03\x04 not really a zip",
        _zip({"readme.txt": b"a zip of something else"}),
        _zip(
            {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
        ),  # parts without the type
        b"% PDF-1.7",  # not at the very start
    ],
)
def test_anything_else_is_none_of_them(data: bytes) -> None:
    assert files.sniff(data) is None


def test_the_name_is_kept_without_its_folders_or_control_characters() -> None:
    assert files.clean_name("C:\\Users\\sato\\事前相談書.pdf") == "事前相談書.pdf"
    assert files.clean_name("/tmp/a/b/計画書 最終.xlsx") == "計画書 最終.xlsx"
    assert files.clean_name("evil\r\nname.pdf") == "evilname.pdf"
    long = "あ" * 300 + ".pdf"
    assert len(files.clean_name(long)) == 255 and files.clean_name(long).endswith(".pdf")


def test_the_suite_writes_its_fixtures_as_real_files(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(xlsx_bytes())
    assert zipfile.is_zipfile(path)
