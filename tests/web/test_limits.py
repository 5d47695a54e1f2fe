"""What a client may send: a body above `[web] max_body_bytes` is a 413 page (not 「内部エラー」), a
method a route does not take is a 405 with `Allow`, a body that trickles is cut off after
`[web] body_timeout_seconds` (a real `casetrack serve` on loopback, bounded by socket timeouts), and a
client that disconnects mid-request leaves one log line, no traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from casetrack.settings import Settings, WebSettings
from tests.web.conftest import COORDINATOR, Site, csrf_of


def test_a_method_the_page_does_not_take_is_405_with_allow(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    response = client.post("/", data={"x": "1"})
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert "このページはこの方法では使えません。" in response.text and "内部エラー" not in response.text
    assert client.delete(f"/cases/{site.cases['early']}/advance").headers["allow"] == "POST"


def test_a_too_large_form_is_413_and_writes_nothing(site: Site) -> None:
    site.settings = Settings(web=WebSettings(max_body_bytes=10_000))
    client = site.signed_in(COORDINATOR)
    case_id = site.cases["early"]
    page = client.get(f"/cases/{case_id}").text
    before = site.cli.ok("case", "show", case_id)
    # the estimates form (document uploads have their own, larger limit: [files] max_mb, tests/web/test_files.py)
    form = {
        "csrf_token": csrf_of(page),
        "version": str(before["version"]),
        "estimate.plan": "1500000",
        "padding": "x" * 20_000,
    }
    response = client.post(f"/cases/{case_id}/estimates", data=form)
    assert response.status_code == 413
    assert (
        "送信された内容が大きすぎます（上限 10,000 バイト）" in response.text
        and "内部エラー" not in response.text
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"csrf_token=" + csrf_of(page).encode() + b"&estimate.plan=1500000&padding="
        for _ in range(30):
            yield b"y" * 1000

    streamed = client.post(
        f"/cases/{case_id}/estimates",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413
    assert site.cli.ok("case", "show", case_id) == before
    assert client.post(f"/cases/{case_id}/estimates", data={**form, "padding": ""}).status_code == 303


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(site: Site, tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    config = tmp_path / "casetrack.toml"
    config.write_text("[web]\nbody_timeout_seconds = 1\nmax_body_bytes = 10000\n", encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRACK_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "casetrack",
            "--db",
            site.db_url,
            "--config",
            str(config),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1]
                time.sleep(0.2)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=20)


HEAD = (
    "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    "Content-Length: {length}\r\n\r\n"
)


def test_slow_bodies_are_cut_off_and_disconnects_log_one_line(
    server: tuple[int, subprocess.Popen[str]],
) -> None:
    port, proc = server
    # a body that trickles: cut off about 1 s after its last chunk, with a 408
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall((HEAD.format(length=5000) + "username=a").encode())
        answer = sock.recv(200).decode("latin-1")
        elapsed = time.monotonic() - started
    assert answer.startswith("HTTP/1.1 408"), answer
    assert 0.8 <= elapsed < 5, elapsed
    # a body announced above the limit: refused at once, without reading it
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(HEAD.format(length=50_000_000).encode())
        assert sock.recv(200).decode("latin-1").startswith("HTTP/1.1 413")
    # ten clients that go away mid-body
    for _ in range(10):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall((HEAD.format(length=5000) + "username=a").encode())
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=20)
    assert "Traceback" not in err, err
    assert err.count("client disconnected before sending the whole request: POST /login") == 10, err
    assert err.count("request body too slow on POST /login") == 1, err
