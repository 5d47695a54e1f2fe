"""Files on the case page: upload with the document form (multipart), download at
/cases/{id}/documents/{doc_id}/file. Same bytes back, the original name as RFC 5987 ``filename*``, the
sniffed type, ``nosniff``; per role as the policy says (case.work uploads, case.read downloads, the admin
neither); another council's file is 404; over [files] max_mb is 413 and writes nothing."""

from __future__ import annotations

import hashlib
import os
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from casetrack.settings import FilesSettings, Settings
from casetrack.store.schema import access_log, document, document_file
from tests.web.conftest import ACTOR, COORDINATOR, HQ, OTHER_SUPERVISOR, SUPERVISOR, Site

NAME = "事前相談書（さくら銀行）.pdf"
PDF = b"%PDF-1.7\n" + os.urandom(50_000)


def _db(site: Site, query: Any) -> list[Any]:
    engine = sa.create_engine(site.db_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(query)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def _counts(site: Site) -> tuple[int, int]:
    return (
        _db(site, sa.select(sa.func.count()).select_from(document))[0][0],
        _db(site, sa.select(sa.func.count()).select_from(document_file))[0][0],
    )


def _upload(client: Any, case_id: str, data: bytes, name: str = NAME, **extra: str) -> Any:
    page = client.get(f"/cases/{case_id}")
    fields = {
        "csrf_token": _hidden(page.text, "csrf_token"),
        "version": _hidden(page.text, "version"),
        "kind": "pre_consultation_letter",
        "on": "2026-11-20",
        **extra,
    }
    return client.post(
        f"/cases/{case_id}/documents", data=fields, files={"file": (name, data, "application/pdf")}
    )


def _hidden(html: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, name
    return match.group(1)


def _uploaded(site: Site) -> int:
    client = site.signed_in(COORDINATOR)
    response = _upload(client, site.cases["early"], PDF)
    assert response.status_code == 303, response.text
    assert (
        response.headers["location"] == f"/cases/{site.cases['early']}?done=document.pre_consultation_letter"
    )
    ((doc_id,),) = _db(site, sa.select(document.c.id).where(document.c.file_name == NAME))
    return int(doc_id)


def test_upload_then_download_gives_the_same_bytes(site: Site) -> None:
    doc_id = _uploaded(site)
    row = _db(site, sa.select(document).where(document.c.id == doc_id))[0]._mapping
    assert (row["file_sha256"], row["file_size"], row["file_type"], row["file_path"]) == (
        hashlib.sha256(PDF).hexdigest(),
        len(PDF),
        "application/pdf",
        None,
    )
    client = site.signed_in(COORDINATOR)
    page = client.get(f"/cases/{site.cases['early']}")
    link = f"/cases/{site.cases['early']}/documents/{doc_id}/file"
    assert f'href="{link}"' in page.text and NAME in page.text
    response = client.get(link)
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"document-{doc_id}.pdf\"; filename*=UTF-8''{quote(NAME, safe='')}"
    )
    logged = _db(
        site, sa.select(access_log.c.user, access_log.c.what).where(access_log.c.what.like("doc get%"))
    )
    assert [tuple(r) for r in logged] == [(COORDINATOR, f"doc get {site.cases['early']} {doc_id}")]


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "hq", "admin"])
def test_download_per_role(site: Site, role: str) -> None:
    doc_id = _uploaded(site)
    client = site.signed_in(ACTOR[role])
    response = client.get(f"/cases/{site.cases['early']}/documents/{doc_id}/file")
    expected = {"coordinator": 200, "supervisor": 200, "hq": 200, "admin": 403}[role]
    assert response.status_code == expected
    assert (response.content == PDF) is (expected == 200)


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "hq", "admin"])
def test_upload_per_role(site: Site, role: str) -> None:
    client = site.signed_in(ACTOR[role])
    before = _counts(site)
    if role in ("hq", "admin"):  # no document form on their page; a forged post is refused all the same
        page = client.get(f"/cases/{site.cases['early']}")
        assert 'enctype="multipart/form-data"' not in page.text
        csrf = _hidden(client.get("/").text, "csrf_token")
        response = client.post(
            f"/cases/{site.cases['early']}/documents",
            data={"csrf_token": csrf, "version": "1", "kind": "pre_consultation_letter"},
            files={"file": (NAME, PDF, "application/pdf")},
        )
        assert response.status_code in (403, 404) and _counts(site) == before
        return
    assert _upload(client, site.cases["early"], PDF).status_code == 303
    assert _counts(site) == (before[0] + 1, before[1] + 1)


