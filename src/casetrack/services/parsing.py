"""Everything typed in, read one way, whether it comes from a CLI option, an import file or a web form:
NFKC first (full-width digits, hyphens and spaces become ASCII), then dates in the spellings Japanese
offices use (``domain.dates.read_date``), case ids without their leading zeros, amounts in yen (ASCII
digits only), names free of control, bidi and zero-width characters, workflow ids or their Japanese
labels, and companies or organisations by id, 法人番号 or exact name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain.dates import read_date
from ..domain.master_records import Company, Organisation
from ..errors import BadInput
from ..workflow.spec import COMPONENTS, WorkflowSpec

if TYPE_CHECKING:
    from ..store.repo import Repo


@dataclass(frozen=True)
class LenderArg:
    org_id: int | str  # an id, or a name to resolve (resolve_org)
    main: bool = False
    guaranteed: bool = False


def parse_lender(text: str) -> LenderArg:
    """``ORG[:main][:guaranteed]``: ORG an id or a bank's exact name (flags read from the right)."""
    head, flags = normalise(text).strip(), list[str]()
    while True:
        rest, sep, last = head.rpartition(":")
        if not sep or last not in ("main", "guaranteed"):
            break
        head, flags = rest, [last, *flags]
    if not head or len(set(flags)) != len(flags):
        raise BadInput(
            f"--lender {text!r}: expected ORG_ID[:main][:guaranteed]",
            ja=[f"--lender「{text}」の形が正しくありません（ORG_ID[:main][:guaranteed]）。"],
        )
    return LenderArg(
        int(head) if head.isascii() and head.isdigit() else head, "main" in flags, "guaranteed" in flags
    )


@dataclass(frozen=True)
class AgreementArg:
    """``ORG=KIND[:NOTE]`` of ``--agreement``: what a lender agreed to (pamphlet line 169)."""

    org: int | str  # an id, or a lender's exact name (resolved among the case's lenders)
    kind: str  # a financial-support kind id or its Japanese label (リスケ, 新規融資, その他)
    note: str | None = None


def parse_agreement(text: str) -> AgreementArg:
    """``ORG=KIND[:NOTE]``: ORG an id or exact name, KIND reschedule | new_loan | other (or リスケ…), NOTE
    free text (what `other` means)."""
    org, sep, rest = (text if "=" in text else text.replace("＝", "=", 1)).partition("=")
    kind, note = (re.split("[:：]", rest, maxsplit=1) + [""])[:2]
    org, kind = normalise(org).strip(), normalise(kind).strip()  # the note is kept as typed
    if not sep or not org or not kind:
        raise BadInput(
            f"--agreement {text!r}: expected ORG=KIND[:NOTE] (KIND: reschedule, new_loan, other)",
            ja=[f"金融支援「{text}」は 金融機関=内容 の形で入力してください。"],
        )
    return AgreementArg(int(org) if org.isascii() and org.isdigit() else org, kind, note.strip() or None)


__all__ = [
    "read_date",
    "parse_case_id",
    "parse_number",
    "parse_yen",
    "clean_name",
    "normalise",
    "resolve_label",
    "parse_lender",
    "parse_estimate",
    "LenderArg",
    "AgreementArg",
    "parse_agreement",
]

_CASE_ID = re.compile(r"([0-9]{2})-([0-9]{4})-([0-9]{1,6})")


def parse_case_id(text: str) -> str:
    """``13-2026-1`` → ``13-2026-0001`` (NFKC first: ``１３－２０２６－１`` too). Anything else is passed on
    as typed, to be not found."""
    value = normalise(text).strip()
    m = _CASE_ID.fullmatch(value)
    return f"{m[1]}-{m[2]}-{int(m[3]):04d}" if m else value


def parse_council_code(text: str) -> str:
    """``１３`` → ``13``, ``1`` → ``01``; anything else as typed, to be refused as unknown."""
    value = normalise(text).strip()
    return value.zfill(2) if re.fullmatch(r"[0-9]", value) else value


