"""The pinned htmx is shipped with its licence and served from the app (no CDN); every response
carries the security headers."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from casetrack.resources import templates_dir
from casetrack.web import render
from casetrack.web.toolkit import STATIC
from tests.web.conftest import COORDINATOR, Site

HTMX_SHA256 = "e209dda5c8235479f3166defc7750e1dbcd5a5c1808b7792fc2e6733768fb447"  # npm htmx.org@2.0.4 dist


def test_the_pinned_htmx_is_shipped_with_its_licence() -> None:
    script = STATIC / render.HTMX
    assert re.fullmatch(r"htmx-\d+\.\d+\.\d+\.min\.js", render.HTMX)
    assert hashlib.sha256(script.read_bytes()).hexdigest() == HTMX_SHA256
    version = render.HTMX.removeprefix("htmx-").removesuffix(".min.js")
    licence = STATIC / f"htmx-{version}.LICENSE.txt"
    assert "Zero-Clause BSD" in licence.read_text(encoding="utf-8")


def test_static_files_are_served_without_signing_in(site: Site) -> None:
    client = site.client()
    script = client.get(f"/static/{render.HTMX}")
    assert script.status_code == 200 and hashlib.sha256(script.content).hexdigest() == HTMX_SHA256
    assert client.get("/static/casetrack.css").status_code == 200
    assert client.get("/static/../app.py").status_code == 404


def test_no_page_loads_anything_from_another_origin() -> None:
    for path in Path(templates_dir() / "web").glob("*.j2"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', text), path.name


def test_security_headers(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    for path in ("/", "/login", "/cases", "/nowhere"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert re.fullmatch(r"app;dur=\d+\.\d", response.headers["server-timing"])
    assert "no-store" not in client.get("/static/casetrack.css").headers.get("cache-control", "")


def test_no_template_uses_inline_style_or_script() -> None:
    """The CSP forbids inline styles and scripts: none may appear (the SVG chart uses attributes)."""
    for path in Path(templates_dir() / "web").glob("*.j2"):
        text = path.read_text(encoding="utf-8")
        assert " style=" not in text and "<style" not in text and " on" + "click=" not in text, path.name
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
    chart = str(render.bar_chart([{"label": "事前相談", "count": 3}, {"label": "<b>", "count": 0}]))
    assert " style=" not in chart and "&lt;b&gt;" in chart and "<b>" not in chart
