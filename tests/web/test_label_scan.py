"""No workflow id where a label exists (issue 14: "Japanese for people, codes for machines"): every page
of the dashboard (each GET route the app has, for a populated database, as a supervisor; the refusal
pages of the case page's forms), every e-mail template (the golden inputs of tests/notify), every export
(CSV and xlsx) and the fee statement (Markdown, HTML and its page) are scanned for the ids of the
workflow files — states, events, document kinds, fee components, programs, tracks, re-use grounds — and
for organisation-kind and finding codes, as whole tokens of what people read. Not scanned: URLs and
attributes (an ``<option value>``, a hidden form field, ``datetime``), scripts and styles, and the code
columns of an export (header ending in コード), which are for machines.

The scanner itself is checked both ways (``test_the_scanner_finds_an_id``): a page with an id in its text
fails, the same id in an attribute, a URL or a code column does not."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from casetrack.business_days import BusinessCalendar
from casetrack.domain.labels import FINDING_CODES, ORG_KINDS
from casetrack.notify.messages import split_rendered
from casetrack.notify.render import render
from casetrack.services import reminder_plan as rem
from casetrack.workflow.catalog import all_workflows
from tests.notify import test_golden as golden
from tests.web.conftest import SUPERVISOR, Site, holdback_case
from tests.web.test_money_forms import page_of, token_of, version_of


def workflow_ids() -> dict[str, str]:
    """Every id that has a label, → what it is. A program id made of digits (405) is left out: it is
    part of labels such as 405事業."""
    ids: dict[str, str] = {}
    for program, spec in all_workflows().items():
        if not program.isdigit():
            ids[program] = "program"
        for kind, table in (
            ("track", spec.tracks),
            ("state", spec.states),
            ("event", spec.events),
            ("document kind", spec.documents),
            ("fee component", spec.components),
            ("re-use ground", spec.reuse_grounds),
        ):
            for key in table:
                ids.setdefault(key, kind)
    for code in ORG_KINDS:
        ids.setdefault(code, "organisation kind")
    for code in FINDING_CODES:
        ids.setdefault(code, "finding code")
    return ids


IDS = workflow_ids()
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])("
    + "|".join(sorted(map(re.escape, IDS), key=len, reverse=True))
    + r")(?![A-Za-z0-9_])"
)
_URL = re.compile(r"(?:https?://|/)[^\s　「」（）()<>]*|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")


def leaks(text: str) -> list[str]:
    """The ids in ``text`` (URLs and e-mail addresses taken out first), each with what it is and where."""
    text = _URL.sub(" ", text)
    return [
        f"{m.group(1)} ({IDS[m.group(1)]}) in …{' '.join(text[max(0, m.start() - 25) : m.end() + 25].split())}…"
        for m in _TOKEN.finditer(text)
    ]


class _Text(HTMLParser):
    """The text a person reads on a page: no attributes, no script or style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "\n".join(p.strip() for p in parser.parts if p.strip())


