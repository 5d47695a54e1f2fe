"""Hostile input and secrets. Names built to break things (every kind of line break, C0 and C1
controls, right-to-left overrides, formula leaders, header and address syntax, RFC 2047 encoded
words, Japanese and very long text) go through e-mail headers, the reminder templates and the CSV and
xlsx exports and come out as data; the SMTP password and a database password show in no output, log
record, exception or outbox row."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import email
import email.policy
import email.utils
import io
import logging
import os
import traceback
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import given, settings
from hypothesis import strategies as st

from casetrack.business_days import BusinessCalendar
from casetrack.domain.reminder_records import CouncilContact, DueItem
from casetrack.exchange.writers import DANGEROUS, Column, defuse, write_csv, write_xlsx
from casetrack.notify.messages import build, one_line
from casetrack.notify.render import render
from casetrack.notify.senders import PASSWORD_ENV, DeliveryFailure, make_sender
from casetrack.resources import templates_dir
from casetrack.scheduling.scheduler import SweepJob
from casetrack.services import reminder_plan as rem
from casetrack.services.delivery import Lease
from casetrack.store.db import redact
from casetrack.workflow.catalog import all_workflows
from tests.conftest import PG_ENV, Cli, World, examples
from tests.notify.conftest import SmtpServer, free_port, write_settings
from tests.notify.helpers import LEAD_EMAIL, S1_RUNGS, case_in_monitoring, context, outbox_cli

# -- hostile names ---------------------------------------------------------------------------------

BREAKS = ["\r", "\n", "\r\n", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x00", "\x1b"]
CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]  # C0, DEL, C1
BIDI = ["\u200e", "\u200f", "\u061c", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
LEADERS = ["", "=", "+", "-", "@", "\t", "\r", "\n", " ", "\u3000"]
FRAGMENTS = [
    ":",
    "<",
    ">",
    "<>",
    ",",
    ";",
    '"',
    "\\",
    "(",
    ")",
    "Bcc:",
    "Bcc: spy@attacker.example",
    "\r\nBcc: spy@attacker.example",
    "\nTo: spy@attacker.example",
    "<spy@attacker.example>",
    ", spy@attacker.example, ",
    "=?utf-8?q?=0D=0ABcc:_spy=40attacker.example?=",
    "=?utf-8?b?DQpCY2M6IHNweUBhdHRhY2tlci5leGFtcGxl?=",
    '=HYPERLINK("http://attacker.example","x")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "株式会社みどり工房",
    "東京都中小企業活性化協議会",
    "ｶﾌﾞｼｷｶﾞｲｼｬ",
    "𠮷野家",
    "髙橋",
    "（株）",
]
_PIECE = st.one_of(
    st.sampled_from(BREAKS + CONTROLS + BIDI + FRAGMENTS),
    st.text(max_size=12),  # any code point but surrogates (non-characters and private use included)
    st.text(st.characters(min_codepoint=0x3000, max_codepoint=0x9FFF), max_size=12),  # kana and kanji
)


@st.composite
def hostile_names(draw: st.DrawFn, max_size: int = 2000) -> str:
    """A leader, then up to 24 hostile pieces; one name in twenty repeated to 1,000–``max_size`` characters
    (a long one costs ten short ones to check: 10,000 names stay within a minute)."""
    name = draw(st.sampled_from(LEADERS)) + "".join(draw(st.lists(_PIECE, max_size=24)))
    if name and draw(st.sampled_from([False] * 19 + [True])):
        size = draw(st.integers(max_size // 2, max_size))
        name = name * (size // len(name) + 1)
    return name[:max_size]


# -- e-mail headers ---------------------------------------------------------------------------------

HEADERS = sorted(
    [
        "from",
        "to",
        "subject",
        "message-id",
        "date",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
    ]
)
TO_ADDR = "office@minato-tax.example.jp"


def assert_sound_message(msg: EmailMessage, to_addr: str, to_name: str | None, subject: str) -> None:
    """Exactly our headers, each once and one line; one To address, the one given; name and subject
    decode to their one-line forms."""
    raw = msg.as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    names = [line.split(b":", 1)[0].decode().lower() for line in lines if line[:1] not in (b" ", b"\t")]
    assert sorted(names) == HEADERS
    assert all(b"\r" not in line and b"\n" not in line and len(line) <= 998 for line in lines)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert sorted(key.lower() for key in parsed.keys()) == HEADERS  # noqa: SIM118 (a Message, not a dict)
    to, decoded_subject = parsed["To"], str(parsed["Subject"])  # the others are ours, fixed: not parsed
    assert not set("\r\n") & set(str(to) + decoded_subject)
    assert [a.addr_spec for a in to.addresses] == [to_addr]
    assert decoded_subject == one_line(subject)
    # the envelope smtplib.send_message takes from the message: the same one address
    assert [addr for _, addr in email.utils.getaddresses(msg.get_all("to", []))] == [to_addr]
    # RFC 2047 decoding (whitespace between encoded words ignored) gives the name back exactly
    legacy = email.message_from_bytes(raw, policy=email.policy.compat32)
    name = one_line(to_name or "")
    assert str(make_header(decode_header(legacy["To"]))) == (f"{name} <{to_addr}>" if name else to_addr)


@settings(max_examples=examples(thorough=10_000, fast=500), deadline=None)
@given(name=hostile_names())
def test_hostile_names_never_add_a_header_or_an_address(name: str) -> None:
    subject = f"【東京都中小企業活性化協議会】伴走支援（第1回）の期限が近づいています：{name}"
    msg = build(
        sender="casetrack@council.example.jp",
        to_addr=TO_ADDR,
        to_name=name,
        subject=subject,
        body="本文です。",
        message_id="<fixed@council.example.jp>",
    )
    assert_sound_message(msg, TO_ADDR, name, subject)


@pytest.mark.parametrize(
    "name",
    [
        "Minato Certified Tax Accountants Corporation, Tokyo Head Office (Shinjuku Branch)",  # quotes lost folding
        "x" * 70 + ", spy@attacker.example, y",
        "=?utf-8?q?=0D=0ABcc:_spy=40attacker.example?=",  # decoded by the e-mail package and written raw
        "株式会社 =?utf-8?b?DQpCY2M6IHNweUBhdHRhY2tlci5leGFtcGxl?=",
    ],
)
def test_names_that_broke_the_headers(name: str) -> None:
    msg = build(
        sender="casetrack@council.example.jp",
        to_addr=TO_ADDR,
        to_name=name,
        subject=f"件名 {name}",
        body="本文",
        message_id="<fixed@council.example.jp>",
    )
    assert_sound_message(msg, TO_ADDR, name, f"件名 {name}")
    assert b"spy@attacker.example" not in msg.as_bytes()  # only ever inside encoded words


# -- rendered reminders ----------------------------------------------------------------------------


def _reminder_candidates(company: str, adviser: str, coordinator: str) -> list[rem.Candidate]:
    """One candidate per (template, recipient role) the shipped workflows use, about a case whose
    company, lead support org and coordinator carry the given names."""
    seen: dict[tuple[str, str], rem.Candidate] = {}
    for spec in all_workflows().values():
        for kind, item in spec.reminders.items():
            row = DueItem(
                council="13",
                rule_set=spec.rule_sets[0].id,
                case_id="13-2026-0001",
                program=spec.program,
                company_name=company,
                track=next(iter(spec.tracks)),
                state=item.open_in[0],
                state_since=dt.date(2026, 12, 21),
                plan_date=None,
                validity_until=None,
                coordinator=coordinator,
                lead_name=adviser,
                lead_email=TO_ADDR,
                coordinator_display=None,
                coordinator_email="sato@council.example.jp",
                accepted_on=dt.date(2026, 4, 20),
                seq=1,
                kind="regular",
                nominal_due_on=dt.date(2027, 5, 3),
                due_on=dt.date(2027, 5, 6),
                retained=1_000_000,
                decided_on=dt.date(2026, 12, 21),
            )
            for rung in item.rungs:
                for role in rung.to:
                    name = adviser if role == "support_org" else coordinator
                    seen.setdefault(
                        (rung.template, role),
                        rem.Candidate(
                            key="k",
                            case_id="13-2026-0001",
                            item=kind,
                            item_ref="13-2026-0001#1",
                            rung=rung.id,
                            due_on=dt.date(2027, 5, 6),
                            send_on=dt.date(2027, 4, 6),
                            role=role,
                            template=rung.template,
                            context=rem.ItemContext(spec, row, BusinessCalendar()),
                            to_addr=TO_ADDR,
                            to_name=name,
                        ),
                    )
    return list(seen.values())


def test_every_reminder_template_is_checked() -> None:
    shipped = {p.name.removesuffix(".txt.j2") for p in (templates_dir() / "email").glob("*.txt.j2")}
    used = {c.template for c in _reminder_candidates("a", "b", "c")}
    assert used == shipped - {"_footer", "weekly_digest"}


@pytest.mark.slow  # 300 hostile examples through the renderer: run first (tests/conftest.py)
@settings(max_examples=300, deadline=None)
@given(company=hostile_names(), adviser=hostile_names(max_size=300), council=hostile_names(max_size=300))
def test_hostile_names_in_reminders(company: str, adviser: str, council: str) -> None:
    """Rendered as the sweep renders them (``_render``: template, then subject = first line, one_line)."""
    councils = {"13": CouncilContact(council, council, council)}
    for c in _reminder_candidates(company, adviser, "sato"):
        # the day each template is true on (a session's due date is 2027-05-06)
        day = {
            "session_due": dt.date(2027, 5, 6),
            "session_overdue": dt.date(2027, 5, 13),
            "session_escalation": dt.date(2027, 6, 7),
        }.get(c.template, dt.date(2027, 4, 6))
        subject, body = rem._render(c, day, councils)
        assert subject.splitlines() == [subject] and subject == one_line(subject)  # no break, no control
        assert one_line(company) in subject, c.template  # the whole name: none of it pushed into the body
        assert body.splitlines()[0].startswith(one_line(c.to_name or "")), c.template
        msg = build(
            sender="casetrack@council.example.jp",
            to_addr=TO_ADDR,
            to_name=c.to_name,
            subject=subject,
            body=body,
            message_id="<fixed@council.example.jp>",
        )
        assert_sound_message(msg, TO_ADDR, c.to_name, subject)


@settings(max_examples=100, deadline=None)
@given(companies=st.lists(hostile_names(max_size=300), min_size=1, max_size=5))
def test_hostile_names_in_the_weekly_digest(companies: list[str]) -> None:
    text = render(
        "email/weekly_digest.txt.j2",
        recipient={"name": "sato", "login": "sato"},
        base_url="",
        today=dt.date(2027, 3, 1),
        week_label="2027年第9週",
        open_cases=len(companies),
        horizon_days=14,
        findings=[
            {"case": f"13-2026-{n:04d}", "code": "stalled", "days": 40, "message": name}
            for n, name in enumerate(companies)
        ],
        upcoming=[
            {"due_on": dt.date(2027, 3, 5), "case_id": f"13-2026-{n:04d}", "company_name": name, "seq": 1}
            for n, name in enumerate(companies)
        ],
        companies={f"13-2026-{n:04d}": name for n, name in enumerate(companies)},
        codes={"stalled": "停滞"},
    )
    first, _, rest = text.partition("\n")
    assert (
        first == f"【casetrack】週次ダイジェスト 2027年第9週：要対応 {len(companies)}件・今後14日の伴走支援 "
        f"{len(companies)}件"
    )
    lines = rest.splitlines()
    for n, name in enumerate(companies):  # each finding and each session stays on its own line
        assert f"・13-2026-{n:04d} {one_line(name)}［停滞／40日］{one_line(name)}" in lines
        assert any(
            line.startswith("・2027-03-05") and line.endswith(f"13-2026-{n:04d} {one_line(name)}　第1回")
            for line in lines
        )


# -- exports ---------------------------------------------------------------------------------------


@settings(max_examples=examples(thorough=2_000, fast=300), deadline=None)
@given(text=hostile_names())
def test_defuse_leaves_no_formula(text: str) -> None:
    cell = defuse(text)
    assert not cell.startswith(DANGEROUS)  # = + - @ tab CR: a spreadsheet would evaluate it
    assert cell == ("'" + text if text.startswith(DANGEROUS) else text)  # the data, only ever prefixed


NAME_COLUMNS = [Column("id", "案件番号"), Column("company_name", "事業者")]


@settings(max_examples=200, deadline=None)
@given(names=st.lists(hostile_names(), max_size=20))
def test_csv_rows_stay_rows(names: list[str]) -> None:
    out = io.BytesIO()
    count = write_csv(out, NAME_COLUMNS, [{"id": n, "company_name": name} for n, name in enumerate(names)])
    header, *rows = csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline=""))
    assert count == len(rows) == len(names) and header == ["案件番号", "事業者"]
    assert rows == [[str(n), defuse(name)] for n, name in enumerate(names)]


def xlsx_text(text: str) -> str | None:
    """What an xlsx cell holding ``text`` reads back as: XML has no C0 controls but tab, LF and CR, and no
    U+FFFE/U+FFFF (the writer puts U+FFFD), and reads every CR or CRLF as LF; empty is no value."""
    kept = "".join(
        "\ufffd" if (ord(ch) < 0x20 and ch not in "\t\n\r") or ch in "\ufffe\uffff" else ch for ch in text
    )
    return kept.replace("\r\n", "\n").replace("\r", "\n") or None


@settings(max_examples=30, deadline=None)
@given(names=st.lists(hostile_names(), min_size=1, max_size=40))
def test_xlsx_cells_are_strings(names: list[str]) -> None:
    out = io.BytesIO()
    assert write_xlsx(
        out, "案件", NAME_COLUMNS, [{"id": f"c{n}", "company_name": name} for n, name in enumerate(names)]
    ) == len(names)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert ws.max_row == len(names) + 1
    for n, name in enumerate(names, start=2):
        cell = ws.cell(row=n, column=2)
        assert cell.value == xlsx_text(name) and cell.data_type != "f"  # text, never a formula


# names come from argv (no NUL there) and are stripped on entry
EXPORT_NAMES = [
    '=HYPERLINK("http://attacker.example","株式会社みどり工房")',
    "+1+1\r\n=1+1\r\n@SUM(A1)",
    '-2+3,"x",\ny',
    "@cmd|' /C calc'!A0",
    "株式会社\rBcc: spy@attacker.example\u2028=1\u2029+2\u0085-3",
    "\u202e=1+1 株式会社\u2066みどり\u2069工房\u200f",
    "喫茶\x1bひまわり\x07\x0b\x0c\x7f\x85\x9f",
    "ｶﾌﾞｼｷｶﾞｲｼｬ\ufffe\uffff𠮷野家",
    "=" + "長い社名" * 500,
]


def _storable(name: str) -> bool:
    """Names with control, bidi or zero-width characters are refused on entry (services.parsing.clean_name)."""
    from casetrack.errors import BadInput
    from casetrack.services.parsing import clean_name

    try:
        clean_name(name, "name")
    except BadInput:
        return False
    return True


def test_hostile_company_names_export_as_data(cli: Cli, world: World, tmp_path: Path) -> None:
    adviser = cli.ok(
        "org",
        "add",
        "--name",
        "=1+1 税理士法人 <spy@attacker.example>",
        "--kind",
        "tax_accountant",
        "--certified",
        "--email",
        "office@akuma-tax.example.jp",
    )
    assert (
        cli("org", "add", "--name", "=1+1 税理士法人\r\n<spy@attacker.example>", "--kind", "other").code == 2
    )
    for name in [n for n in EXPORT_NAMES if not _storable(n)]:  # refused on entry, naming the character
        result = cli("company", "add", "--name", name, "--fiscal-year-end-month", "3")
        assert result.code == 2 and "U+" in result.err
    names: dict[str, str] = {}  # case id -> company name as stored
    for name in [n for n in EXPORT_NAMES if _storable(n)]:
        company = cli.ok("company", "add", "--name", name, "--fiscal-year-end-month", "3")
        case = cli.ok(
            "case",
            "open",
            "--program",
            "early",
            "--council",
            "13",
            "--company",
            str(company["id"]),
            "--support-org",
            str(adviser["id"]),
            "--on",
            "2026-04-01",
        )
        names[case["id"]] = company["name"]
    assert len(names) == len([n for n in EXPORT_NAMES if _storable(n)]) == 3  # the formula-like ones

    csv_file, xlsx_file = tmp_path / "cases.csv", tmp_path / "cases.xlsx"
    assert cli("export", "cases", "--out", str(csv_file)).code == 0
    header, *rows = csv.reader(io.StringIO(csv_file.read_bytes().decode("utf-8-sig"), newline=""))
    assert len(rows) == len(names)  # one row per case: no line break made another
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        assert cells["事業者"] == defuse(names[cells["案件番号"]])
        assert cells["代表認定支援機関"] == defuse(adviser["name"])
        assert not any(v.startswith(DANGEROUS) for v in row)

    result = cli("export", "cases", "--format", "xlsx", "--out", str(xlsx_file))
    assert result.code == 0, result.err
    ws = openpyxl.load_workbook(xlsx_file).active
    assert ws.max_row == len(names) + 1
    assert not [c.coordinate for r in ws.iter_rows() for c in r if c.data_type == "f"]  # no formula anywhere
    columns = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        cells = {h: ws.cell(row=r, column=i).value for i, h in enumerate(columns, start=1)}
        assert cells["事業者"] == xlsx_text(names[cells["案件番号"]])
        assert cells["代表認定支援機関"] == xlsx_text(adviser["name"])


# -- secrets ---------------------------------------------------------------------------------------

PASSWORD = "pw-Hx7#Qe2-never-shown"
USERNAME = "casetrack-bot"


def secret_forms(password: str = PASSWORD) -> list[str]:
    """The password as it may travel: plain, base64 alone and inside AUTH PLAIN."""
    return [
        password,
        base64.b64encode(password.encode()).decode(),
        base64.b64encode(f"\0{USERNAME}\0{password}".encode()).decode(),
    ]


def assert_no_secret(text: str, where: str) -> None:
    for secret in secret_forms():
        assert secret not in text, f"the password shows in {where}: {text!r}"


class LoginServer(SmtpServer):
    """A real SMTP server that advertises AUTH on the plain connection, accepts one user with one
    password, refuses every other login, and keeps every password it was offered."""

    def __init__(self, password: str) -> None:
        super().__init__()
        self.password = password
        self.offered: list[str] = []

    def _login(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.offered.append(auth_data.password.decode())
        login = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=login == (USERNAME, self.password), handled=False)

    def start(self) -> None:
        self._controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            ready_timeout=10,
            authenticator=self._login,
            auth_require_tls=False,
        )
        self._controller.start()


def assert_no_secret_logged(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        if record.name.startswith("mail.log"):  # aiosmtpd: the server side, which is sent the password
            continue
        trace = traceback.format_exception(*record.exc_info) if record.exc_info else []
        assert_no_secret(record.getMessage() + "".join(trace), f"log record {record.name}")


def _three_sweeps(cli: Cli, config: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Two sweeps through the CLI (the second with --debug) and a tick of the scheduler's job, one message
    each; then outbox list and doctor. No password in any output, event or log record."""
    for day, extra in ((S1_RUNGS["upcoming_30"], []), (S1_RUNGS["upcoming_7"], ["--debug"])):
        result = cli("--config", str(config), *extra, "remind", "run", "--format", "json", today=day)
        assert result.code == 0, result.err
        assert_no_secret(result.out + result.err, f"remind run {extra}")
    events: list[dict[str, Any]] = []
    ctx = context(cli.db_url, S1_RUNGS["due"], config)
    SweepJob(ctx, lambda: ctx.today, Lease(ctx), events.append)()
    assert events and events[-1]["event"] == "swept", events
    assert_no_secret(repr(events), "scheduler events")
    for args in (
        ["outbox", "list"],
        ["outbox", "list", "--format", "json"],
        ["doctor"],
        ["doctor", "--format", "json"],
    ):
        result = cli("--config", str(config), *args)
        assert_no_secret(result.out + result.err, " ".join(args))
    assert_no_secret_logged(caplog)