def parse_number(text: str, digits: int = 9) -> int | None:
    """A whole number as typed in a form (a session's 回, a history row, an organisation's id): NFKC first
    (full-width ３ is 3), ASCII digits only after it (٣ is not 3); None when it is not one."""
    value = normalise(text).strip()
    return int(value) if re.fullmatch(rf"[0-9]{{1,{digits}}}", value) else None


MAX_YEN = 999_999_999  # fees and estimates are millions at most; the columns hold 32-bit integers


def parse_yen(text: str, what: str) -> int:
    cleaned = normalise(text).strip().replace(",", "").removesuffix("円").removeprefix("¥").strip()
    if not re.fullmatch(r"[0-9]{1,12}", cleaned):  # only ASCII digits: int() would read ٣٠٠ as 300
        raise BadInput(
            f"{what}: {text!r} is not an amount in whole yen",
            ja=[f"{what}「{text.strip()}」は円単位の金額ではありません（例：1,234,567）。"],
        )
    if int(cleaned) > MAX_YEN:
        raise BadInput(
            f"{what}: {text!r} is more than {MAX_YEN:,} yen",
            ja=[f"{what}「{text.strip()}」は大きすぎます（{MAX_YEN:,}円まで）。"],
        )
    return int(cleaned)


def parse_estimate(text: str) -> tuple[str, int]:
    component, sep, amount = text.partition("=")
    if not sep:
        raise BadInput(
            f"--estimate {text!r}: expected COMPONENT=YEN",
            ja=[f"--estimate「{text}」の形が正しくありません（費用の種類=円）。"],
        )
    component = normalise(component).strip()
    if component not in COMPONENTS and component.isascii():  # a label is resolved with the case's program
        raise BadInput(
            f"--estimate {text!r}: unknown fee component {component!r} (one of {', '.join(COMPONENTS)})",
            ja=[
                f"--estimate「{text}」：費用の種類「{component}」はありません（{'、'.join(COMPONENTS)} のいずれかです）。"
            ],
        )
    return component, parse_yen(amount, f"--estimate {component}")


_WHAT_JA = {
    "company name": "会社名",
    "organisation name": "機関名",
    "document kind": "書類の種類",
    "program": "事業",
    "state": "状態",
    "track": "枠",
    "fee component": "費用の種類",
    "name": "名称",
    "address": "所在地",
    "representative": "代表者",
    "display name": "表示名",
}


def what_ja(what: str) -> str:
    """The Japanese of a ``what`` these readers are given (as given when it is Japanese already)."""
    return _WHAT_JA.get(what, what)


# -- names ---------------------------------------------------------------------------------------

_INVISIBLE_NAMES = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
}


def normalise(text: str) -> str:
    """NFKC, as everything typed is read first: full-width digits, letters, hyphens and spaces become
    their ASCII forms, half-width katakana full-width."""
    return unicodedata.normalize("NFKC", text)


def clean_name(text: str, what: str, ja_what: str | None = None) -> str:
    """A name as stored: NFKC, outer spaces trimmed, and refused (naming the character and its position)
    when it holds a control character (CR, LF, tab…), a bidirectional override or isolate, or a
    zero-width character, or is empty. ``ja_what`` names it in the Japanese reasons (default ``what``)."""
    ja_what = ja_what or what_ja(what)
    value = normalise(str(text)).strip()
    for position, ch in enumerate(value, start=1):
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            name = _INVISIBLE_NAMES.get(ch) or unicodedata.name(ch, "control character")
            raise BadInput(
                f"{what} {value!r}: character {position} is U+{ord(ch):04X} {name}, which a name may "
                "not contain",
                ja=[f"{ja_what}の{position}文字目に使えない文字（U+{ord(ch):04X} {name}）があります。"],
            )
    if not value:
        raise BadInput(f"{what} is empty", ja=[f"{ja_what}が空です。"])
    return value


# -- workflow ids or their Japanese labels ---------------------------------------------------------