def table_cells(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The cells people read in a table (header row first): every column but the code columns."""
    it = iter(rows)
    header = [str(h or "") for h in next(it)]
    keep = [i for i, h in enumerate(header) if not h.endswith("コード")]
    yield from (header[i] for i in keep)
    for row in it:
        yield from (str(row[i]) for i in keep if i < len(row) and row[i] is not None)


def csv_cells(data: bytes) -> Iterator[str]:
    return table_cells(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_cells(data: bytes) -> Iterator[str]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    for sheet in book.worksheets:
        yield from table_cells([list(r) for r in sheet.iter_rows(values_only=True)])


def test_the_scanner_finds_an_id() -> None:
    """It can fail: an id in the text is found; in an attribute, a URL or a code column it is not."""
    assert leaks(page_text("<p>事前相談書 (pre_consultation_letter) がありません</p>")) == [
        "pre_consultation_letter (document kind) in …事前相談書 (pre_consultation_letter) がありません…"
    ]
    assert [
        h.split(" in ")[0] for h in leaks(page_text("<td>monitoring_overdue</td><td>tax_accountant</td>"))
    ] == ["monitoring_overdue (finding code)", "tax_accountant (organisation kind)"]
    assert (
        leaks(
            page_text(
                '<option value="plan">経営改善計画書</option><input type="hidden" name="event" '
                'value="apply"><a href="/cases?state=consultation">事前相談</a><script>var s="agreed"'
                "</script>"
            )
        )
        == []
    )
    assert leaks("一覧 https://casetrack.example.jp/cases?state=drafting を見てください") == []
    assert leaks("planned, applies, monitoring2") == []  # whole tokens only
    assert list(csv_cells("状態,状態コード\n伴走支援中,monitoring\n".encode())) == ["状態", "伴走支援中"]
    assert [
        h.split(" in ")[0]
        for h in leaks(" ".join(csv_cells("状態,状態コード\nmonitoring,monitoring\n".encode())))
    ] == ["monitoring (state)"]


# -- the dashboard --------------------------------------------------------------------------------


def _get_routes(app: Any) -> set[str]:
    return {r.path for r in app.routes if "GET" in (getattr(r, "methods", None) or ())}


def _pages(site: Site, money_case: str) -> dict[str, str]:
    """Every GET page of the app, as a supervisor sees it (and the sign-in page, signed out)."""
    client = site.signed_in(SUPERVISOR)
    doc_id = site.cli.ok("doc", "add", money_case, "plan", "--on", "2025-06-02")["id"]
    # every status a session and a claim can show: held, waived, scheduled; decided, claimed, rejected
    site.cli.ok("monitoring", "record", money_case, "1", "--held-on", "2026-04-20")
    site.cli.ok("monitoring", "waive", money_case, "2", "--reason", "事業者の休業")
    site.cli.ok("doc", "add", money_case, "monitoring_report", "--session", "1", "--on", "2026-04-20")
    rejected = site.cli.ok(
        "fee", "claim", money_case, "monitoring", "--fee", "150000", "--session", "1", "--on", "2026-05-01"
    )["id"]
    site.cli.ok("fee", "reject", money_case, str(rejected), "--reason", "書類の不備", "--on", "2026-05-02")
    site.cli.ok("fee", "claim", money_case, "guarantee_release", "--fee", "90000", "--on", "2026-06-01")
    cases = [*site.cases.values(), money_case]
    company = site.cli.ok("company", "list")[0]["id"]
    orgs = [o["id"] for o in site.cli.ok("org", "list")]
    urls = {
        "/": ["/", "/?council=13"],
        "/me": ["/me"],
        "/cases": [
            "/cases",
            "/cases?state=consultation",
            "/cases?program=405",
            "/cases?q=みどり",
            "/cases?include_closed=1",
        ],
        "/cases/export.csv": ["/cases/export.csv"],
        "/cases/export.xlsx": ["/cases/export.xlsx"],
        "/cases/{case_id}": [f"/cases/{c}" for c in cases] + ["/cases/13-2099-9999"],
        "/cases/{case_id}/statement": [f"/cases/{money_case}/statement"],
        "/calendar": ["/calendar", "/calendar?month=2026-04"],
        "/cases/{case_id}/documents/{doc_id:int}/file": [],  # the stored file itself: not a page
        "/cases/new": ["/cases/new", "/cases/new?program=405"],
        "/cases/new/companies": ["/cases/new/companies?company_q=みどり"],
        "/cases/new/orgs": [
            "/cases/new/orgs?part=support&support_q=み&support_lead=1",
            "/cases/new/orgs?part=lender&lender_q=銀行&lender=3&lender_main=3&guaranteed=3",
        ],
        "/companies": ["/companies", "/companies?q=みどり"],
        "/companies/new": ["/companies/new"],
        "/companies/{record_id:int}": [f"/companies/{company}"],
        "/companies/{record_id:int}/edit": [f"/companies/{company}/edit"],
        "/companies/{record_id:int}/history": [f"/companies/{company}/history"],
        "/orgs": ["/orgs"],
        "/orgs/new": ["/orgs/new"],
        "/orgs/{record_id:int}": [f"/orgs/{org}" for org in orgs],
        "/orgs/{record_id:int}/edit": [f"/orgs/{orgs[0]}/edit"],
        "/orgs/{record_id:int}/history": [f"/orgs/{orgs[0]}/history"],
        "/reassign": ["/reassign"],
        "/staff": ["/staff"],  # an admin's page: the supervisor's refusal page is scanned too
    }
    app = client.app
    assert set(urls) | {"/login"} == _get_routes(app), "a GET route the scan does not visit"
    texts: dict[str, str] = {"/login": page_text(site.client().get("/login").text)}
    for urls_of_route in urls.values():
        for url in urls_of_route:
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            kind = response.headers["content-type"]
            if "html" in kind:
                texts[url] = page_text(response.text)
            elif "csv" in kind:
                texts[url] = "\n".join(csv_cells(response.content))
            else:
                texts[url] = "\n".join(xlsx_cells(response.content))
    assert doc_id
    return texts


def _refusals(site: Site, money_case: str) -> dict[str, str]:
    """The case page again after a refused form: guard reasons, a workflow refusal, bad input."""
    client = site.signed_in(SUPERVISOR)
    early, monitoring = site.cases["early"], site.cases["monitoring"]
    out = {}

    def post(case_id: str, path: str, fields: dict[str, str]) -> None:
        html = page_of(client, case_id)
        data = {"csrf_token": token_of(html), "version": version_of(site, case_id)} | fields
        response = client.post(f"/cases/{case_id}{path}", data=data)
        assert response.status_code in (400, 403, 404, 409, 422), (path, fields, response.status_code)
        out[f"POST {case_id}{path} {fields}"] = page_text(response.text)

    post(early, "/advance", {"event": "apply", "on": "2026-11-25"})  # missing documents (main bank's letter)
    post(early, "/advance", {"event": "accept", "on": "2026-11-25"})  # not in this state
    post(early, "/advance", {"event": "withdraw", "on": "2026-11-25"})  # no reason
    post(money_case, "/claims", {"component": "plan", "fee": "100000", "session": "", "on": "2026-11-25"})
    post(
        money_case, "/claims", {"component": "monitoring", "fee": "100000", "session": "", "on": "2026-11-25"}
    )
    post(
        money_case,
        "/claims",
        {"component": "monitoring", "fee": "100000", "session": "2", "on": "2026-11-25"},
    )
    post(monitoring, "/sessions/1/waive", {"reason": ""})
    post(early, "/documents", {"kind": "pre_consultation_letter", "on": "2026-12-25"})  # a future date
    post(early, "/estimates", {"estimate.plan": "abc"})
    return out


def test_no_page_shows_an_id_where_a_label_exists(site: Site) -> None:
    money_case = holdback_case(site)
    texts = _pages(site, money_case) | _refusals(site, money_case)
    found = {url: hits for url, text in texts.items() if (hits := leaks(text))}
    assert found == {}


# -- e-mails, exports, the fee statement ------------------------------------------------------------


def test_no_email_shows_an_id() -> None:
    found = {}
    for program, item, rung, role, day, name in golden.CASES:
        spec = all_workflows()[program]
        template = next(r.template for r in spec.reminders[item].rungs if r.id == rung)
        row = golden._row(program)
        c = rem.Candidate(
            key="k",
            case_id="13-2026-0001",
            item=item,
            item_ref="13-2026-0001#1",
            rung=rung,
            due_on=golden._anchor(item),
            send_on=day,
            role=role,
            template=template,
            context=rem.ItemContext(spec, row, BusinessCalendar()),
            to_addr="x@example.jp",
            to_name="x",
        )
        subject, body = rem._render(c, day, golden.COUNCILS)
        if hits := leaks(subject + "\n" + body):
            found[name] = hits
    from casetrack.domain.findings import Finding

    finding = Finding._make(
        [
            {
                "case": "13-2026-0001",
                "council": "13",
                "state": "agreed",
                "code": "monitoring_overdue",
                "since": dt.date(2027, 5, 6),
                "days": 8,
                "waiting_on": "support_org",
                "message": "伴走支援 第1回が期限を8日過ぎています",
            }.get(f)
            for f in Finding._fields
        ]
    )
    text = render(
        "email/weekly_digest.txt.j2",
        recipient={"name": "佐藤 花子", "login": "sato"},
        base_url="https://casetrack.example.jp",
        today=dt.date(2027, 5, 14),
        week_label="2027年第19週",
        open_cases=3,
        horizon_days=14,
        findings=[finding],
        companies={"13-2026-0001": "株式会社みどり工房"},
        codes={"monitoring_overdue": "伴走支援の遅れ"},
        upcoming=[
            {
                "due_on": dt.date(2027, 5, 20),
                "case_id": "13-2026-0002",
                "company_name": "喫茶ひまわり",
                "seq": 2,
            }
        ],
    )
    subject, body = split_rendered(text)
    if hits := leaks(subject + "\n" + body):
        found["weekly_digest"] = hits
    assert found == {}


def test_no_export_or_statement_shows_an_id(site: Site, tmp_path: Path) -> None:
    money_case = holdback_case(site)
    texts: dict[str, str] = {}
    for what in ("cases", "monitoring", "findings"):
        csv_path, xlsx_path = tmp_path / f"{what}.csv", tmp_path / f"{what}.xlsx"
        assert site.cli("export", what, "--out", str(csv_path)).code == 0
        assert site.cli("export", what, "--format", "xlsx", "--out", str(xlsx_path)).code == 0
        texts[f"{what}.csv"] = "\n".join(csv_cells(csv_path.read_bytes()))
        texts[f"{what}.xlsx"] = "\n".join(xlsx_cells(xlsx_path.read_bytes()))
        assert len(texts[f"{what}.csv"].splitlines()) > 10, what  # rows, not only the header
    for fmt in ("md", "html"):
        result = site.cli("fee", "statement", money_case, "--format", fmt)
        assert result.code == 0, result.err
        texts[f"statement.{fmt}"] = page_text(result.out) if fmt == "html" else result.out
    found = {name: hits for name, text in texts.items() if (hits := leaks(text))}
    assert found == {}


@pytest.mark.parametrize("leak", ["（pre_consultation_letter）", " tax_accountant "])
def test_an_injected_leak_is_found(leak: str) -> None:
    """The page scan's own failure path: a case page with an id injected into its text."""
    html = f"<main><h1>案件</h1><p>事前相談書{leak}がありません</p></main>"
    assert leaks(page_text(html)) != []