def test_smtp_password_is_sent_to_the_server_only(
    cli: Cli, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    server = LoginServer(PASSWORD)
    server.start()
    try:
        case_in_monitoring(cli, world)
        config = write_settings(tmp_path / "casetrack.toml", server=server, username=USERNAME)
        _three_sweeps(cli, config, caplog)
        assert PASSWORD in server.offered  # it was used: logged in and delivered
        assert len(server.received) == 3
        rows = outbox_cli(cli, config)
        assert [(r["status"], r["last_error"]) for r in rows] == [("sent", None)] * 3
    finally:
        server.stop()


@pytest.mark.parametrize("failure", ["wrong_password", "auth_not_offered", "unreachable"])
def test_smtp_password_kept_out_of_failures(
    cli: Cli,
    world: World,
    tmp_path: Path,
    failure: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    server = (
        LoginServer("the-right-one")
        if failure == "wrong_password"
        else SmtpServer()
        if failure == "auth_not_offered"
        else None
    )  # unreachable: a free port
    if server is not None:
        server.start()
    try:
        case_in_monitoring(cli, world)
        config = write_settings(tmp_path / "casetrack.toml", server=server, username=USERNAME)
        _three_sweeps(cli, config, caplog)
        rows = outbox_cli(cli, config)
        # each sweep's rung supersedes the one still pending before it (DOMAIN.md §11): upcoming_7 the
        # upcoming_30, the due rung the upcoming_7
        assert [r["status"] for r in rows] == ["skipped", "skipped", "pending"]
        assert [r["last_error"] for r in rows[:2]] == ["superseded by upcoming_7", "superseded by due"]
        for r in rows:
            assert_no_secret(r["last_error"], "outbox last_error")
        rows = rows[2:]
        if isinstance(server, LoginServer):
            assert PASSWORD in server.offered and server.received == []
            assert all("535" in r["last_error"] and USERNAME in r["last_error"] for r in rows)

        # the sender's own exception, with everything chained to it
        sender = make_sender(context(cli.db_url, S1_RUNGS["due"], config).settings)
        msg = build(
            sender="casetrack@council.example.jp",
            to_addr=LEAD_EMAIL,
            to_name="みなと",
            subject="件名",
            body="本文",
            message_id="<probe@council.example.jp>",
        )
        with pytest.raises(DeliveryFailure) as info:
            sender.send(msg, "probe")
        sender.close()
        exc = info.value
        assert_no_secret(
            "".join(traceback.format_exception(exc))
            + repr(exc)
            + repr(exc.__context__)
            + repr(exc.__cause__),
            "the delivery exception",
        )
    finally:
        if server is not None:
            server.stop()


DB_PASSWORD = "db-Pw9!Kq-never-shown"


def test_redact_hides_a_database_password() -> None:
    url = f"postgresql+psycopg://casetrack:{DB_PASSWORD}@db.example.jp:5432/casetrack"
    assert redact(url) == "postgresql+psycopg://casetrack:***@db.example.jp:5432/casetrack"
    assert redact("sqlite:////var/lib/casetrack/casetrack.db") == "sqlite:////var/lib/casetrack/casetrack.db"


def _unreachable_databases() -> dict[str, str]:
    urls = {
        "closed_port": f"postgresql+psycopg://casetrack:{DB_PASSWORD}@127.0.0.1:{free_port()}/casetrack",
        "unknown_host": f"postgresql+psycopg://casetrack:{DB_PASSWORD}@no-such-host.invalid/casetrack",
    }
    if os.environ.get(PG_ENV):  # the real server, a database it does not have (password ignored or refused)
        from sqlalchemy.engine import make_url

        urls["no_such_database"] = (
            make_url(os.environ[PG_ENV])
            .set(password=DB_PASSWORD, database="casetrack_no_such_db")
            .render_as_string(hide_password=False)
        )
    return urls


UNREACHABLE = _unreachable_databases()


@pytest.mark.parametrize("url", list(UNREACHABLE.values()), ids=list(UNREACHABLE))
def test_database_password_never_shown(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["case", "list"],
        ["case", "list", "--format", "json"],
        ["init"],
        ["doctor"],
        ["doctor", "--format", "json"],
        ["--debug", "case", "list"],
        ["--debug", "doctor"],
    ):
        result = Cli(url, capsys)(*args)
        assert result.code in (1, 2), (args, result)
        assert "***" in result.out + result.err, (args, result)  # the URL is named, its password hidden
        assert DB_PASSWORD not in result.out + result.err, (args, result)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://casetrack:{DB_PASSWORD}@127.0.0.1:notaport/casetrack",  # a port that is no number
        f"postgresql+psycopg://casetrack:{DB_PASSWORD}@[::1/casetrack",
        f"postgres ql+psycopg://casetrack:{DB_PASSWORD}@127.0.0.1/casetrack",  # a typo in the scheme
    ],
    ids=["port_not_a_number", "unclosed_ipv6", "scheme_typo"],
)
def test_malformed_database_url_never_shows_its_password(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["case", "list"], ["--debug", "case", "list"], ["doctor", "--format", "json"]):
        result = Cli(url, capsys)(*args)
        assert result.code != 0, (args, result)
        assert DB_PASSWORD not in result.out + result.err, (args, result)
