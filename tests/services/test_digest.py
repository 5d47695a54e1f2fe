"""The weekly digest: one e-mail per coordinator with open cases per ISO week, from the configured
weekday on, through the outbox — checked by sweeping every day of a simulated month."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from dataclasses import replace
from pathlib import Path

import pytest

from casetrack import services
from casetrack.services.reminders import sweep
from casetrack.settings import load_settings
from tests.services.money_helpers import D, case_405_agreed, decide_plan, setup

pytestmark = pytest.mark.usefixtures("set_up_db")  # a set-up database: setup() need not migrate


def _settings(tmp_path: Path, weekday: str) -> Path:
    path = tmp_path / "casetrack.toml"
    path.write_text(
        f'[mail]\ntransport = "file"\ndir = "{tmp_path / "mail"}"\n\n[digest]\nweekday = "{weekday}"\n',
        encoding="utf-8",
    )
    return path


def test_digest_once_per_week_across_a_month(db_url: str, tmp_path: Path) -> None:
    ctx, p = setup(db_url)
    services.add_user(ctx, name="sato", council="13", email="sato@council.example.jp", role="coordinator")
    services.add_user(ctx, name="idle", council="13", email="idle@council.example.jp", role="coordinator")
    cid = case_405_agreed(ctx, p)
    decide_plan(ctx, cid, 3_300_000)
    with ctx.write() as repo:  # give the case its coordinator (no CLI command changes it yet)
        from sqlalchemy import update

        from casetrack.store.repo import cases

        repo.conn.execute(update(cases).where(cases.c.id == cid).values(coordinator="sato"))
    settings = load_settings(str(_settings(tmp_path, "monday")))
    base = replace(ctx, settings=settings)
    day = D("2027-03-01")  # a Monday
    while day <= D("2027-03-31"):
        sweep(replace(base, today=day), day)
        day += dt.timedelta(days=1)
    digests = [r for r in services.outbox_list(base, None) if r["item"] == "digest"]
    # ISO weeks 9–13 of 2027 start on the Mondays 03-01, 03-08, 03-15, 03-22, 03-29: one each, for sato only
    assert [(r["item_ref"], str(r["send_on"])) for r in digests] == [
        ("sato", "2027-03-01"),
        ("sato", "2027-03-08"),
        ("sato", "2027-03-15"),
        ("sato", "2027-03-22"),
        ("sato", "2027-03-29"),
    ]
    assert all(r["status"] == "sent" for r in digests)
    files = sorted((tmp_path / "mail").glob("*digest*.eml"))
    assert len(files) == 5
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert (
        "週次ダイジェスト" in msg["subject"] and msg["to"].addresses[0].addr_spec == "sato@council.example.jp"
    )
    assert cid in msg.get_content()


def test_a_missed_weekday_sends_the_digest_later_that_week_once(db_url: str, tmp_path: Path) -> None:
    ctx, p = setup(db_url)
    services.add_user(ctx, name="sato", council="13", email="sato@council.example.jp", role="coordinator")
    services.open_case(
        ctx,
        program="early",
        track=None,
        council="13",
        company_id=p.company,
        support_orgs=[p.adviser],
        lenders=[],
        coordinator="sato",
        interim_monitoring=False,
        interval_months=None,
        estimates={},
        reuse_reason=None,
        on=D("2027-03-01"),
    )
    base = replace(ctx, settings=load_settings(str(_settings(tmp_path, "wednesday"))))
    sent = []
    for day in (
        D("2027-03-02"),
        D("2027-03-05"),
        D("2027-03-06"),
        D("2027-03-07"),
    ):  # down on Wednesday 03-03
        sent.append(sweep(replace(base, today=day), day)["enqueued"])
    assert sent == [0, 1, 0, 0]  # nothing before Wednesday; Friday catches up; once
    assert [r["item"] for r in services.outbox_list(base, None)] == ["digest"]


def test_no_digest_without_a_digest_section(db_url: str, tmp_path: Path) -> None:
    ctx, p = setup(db_url)
    services.add_user(ctx, name="sato", council="13", email="sato@council.example.jp", role="coordinator")
    services.open_case(
        ctx,
        program="early",
        track=None,
        council="13",
        company_id=p.company,
        support_orgs=[p.adviser],
        lenders=[],
        coordinator="sato",
        interim_monitoring=False,
        interval_months=None,
        estimates={},
        reuse_reason=None,
        on=D("2027-03-01"),
    )
    path = tmp_path / "plain.toml"
    path.write_text(f'[mail]\ntransport = "file"\ndir = "{tmp_path / "mail"}"\n', encoding="utf-8")
    base = replace(ctx, settings=load_settings(str(path)))
    assert sweep(replace(base, today=D("2027-03-01")), D("2027-03-01"))["enqueued"] == 0
