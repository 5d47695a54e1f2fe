"""Who may do what: the one declaration of the access policy.

Every use case names one *action* below and asks ``Context.authorize`` before it touches the database;
the CLI, the scheduler and any later entry point go through the same check. A role reaches either its
own councils (coordinator, supervisor) or every council (hq, admin); what it may do there is the set of
actions granted to it here. ``casetrack policy show`` prints this table.

Council decisions — the events a coordinator prepares and a supervisor (統括責任者/補佐) decides — are
named in ``COUNCIL_DECISIONS``; every other event of a workflow is adviser-side work a coordinator may
record. A new workflow event is therefore adviser-side unless it is added here.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("coordinator", "supervisor", "hq", "admin")
ROLE_LABELS = {"coordinator": "担当者", "supervisor": "統括責任者・補佐", "hq": "全国本部", "admin": "管理者"}

OWN, ALL = "own", "all"
REACH = {"coordinator": OWN, "supervisor": OWN, "hq": ALL, "admin": ALL}

COUNCIL_DECISIONS = frozenset({"accept", "reject", "decide_payment", "extend", "lapse", "approve_reuse"})


@dataclass(frozen=True)
class Action:
    id: str
    ja: str
    en: str
    roles: frozenset[str]


def _a(id_: str, ja: str, en: str, *roles: str) -> Action:
    return Action(id_, ja, en, frozenset(roles))


ACTIONS: dict[str, Action] = {
    a.id: a
    for a in (
        _a(
            "registry.read",
            "名簿の閲覧",
            "read councils, companies, organisations and workflows",
            "coordinator",
            "supervisor",
            "hq",
            "admin",
        ),
        _a(
            "registry.write",
            "事業者・支援機関の登録",
            "register companies and organisations",
            "coordinator",
            "supervisor",
        ),
        _a("user.read", "職員の閲覧", "list staff", "coordinator", "supervisor", "hq", "admin"),
        _a("user.manage", "職員の管理", "add and disable staff, set their passwords", "admin"),
        _a(
            "user.self",
            "自分のパスワード設定",
            "set one's own password",
            "coordinator",
            "supervisor",
            "hq",
            "admin",
        ),
        _a("access.read", "閲覧記録の確認", "read the access log", "hq", "admin"),
        _a(
            "settings.write",
            "休業日の設定",
            "change council closures (a supervisor: their council's only)",
            "supervisor",
            "admin",
        ),
        _a(
            "case.read",
            "案件の閲覧",
            "read cases, histories, money, sessions, audits and caseloads",
            "coordinator",
            "supervisor",
            "hq",
        ),
        _a(
            "case.export",
            "案件の書出し",
            "export cases and sessions (logged)",
            "coordinator",
            "supervisor",
            "hq",
        ),
        _a("case.open", "案件の受付・取込", "open and import cases", "coordinator", "supervisor"),
        _a(
            "case.work",
            "支援機関側の記録",
            "record adviser-side events, documents, claims, estimates and sessions",
            "coordinator",
            "supervisor",
        ),
        _a(
            "case.assign",
            "担当者の変更",
            "change a case's coordinator (a coordinator: only their own cases)",
            "coordinator",
            "supervisor",
        ),
        _a(
            "case.reassign",
            "担当案件の一括引継ぎ",
            "move every open case of one coordinator to another",
            "supervisor",
        ),
        _a(
            "case.decide",
            "協議会の決定",
            "make council decisions ("
            + ", ".join(sorted(COUNCIL_DECISIONS))
            + "; fee decide and reject; waive a session)",
            "supervisor",
        ),
        _a("remind.run", "督促の送信", "run a reminder sweep", "coordinator", "supervisor", "admin"),
        _a("scheduler.run", "スケジューラの常駐", "run the scheduler", "admin"),
        _a("outbox.read", "送信記録の閲覧", "read the outbox", "coordinator", "supervisor", "hq", "admin"),
        _a("outbox.retry", "送信の再試行", "put dead letters back to pending", "supervisor", "admin"),
        _a(
            "audit.verify",
            "改ざん検査",
            "verify the history hash chains",
            "coordinator",
            "supervisor",
            "hq",
            "admin",
        ),
        _a("system.init", "データベースの更新", "upgrade the database", "admin"),
        _a("system.doctor", "診断", "run the health check", "coordinator", "supervisor", "hq", "admin"),
    )
}


def event_action(event: str) -> str:
    """The action firing ``event`` needs."""
    return "case.decide" if event in COUNCIL_DECISIONS else "case.work"


def allows(role: str, action: str) -> bool:
    return role in ACTIONS[action].roles


def refusal_ja(name: str, role: str, action: str) -> str:
    """Why ``name`` (of ``role``) may not do ``action``, in Japanese, naming the roles that may."""
    act = ACTIONS[action]
    who = "、".join(ROLE_LABELS[r] for r in ROLES if r in act.roles)
    return f"{name}（{ROLE_LABELS.get(role, role)}）には「{act.ja}」の権限がありません" + (
        f"（{who}の操作です）。" if who else "。"
    )


def rows() -> list[dict[str, str]]:
    """The policy as a table: one row per action, one column per role (``own``/``all``/``-``)."""
    return [
        {
            "action": a.id,
            "ja": a.ja,
            "what": a.en,
            **{role: (REACH[role] if role in a.roles else "-") for role in ROLES},
        }
        for a in ACTIONS.values()
    ]
