"""Japanese labels for the codes machines keep (DOMAIN.md): what people read in tables, exports, pages
and e-mails, while ``--format json|csv`` keep the codes and add ``*_label`` beside them. Workflow things
(programs, tracks, states, documents, components, events) take their labels from the workflow files."""

from __future__ import annotations

PROGRAM_SHORT = {"early": "早期経営改善", "405": "405事業"}  # a table column's worth of the program's name
WAITING_ON = {"company": "事業者", "support_org": "認定支援機関", "lenders": "金融機関", "council": "協議会"}
FINDING_CODES = {
    "stalled": "停滞",
    "claim_deadline": "支払申請期限",
    "validity": "有効期限",
    "monitoring_overdue": "伴走支援の遅れ",
    "holdback_open": "留保金",
}
LEVELS = {"overdue": "超過", "warning": "注意"}
SESSION_KINDS = {"interim": "期中", "fye": "決算期", "regular": "定期"}
SESSION_STATUS = {"scheduled": "予定", "held": "実施済", "waived": "免除"}
ORG_KINDS = {
    "bank": "金融機関",
    "tax_accountant": "税理士",
    "cpa": "公認会計士",
    "lawyer": "弁護士",
    "sme_consultant": "中小企業診断士",
    "chamber": "商工会・商工会議所",
    "other": "その他",
}
OUTBOX_STATUS = {
    "pending": "送信待ち",
    "sent": "送信済",
    "dead": "送信不能",
    "dropped": "取りやめ",
    "skipped": "送信せず（後の通知に統合）",
}
REMINDER_ITEMS = {
    "session": "伴走支援",
    "claim_deadline": "支払申請期限",
    "validity": "有効期限",
    "holdback": "留保金",
}
RECIPIENT_ROLES = {"support_org": "認定支援機関", "coordinator": "担当者"}


def label(table: dict[str, str], code: str | None) -> str | None:
    """The label of ``code`` in ``table``; an unknown code as it is (never a KeyError in output)."""
    return None if code is None else table.get(code, code)


def rung_label(days: int, months: int) -> str:
    """When a reminder rung goes out, relative to its date: 期限の30日前, 期限当日, 期限の7日後, 期限の6か月前."""
    if months:
        return f"期限の{abs(months)}か月{'前' if months < 0 else '後'}"
    if days == 0:
        return "期限当日"
    return f"期限の{abs(days)}日{'前' if days < 0 else '後'}"
