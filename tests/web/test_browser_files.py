"""In a real browser (Playwright over Debian's Chromium): a file chosen in the case page's document form
goes up, its link appears under 提出された書類, and the download gives back the very same bytes under
the original name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import requires_tool
from tests.web.conftest import COORDINATOR, Shots, Site
from tests.web.test_browser import _signed_in, browser, server, shots  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, requires_tool("chromium", "chromium fonts-ipafont-gothic")]


def test_upload_then_download_the_same_bytes(
    site: Site,
    server: str,
    browser: Any,  # noqa: F811
    shots: Shots,
    tmp_path: Path,
) -> None:  # noqa: F811
    case_id = site.cases["early"]
    data = b"%PDF-1.7\n" + os.urandom(300_000)
    source = tmp_path / "事前相談書 2026年11月.pdf"
    source.write_bytes(data)
    page = _signed_in(browser, server, COORDINATOR)
    page.goto(f"{server}/cases/{case_id}")
    form = page.locator("#document-form")
    form.locator("select[name=kind]").select_option("pre_consultation_letter")
    form.locator("input[name=on]").fill("2026-11-20")
    form.locator("input[name=file]").set_input_files(str(source))
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/cases/{case_id}?done=document.pre_consultation_letter")
    link = page.locator("#documents a", has_text=source.name)
    assert link.count() == 1
    shots.take(page, "uploaded.png", full_page=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == source.name
    saved = tmp_path / "downloaded.pdf"
    download.save_as(str(saved))
    assert saved.read_bytes() == data
