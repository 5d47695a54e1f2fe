"""`casetrack serve` starts the dashboard on uvicorn, and stops on SIGINT/SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.web.conftest import Site

pytestmark = pytest.mark.xdist_group("processes")  # timing-sensitive: one worker runs them in turn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_the_port_given(site: Site) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRACK_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "casetrack", "--db", site.db_url, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, body, status = time.monotonic() + 30, "", 0
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    status, body = response.status, response.read().decode("utf-8")
                    server = response.headers.get("server")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.communicate()[1]
                time.sleep(0.2)
        assert status == 200 and 'name="csrf_token"' in body and "サインイン" in body
        assert server is None  # no server banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/cases", timeout=5) as response:
            assert response.url.endswith("/login?next=%2Fcases")  # signed out: sent to sign in
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in err
