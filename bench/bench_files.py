"""A 20 MB document file through the web dashboard: upload with the case page's form and download at
/cases/{id}/documents/{doc_id}/file, over real HTTP (uvicorn on loopback, httpx), on SQLite and, with
--pg, PostgreSQL. Goal (issue #16): each ≤ 1 s.

    python bench/bench_files.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--mb 20] [--runs 5]

Each run is a new document on one case (the upload: parse the multipart body, sniff, SHA-256, one
transaction writing the document and its bytes, the 303; the download: read the bytes, check the
SHA-256, send them). Prints the median and best wall time of each, and of `casetrack doc add --file` and
`doc get --out` as whole processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx2 as httpx  # what Starlette's TestClient uses (the test extra)
import sqlalchemy as sa

from casetrack import services
from casetrack.services import Context

TODAY = dt.date(2026, 11, 25)
PASSWORD = "bench password 2026"


def setup(url: str) -> str:
    """A fresh schema with one coordinator and one early case in council 13; its id."""
    services.init_db(Context(url, TODAY, "admin"), admin="admin")
    services.add_user(Context(url, TODAY, "admin"), name="sato", council="13", email=None, role="coordinator")
    services.set_password(Context(url, TODAY, "admin"), "sato", PASSWORD)
    sato = Context(url, TODAY, "sato")
    company = services.add_company(
        sato,
        name="株式会社ベンチ",
        corporate_number_=None,
        fiscal_year_end_month=3,
        founded_on=None,
        prefecture=None,
    )["id"]
    tax = services.add_org(sato, name="ベンチ税理士法人", kind="tax_accountant", certified=True, email=None)[
        "id"
    ]
    bank = services.add_org(sato, name="ベンチ銀行", kind="bank", certified=False, email=None)["id"]
    return run_cli(
        url,
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(company),
        "--support-org",
        str(tax),
        "--lender",
        f"{bank}:main",
        "--on",
        "2026-11-01",
    ).split('"id": "')[1][:12]


def run_cli(url: str, *args: str) -> str:
    exe = Path(sys.executable).with_name("casetrack")
    done = subprocess.run(
        [str(exe), "--db", url, "--today", TODAY.isoformat(), "--user", "sato", *args, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def serve(url: str) -> tuple[str, object, threading.Thread]:
    import uvicorn

    from casetrack.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(url, today=TODAY), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("uvicorn did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def bench(label: str, url: str, mb: int, runs: int) -> None:
    case_id = setup(url)
    data = b"%PDF-1.7\n" + os.urandom(mb * 1024 * 1024 - 9)
    base, server, thread = serve(url)
    up, down = [], []
    try:
        with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as client:
            login = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
            assert (
                client.post(
                    "/login", data={"username": "sato", "password": PASSWORD, "csrf_token": token}
                ).status_code
                == 303
            )
            for _ in range(runs):
                page = client.get(f"/cases/{case_id}").text
                fields = dict(re.findall(r'name="(csrf_token|version)" value="([^"]+)"', page))
                start = time.perf_counter()
                response = client.post(
                    f"/cases/{case_id}/documents",
                    data={**fields, "kind": "pre_consultation_letter", "on": "2026-11-20"},
                    files={"file": ("計画書.pdf", data, "application/pdf")},
                )
                up.append(time.perf_counter() - start)
                assert response.status_code == 303, response.text[:500]
                doc_id = max(
                    int(d) for d in re.findall(r"/documents/(\d+)/file", client.get(f"/cases/{case_id}").text)
                )
                start = time.perf_counter()
                got = client.get(f"/cases/{case_id}/documents/{doc_id}/file")
                down.append(time.perf_counter() - start)
                assert got.status_code == 200 and got.content == data
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "計画書.pdf"
        source.write_bytes(data)
        start = time.perf_counter()
        doc_id = int(
            re.search(
                r'"id": (\d+)',
                run_cli(
                    url,
                    "doc",
                    "add",
                    case_id,
                    "plan",
                    "--file",  # type: ignore[union-attr]
                    str(source),
                ),
            ).group(1)
        )
        cli_add = time.perf_counter() - start
        start = time.perf_counter()
        run_cli(url, "doc", "get", case_id, str(doc_id), "--out", str(Path(tmp) / "back.pdf"))
        cli_get = time.perf_counter() - start
        assert (Path(tmp) / "back.pdf").read_bytes() == data
    print(
        f"| {label} | {statistics.median(up):.2f} s (best {min(up):.2f}) | "
        f"{statistics.median(down):.2f} s (best {min(down):.2f}) | {cli_add:.2f} s | {cli_get:.2f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", help="a PostgreSQL URL (a fresh schema is made in a new database)")
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        f"| {args.mb} MB, {args.runs} runs | upload (web) | download (web) | `doc add --file` | `doc get --out` |"
    )
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/files.db", args.mb, args.runs)
    if args.pg:
        name = "bench_files_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        try:
            bench(
                "PostgreSQL",
                str(sa.make_url(args.pg).set(database=name).render_as_string(hide_password=False)),
                args.mb,
                args.runs,
            )
        finally:
            from casetrack.store import db as store_db

            for engine in store_db._engines.values():
                engine.dispose()
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()


if __name__ == "__main__":
    main()