def test_another_councils_file_is_not_found(site: Site) -> None:
    doc_id = _uploaded(site)
    client = site.signed_in(OTHER_SUPERVISOR)
    response = client.get(f"/cases/{site.cases['early']}/documents/{doc_id}/file")
    assert response.status_code == 404 and PDF[:20] not in response.content
    # a document id of council 13 under council 14's own case: not found either
    response = client.get(f"/cases/{site.cases['other']}/documents/{doc_id}/file")
    assert response.status_code == 404


def test_a_document_without_a_file_is_not_found(site: Site) -> None:
    site.cli.ok("doc", "add", site.cases["early"], "pre_consultation_letter", "--on", "2026-11-20")
    ((doc_id,),) = _db(site, sa.select(document.c.id))
    client = site.signed_in(COORDINATOR)
    assert client.get(f"/cases/{site.cases['early']}/documents/{doc_id}/file").status_code == 404


def test_a_document_without_a_file_is_still_recorded_from_the_form(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    page = client.get(f"/cases/{site.cases['early']}")
    fields = {
        "csrf_token": _hidden(page.text, "csrf_token"),
        "version": _hidden(page.text, "version"),
        "kind": "pre_consultation_letter",
        "on": "2026-11-20",
    }
    # a browser sends an empty file part when no file was chosen
    response = client.post(
        f"/cases/{site.cases['early']}/documents",
        data=fields,
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 303
    assert _counts(site) == (1, 0)


def test_an_upload_over_the_limit_is_413_and_writes_nothing(site: Site) -> None:
    site.settings = Settings(files=FilesSettings(max_mb=0.04))  # 41,943 bytes
    client = site.signed_in(COORDINATOR)
    before = _counts(site)
    just_over = b"%PDF-1.7\n" + b"x" * (41_943 - 9 + 1)
    response = _upload(client, site.cases["early"], just_over)  # within the form's slack: the service refuses
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.text and "0.04 MB" in response.text
    far_over = b"%PDF-1.7\n" + b"x" * 200_000  # the request itself is over the limit: refused while reading
    response = _upload(client, site.cases["early"], far_over)
    assert response.status_code == 413 and "ファイルが大きすぎます" in response.text
    assert _counts(site) == before
    at_limit = b"%PDF-1.7\n" + b"x" * (41_943 - 9)
    assert _upload(client, site.cases["early"], at_limit).status_code == 303


def test_a_file_of_another_kind_is_refused_with_the_kinds_accepted(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    before = _counts(site)
    response = _upload(client, site.cases["early"], b"<html><script>alert(1)</script></html>", name="x.pdf")
    assert response.status_code == 400
    assert "受け付ける形式：PDF、PNG 画像、JPEG 画像、Excel（xlsx）、Word（docx）" in response.text
    assert _counts(site) == before


def test_a_damaged_file_is_not_handed_out(site: Site) -> None:
    doc_id = _uploaded(site)
    _db(site, sa.update(document_file).values(data=b"%PDF-1.7\nsomething else"))
    client = site.signed_in(SUPERVISOR)
    response = client.get(f"/cases/{site.cases['early']}/documents/{doc_id}/file")
    assert response.status_code == 422 and "SHA-256 と一致しません" in response.text
    assert b"something else" not in response.content


def test_head_answers_the_headers_and_logs_nothing(site: Site) -> None:
    doc_id = _uploaded(site)
    client = site.signed_in(HQ)
    response = client.head(f"/cases/{site.cases['early']}/documents/{doc_id}/file")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    assert not _db(site, sa.select(access_log.c.id).where(access_log.c.what.like("doc get%")))


def test_signed_out_is_sent_to_sign_in(site: Site) -> None:
    doc_id = _uploaded(site)
    response = site.client().get(f"/cases/{site.cases['early']}/documents/{doc_id}/file")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
