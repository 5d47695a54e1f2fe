"""The staff pages: 担当替え (one case from its page; every open case of a coordinator, previewed then
confirmed), the user's own display name and e-mail, the admin's staff list (add, disable, a one-time
temporary password that must be changed at the next sign-in), and post/redirect/get for every refusal
(303 to the page, the refusal and the values typed shown once, kept on the server)."""

from __future__ import annotations

import re

import pytest

from casetrack.services import set_password, signin
from tests.conftest import ADMIN
from tests.web.conftest import (
    ACTOR,
    COORDINATOR,
    HQ,
    OTHER_SUPERVISOR,
    PASSWORD,
    SUPERVISOR,
    Site,
    csrf_of,
    sign_in,
)

SATO = "mori"  # a second coordinator of council 13


def _sato(site: Site) -> None:
    site.cli.ok("user", "add", SATO, "--council", "13", "--display-name", "森 花子", user=ADMIN)
    set_password(site.ctx(), SATO, PASSWORD)


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    page = client.get("/me")
    return client.post(path, data={"csrf_token": csrf_of(page.text), **data})


# -- who may open which page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, staff, reassign",
    [("coordinator", 403, 403), ("supervisor", 403, 200), ("hq", 403, 403), ("admin", 200, 403)],
)
def test_pages_by_role(site: Site, role: str, staff: int, reassign: int) -> None:
    client = site.signed_in(ACTOR[role])
    assert client.get("/staff").status_code == staff
    assert client.get("/reassign").status_code == reassign
    home = client.get("/me").text
    assert ('href="/staff"' in home) == (staff == 200)
    assert ('href="/reassign"' in home) == (reassign == 200)


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "hq"])
def test_a_forged_staff_form_is_refused_and_writes_nothing(site: Site, role: str) -> None:
    client = site.signed_in(ACTOR[role])
    added = _post(client, "/staff", {"name": "intruder", "council": "13", "role": "admin"})
    assert added.status_code == 403 and "職員の管理" in added.text
    reset = _post(client, f"/staff/{COORDINATOR}/password", {})
    assert reset.status_code == 403
    disabled = _post(client, f"/staff/{COORDINATOR}/active", {"active": "0"})
    assert disabled.status_code == 403
    names = {u["name"] for u in site.cli.ok("user", "list", user=ADMIN)}
    assert "intruder" not in names
    assert sign_in(site.client(), COORDINATOR).status_code == 303  # password and activity unchanged


@pytest.mark.parametrize("role", ["coordinator", "hq", "admin"])
def test_only_a_supervisor_reassigns_everything(site: Site, role: str) -> None:
    _sato(site)
    client = site.signed_in(ACTOR[role])
    response = _post(client, "/reassign", {"from": COORDINATOR, "to": SATO})
    assert response.status_code == 403
    assert {c["coordinator"] for c in site.cli.ok("case", "list", "--council", "13")} == {COORDINATOR}


# -- 担当替え --------------------------------------------------------------------------------------------


