"""What a document's file is, from its bytes (never from its name or the browser's word): PDF, PNG, JPEG,
and the Office Open XML workbook and document (a zip whose parts say which). Pure: stdlib only."""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

LABELS = {PDF: "PDF", PNG: "PNG 画像", JPEG: "JPEG 画像", XLSX: "Excel（xlsx）", DOCX: "Word（docx）"}
ACCEPTED = "、".join(LABELS.values())
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", XLSX: ".xlsx", DOCX: ".docx"}


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` by its content, or None when it is none of the accepted kinds."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> str | None:
    """A zip is a workbook when it has xl/workbook.xml, a document when word/document.xml, each declared
    in [Content_Types].xml as the OOXML formats require; any other zip (or a broken one) is neither."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return None
            types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return None
    if "xl/workbook.xml" in names and b"spreadsheetml.sheet.main+xml" in types:
        return XLSX
    if "word/document.xml" in names and b"wordprocessingml.document.main+xml" in types:
        return DOCX
    return None


def clean_name(name: str) -> str:
    """The file's own name as kept: its last path part (a browser on Windows may send C:\\…\\a.pdf),
    without control characters, at most 255 characters (the extension kept)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 255 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:255]
    return base