def resolve_label(value: str, labels: Mapping[str, str], what: str) -> str:
    """The id ``value`` names in ``labels`` (id → Japanese label): the id itself, or its label as typed
    (NFKC on both sides: 「経営改善計画書」, full-width or not). Anything else is returned unchanged, for the
    caller's own "unknown …" message listing the valid values."""
    if value in labels:
        return value
    typed = normalise(value).strip()
    if typed in labels:
        return typed
    matches = [key for key, label in labels.items() if normalise(label) == typed]
    if len(matches) > 1:
        raise BadInput(
            f"{what} {value!r} is the label of several: {', '.join(matches)}; give the id",
            ja=[
                f"{what_ja(what)}「{value}」に当たるものが複数あります（{'、'.join(matches)}）。id で指定してください。"
            ],
        )
    return matches[0] if matches else value


def component_labels(spec: WorkflowSpec, track: str | None = None) -> dict[str, str]:
    """Fee component id → its Japanese label on ``track`` (``WorkflowSpec.component_labels``)."""
    return spec.component_labels(track)


def resolve_component(spec: WorkflowSpec, track: str, value: str) -> str:
    """A fee component by id, by its label on ``track``, or by the workflow file's label."""
    found = resolve_label(value, component_labels(spec, track), "fee component")
    return (
        found if found in spec.components else resolve_label(value, component_labels(spec), "fee component")
    )


# -- companies and organisations by id, 法人番号 or exact name ----------------------------------------


def _named(r: Company | Organisation) -> str:
    """A company or an organisation as a refusal lists it: id, name and a company's 法人番号."""
    number = r.corporate_number if isinstance(r, Company) else None
    return f"id {r.id} {r.name}" + (f" (法人番号 {number})" if number else "")


def _candidates(rows: Sequence[Company | Organisation], typed: str) -> str:
    near = [r for r in rows if typed in normalise(r.name) or normalise(r.name) in typed][:10]
    if not near:
        return "no similar name"
    return "similar: " + "; ".join(_named(r) for r in near)


def _by_name(rows: Sequence[Company | Organisation], ref: str, what: str, option: str) -> int:
    typed = normalise(ref).strip()
    same = [r for r in rows if normalise(r.name).strip() == typed]
    if len(same) == 1:
        return same[0].id
    if same:
        listed = "; ".join(_named(r) for r in same)
        raise BadInput(
            f"{option} {ref!r}: {len(same)} {what}s have that name ({listed}); give the id",
            ja=[f"{option}「{ref}」と同じ名前が{len(same)}件あります（{listed}）。id で指定してください。"],
        )
    raise BadInput(
        f"{option} {ref!r}: no {what} has that name ({_candidates(rows, typed)})",
        ja=[
            f"{option}「{ref}」という名前は登録されていません（{_candidates(rows, typed).replace('no similar name', '似た名前もありません').replace('similar: ', '似た名前：')}）。"
        ],
    )


def resolve_company(repo: Repo, ref: int | str) -> int:
    """A company by id, 法人番号 (13 digits, full-width or hyphenated too) or exact name."""
    if isinstance(ref, int):
        return ref
    typed = normalise(ref).strip()
    digits = typed.replace("-", "").replace(" ", "")
    if re.fullmatch(r"[0-9]{13}", digits):
        found = repo.company_by_number(digits)
        if found is None:
            raise BadInput(f"--company {ref!r}: no company has 法人番号 {digits}")
        return found.id
    if re.fullmatch(r"[0-9]{1,12}", typed):
        return int(typed)
    return _by_name(repo.list_companies(), ref, "company", "--company")


def resolve_org(repo: Repo, ref: int | str, option: str, banks_only: bool = False) -> int:
    """An organisation by id or exact name (a lender: among the banks)."""
    if isinstance(ref, int):
        return ref
    typed = normalise(ref).strip()
    if re.fullmatch(r"[0-9]{1,12}", typed):
        return int(typed)
    rows = [r for r in repo.list_orgs() if r.is_bank or not banks_only]
    return _by_name(rows, ref, "bank" if banks_only else "organisation", option)