def test_one_case_is_reassigned_from_its_page(site: Site) -> None:
    _sato(site)
    case_id = site.cases["early"]
    client = site.signed_in(SUPERVISOR)
    page = client.get(f"/cases/{case_id}").text
    assert 'action="/cases/' + case_id + '/assign"' in page and "森 花子（mori）" in page
    assert '<option value="kato"' not in page  # the coordinator now is no choice
    done = client.post(
        f"/cases/{case_id}/assign",
        data={"csrf_token": csrf_of(page), "coordinator": SATO, "note": "4月の異動"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}?done=assign&to={SATO}"
    assert "担当を 森 花子（mori） に変更しました。" in client.get(done.headers["location"]).text
    last = site.history(case_id)[-1]
    assert last["event"] == "assign" and last["note"] == "4月の異動" and last["user"] == SUPERVISOR
    assert site.cli.ok("case", "show", case_id)["coordinator"] == SATO


def test_a_coordinator_hands_over_only_their_own_case(site: Site) -> None:
    _sato(site)
    kato, sato = site.signed_in(COORDINATOR), site.signed_in(SATO)
    assert 'id="assign-form"' not in sato.get(f"/cases/{site.cases['early']}").text  # not sato's case
    assert 'id="assign-form"' in kato.get(f"/cases/{site.cases['early']}").text
    refused = _post(sato, f"/cases/{site.cases['early']}/assign", {"coordinator": SATO})
    assert refused.status_code == 403 and "自分の案件だけです" in refused.text
    assert site.cli.ok("case", "show", site.cases["early"])["coordinator"] == COORDINATOR
    other = _post(kato, f"/cases/{site.cases['other']}/assign", {"coordinator": COORDINATOR})
    assert other.status_code == 404  # another council's case is as missing as one that is not there


def test_a_case_cannot_go_to_staff_of_another_council(site: Site) -> None:
    client = site.signed_in(SUPERVISOR)
    refused = _post(client, f"/cases/{site.cases['early']}/assign", {"coordinator": OTHER_SUPERVISOR})
    assert refused.status_code == 400 and "協議会 13 の職員ではありません" in refused.text
    assert '<option value="yokohama"' not in refused.text
    assert site.cli.ok("case", "show", site.cases["early"])["coordinator"] == COORDINATOR


def test_bulk_reassignment_previews_then_moves_and_lists_once(site: Site) -> None:
    _sato(site)
    client = site.signed_in(SUPERVISOR, follow_refusals=False)
    preview = client.get(f"/reassign?from={COORDINATOR}&to={SATO}&council=13")
    assert preview.status_code == 200
    assert "移す案件（2件）" in preview.text
    for key in ("early", "monitoring"):
        assert f'href="/cases/{site.cases[key]}"' in preview.text
    assert "事前相談" in preview.text  # the state's label, not its code
    assert {c["coordinator"] for c in site.cli.ok("case", "list", "--council", "13")} == {
        COORDINATOR
    }  # a dry run
    moved = client.post(
        "/reassign",
        data={
            "csrf_token": csrf_of(preview.text),
            "from": COORDINATOR,
            "to": SATO,
            "council": "13",
            "note": "異動",
        },
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/reassign"
    result = client.get("/reassign").text
    assert "加藤" not in result and "kato の案件 2 件を 森 花子 に移しました。" in result
    assert client.get("/reassign").text.count("に移しました") == 0  # shown once: a reload sends nothing again
    assert {c["coordinator"] for c in site.cli.ok("case", "list", "--council", "13")} == {SATO}
    assert site.history(site.cases["early"])[-1]["note"] == "異動"


def test_a_refused_bulk_reassignment_moves_nothing_and_says_why(site: Site) -> None:
    client = site.signed_in(SUPERVISOR, follow_refusals=False)
    page = client.get("/reassign").text
    refused = client.post(
        "/reassign",
        data={"csrf_token": csrf_of(page), "from": COORDINATOR, "to": OTHER_SUPERVISOR, "council": ""},
    )
    assert refused.status_code == 303
    assert refused.headers["location"] == f"/reassign?from={COORDINATOR}&to={OTHER_SUPERVISOR}"
    shown = client.get(refused.headers["location"]).text
    assert 'data-status="400"' in shown and "協議会（13）の職員ではありません" in shown
    assert f'<option value="{COORDINATOR}" selected' in shown  # the values chosen are kept
    assert "data-status" not in client.get(refused.headers["location"]).text  # once
    assert {c["coordinator"] for c in site.cli.ok("case", "list", "--council", "13")} == {COORDINATOR}


# -- one's own page -------------------------------------------------------------------------------------


def test_own_display_name_and_email(site: Site) -> None:
    client = site.signed_in(COORDINATOR, follow_refusals=False)
    page = client.get("/me").text
    assert 'value="kato@council.example.jp"' in page
    bad = client.post(
        "/me/profile",
        data={"csrf_token": csrf_of(page), "display_name": "加藤 一郎", "email": "not-an-address"},
    )
    assert bad.status_code == 303 and bad.headers["location"] == "/me"
    shown = client.get("/me").text
    assert "「not-an-address」はメールアドレスではありません。" in shown and 'value="加藤 一郎"' in shown
    assert (
        site.cli.ok("user", "list", user=ADMIN)[
            [u["name"] for u in site.cli.ok("user", "list", user=ADMIN)].index(COORDINATOR)
        ]["email"]
        == "kato@council.example.jp"
    )
    done = client.post(
        "/me/profile",
        data={
            "csrf_token": csrf_of(page),
            "display_name": "  加藤　一郎 ",
            "email": "ichiro@council.example.jp",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/me?done=profile"
    me = {u["name"]: u for u in site.cli.ok("user", "list", user=ADMIN)}[COORDINATOR]
    assert (
        me["display_name"] == "加藤 一郎" and me["email"] == "ichiro@council.example.jp"
    )  # NFKC, as user edit
    assert "加藤 一郎（担当者）" in client.get("/me").text


def test_a_password_change_needs_the_current_password(site: Site) -> None:
    client = site.signed_in(COORDINATOR, follow_refusals=False)
    token = csrf_of(client.get("/me").text)
    new = "an entirely new passphrase"
    wrong = client.post(
        "/me/password", data={"csrf_token": token, "current": "not my password", "new": new, "again": new}
    )
    assert wrong.status_code == 303 and wrong.headers["location"] == "/me"
    shown = client.get("/me").text
    assert (
        "現在のパスワードが違います。" in shown and new not in shown
    )  # passwords are never kept for the page
    assert sign_in(site.client(), COORDINATOR, new).status_code == 401
    assert sign_in(site.client(), COORDINATOR, PASSWORD).status_code == 303


# -- the admin's staff pages -------------------------------------------------------------------------------


def test_add_then_temporary_password_then_first_sign_in_forces_a_change(site: Site) -> None:
    admin = site.signed_in(ADMIN, follow_refusals=False)
    page = admin.get("/staff").text
    added = admin.post(
        "/staff",
        data={
            "csrf_token": csrf_of(page),
            "name": "suzuki",
            "display_name": "鈴木 一郎",
            "email": "suzuki@council.example.jp",
            "role": "coordinator",
            "council": "13",
            "more_councils": "27",
        },
    )
    assert added.status_code == 303 and added.headers["location"] == "/staff?done=added&name=suzuki"
    user = {u["name"]: u for u in site.cli.ok("user", "list", user=ADMIN)}["suzuki"]
    assert (user["council"], user["more_councils"], user["role"], user["active"]) == (
        "13",
        ["27"],
        "coordinator",
        True,
    )
    assert sign_in(site.client(), "suzuki", "").status_code == 401  # no password yet
    reset = admin.post("/staff/suzuki/password", data={"csrf_token": csrf_of(page)})
    assert reset.status_code == 303 and reset.headers["location"] == "/staff"
    shown = admin.get("/staff").text
    temporary = re.search(r"仮のパスワード：<code>([A-Za-z0-9]{16})</code>", shown)
    assert temporary, shown
    assert temporary.group(1) not in admin.get("/staff").text  # shown once
    user_client = site.client(follow_refusals=False)
    first = sign_in(user_client, "suzuki", temporary.group(1))
    assert first.status_code == 303 and first.headers["location"] == "/me"
    for path in ("/", "/cases", f"/cases/{site.cases['early']}", "/calendar"):
        blocked = user_client.get(path)
        assert blocked.status_code == 303 and blocked.headers["location"] == "/me", path
    me = user_client.get("/me").text
    assert "仮のパスワードでサインインしています" in me and 'action="/me/profile"' not in me
    new = "suzuki's own new passphrase"
    changed = user_client.post(
        "/me/password",
        data={"csrf_token": csrf_of(me), "current": temporary.group(1), "new": new, "again": new},
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/me?done=password"
    assert user_client.get("/").status_code == 200
    assert sign_in(site.client(), "suzuki", temporary.group(1)).status_code == 401
    assert sign_in(site.client(), "suzuki", new).status_code == 303


def test_a_reset_ends_the_users_sessions_and_a_disabled_user_is_out(site: Site) -> None:
    kato = site.signed_in(COORDINATOR)
    admin = site.signed_in(ADMIN, follow_refusals=False)
    token = csrf_of(admin.get("/staff").text)
    assert admin.post(f"/staff/{COORDINATOR}/password", data={"csrf_token": token}).status_code == 303
    assert "サインイン中の端末 1 件を終了しました" in admin.get("/staff").text
    assert kato.get("/").status_code == 303 and signin.sessions_of(site.ctx(), COORDINATOR) == 0
    off = admin.post(f"/staff/{COORDINATOR}/active", data={"csrf_token": token, "active": "0"})
    assert off.status_code == 303 and off.headers["location"] == f"/staff?done=disabled&name={COORDINATOR}"
    assert {u["name"]: u for u in site.cli.ok("user", "list", user=ADMIN)}[COORDINATOR]["active"] is False
    on = admin.post(f"/staff/{COORDINATOR}/active", data={"csrf_token": token, "active": "1"})
    assert on.status_code == 303
    assert {u["name"]: u for u in site.cli.ok("user", "list", user=ADMIN)}[COORDINATOR]["active"] is True


def test_staff_refusals_keep_the_values_and_write_nothing(site: Site) -> None:
    admin = site.signed_in(ADMIN, follow_refusals=False)
    token = csrf_of(admin.get("/staff").text)
    before = site.cli.ok("user", "list", user=ADMIN)
    for form, why in (
        (
            {"name": COORDINATOR, "council": "13", "display_name": "二人目"},
            "ユーザー名 kato はすでに使われています。",
        ),
        ({"name": "bad name!", "council": "13"}, "半角英数字と . _ - の1〜64文字"),
        ({"name": "nobody", "council": "99"}, "協議会 99 はありません。"),
        ({"name": "nobody", "council": "13", "email": "x@"}, "「x@」はメールアドレスではありません。"),
        ({"name": "nobody", "council": "13", "role": "boss"}, "役割「boss」はありません。"),
    ):
        refused = admin.post("/staff", data={"csrf_token": token, **form})
        assert refused.status_code == 303 and refused.headers["location"] == "/staff", form
        shown = admin.get("/staff").text
        assert "職員を追加できませんでした。" in shown and why in shown, (form, shown)
        assert (
            f'name="name" required maxlength="64" pattern="[A-Za-z0-9_.\\-]{{1,64}}" autocomplete="off" value="{form["name"]}"'
            in shown.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&").replace("&lt;", "<")
            or form["name"] == "bad name!"
        )
    assert site.cli.ok("user", "list", user=ADMIN) == before
    own = admin.post(f"/staff/{ADMIN}/active", data={"csrf_token": token, "active": "0"})
    assert own.status_code == 303 and "自分自身は無効にできません。" in admin.get("/staff").text
    mine = admin.post(f"/staff/{ADMIN}/password", data={"csrf_token": token})
    assert (
        mine.status_code == 303
        and "自分のパスワードは「自分のアカウント」で変更してください。" in admin.get("/staff").text
    )
    missing = admin.post("/staff/nobody/password", data={"csrf_token": token})
    assert missing.status_code == 303 and "職員 nobody はいません。" in admin.get("/staff").text
    assert HQ in admin.get("/staff").text


# -- post/redirect/get for refusals -------------------------------------------------------------------------


def test_a_refused_event_redirects_to_the_case_and_shows_the_refusal_once(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR, follow_refusals=False)
    page = client.get(f"/cases/{case_id}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    refused = client.post(
        f"/cases/{case_id}/advance",
        data={
            "csrf_token": csrf_of(page),
            "event": "withdraw",
            "version": version.group(1),
            "on": "2026-11-20",
            "reason": "",
            "note": "書類は明日届く予定",
        },
    )
    assert refused.status_code == 303 and refused.headers["location"] == f"/cases/{case_id}"
    shown = client.get(f"/cases/{case_id}")
    assert shown.status_code == 200
    assert 'data-status="422"' in shown.text and "理由" in shown.text
    assert 'value="書類は明日届く予定"' in shown.text and 'value="2026-11-20"' in shown.text  # what was typed
    again = client.get(f"/cases/{case_id}").text  # a reload: the case as it is, nothing sent
    assert "data-status" not in again and 'value="書類は明日届く予定"' not in again
    assert [h["event"] for h in site.history(case_id)] == ["open"]


def test_a_refusal_waits_for_its_own_page(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR, follow_refusals=False)
    page = client.get(f"/cases/{case_id}").text
    refused = client.post(
        f"/cases/{case_id}/estimates",
        data={"csrf_token": csrf_of(page), "version": "1", "estimate.plan": "12万"},
    )
    assert refused.status_code == 303
    assert "見積を変更できませんでした。" not in client.get(f"/cases/{site.cases['monitoring']}").text
    assert "見積を変更できませんでした。" in client.get(f"/cases/{case_id}").text


# -- the case list remembers each user's filters ---------------------------------------------------------


def test_the_case_list_remembers_the_last_filters_per_user(site: Site) -> None:
    kato, tester = site.signed_in(COORDINATOR), site.signed_in(SUPERVISOR)
    filtered = kato.get("/cases?state=consultation&sort=company&order=desc&page=1")
    assert filtered.status_code == 200 and site.cases["early"] in filtered.text
    assert site.cases["monitoring"] not in filtered.text
    back = kato.get("/cases")  # opened again without a query: the last filters and sort, not the page
    assert (
        back.status_code == 303
        and back.headers["location"] == "/cases?state=consultation&sort=company&order=desc"
    )
    laptop = site.signed_in(COORDINATOR)  # per user, not per browser
    assert laptop.get("/cases").headers["location"] == back.headers["location"]
    assert tester.get("/cases").status_code == 200  # another user's list is their own
    assert 'href="/cases?clear=1"' in filtered.text and "条件をクリア" in filtered.text
    cleared = kato.get("/cases?clear=1")
    assert cleared.status_code == 303 and cleared.headers["location"] == "/cases"
    everything = kato.get("/cases")
    assert everything.status_code == 200 and site.cases["monitoring"] in everything.text
    assert kato.get("/cases?q=%E3%81%82").status_code == 200  # a bad filter is never remembered
    assert kato.get("/cases?sort=nonsense").status_code == 400
    assert kato.get("/cases").headers["location"] == "/cases?q=%E3%81%82"


def test_today_remembers_the_council_per_user_beside_the_case_list(site: Site) -> None:
    """全国本部 picks a council on 今日: opened again it comes back (a redirect, so the URL says it), on
    another browser too; 条件をクリア forgets it; the case list's filters are kept apart, each cleared alone."""
    hq = site.signed_in(ACTOR["hq"])
    assert "findings-pick" in hq.get("/").text  # nothing chosen yet: asked to choose
    assert hq.get("/cases?state=consultation").status_code == 200
    chosen = hq.get("/?council=14")
    assert chosen.status_code == 200 and site.cases["other"] in chosen.text
    assert 'href="/?clear=1"' in chosen.text and "条件をクリア" in chosen.text
    back = hq.get("/")
    assert back.status_code == 303 and back.headers["location"] == "/?council=14"
    assert site.signed_in(ACTOR["hq"]).get("/").headers["location"] == "/?council=14"  # per user
    assert hq.get("/cases").headers["location"] == "/cases?state=consultation"  # the list's own, kept
    assert hq.get("/?council=99").status_code == 400  # a refused council is not remembered
    assert hq.get("/").headers["location"] == "/?council=14"
    cleared = hq.get("/?clear=1")
    assert cleared.status_code == 303 and cleared.headers["location"] == "/"
    assert hq.get("/").status_code == 200
    assert hq.get("/cases").headers["location"] == "/cases?state=consultation"
    assert hq.get("/?council=13").status_code == 200 and hq.get("/cases?clear=1").status_code == 303
    assert hq.get("/").headers["location"] == "/?council=13"  # clearing the list keeps 今日's council
    kato = site.signed_in(COORDINATOR)  # a coordinator's own councils: a council in the URL is kept too
    narrowed = kato.get("/?council=13")
    assert "協議会 13 の案件に絞っています。" in narrowed.text and 'href="/?clear=1"' in narrowed.text
    assert kato.get("/").headers["location"] == "/?council=13"
    assert 'href="/?clear=1"' not in site.signed_in(SUPERVISOR).get("/").text


@pytest.mark.parametrize(
    "role, status", [("coordinator", 303), ("supervisor", 303), ("hq", 403), ("admin", 403)]
)
def test_assign_by_role(site: Site, role: str, status: int) -> None:
    _sato(site)
    client = site.signed_in(ACTOR[role])
    response = _post(client, f"/cases/{site.cases['early']}/assign", {"coordinator": SATO})
    assert response.status_code == status
    assert site.cli.ok("case", "show", site.cases["early"])["coordinator"] == (
        SATO if status == 303 else COORDINATOR
    )


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "hq", "admin"])
def test_everyone_edits_their_own_profile(site: Site, role: str) -> None:
    client = site.signed_in(ACTOR[role])
    response = _post(client, "/me/profile", {"display_name": "表示 名前", "email": ""})
    assert response.status_code == 303 and response.headers["location"] == "/me?done=profile"
    me = {u["name"]: u for u in site.cli.ok("user", "list", user=ADMIN)}[ACTOR[role]]
    assert me["display_name"] == "表示 名前" and me["email"] is None
