"""What ``Repo`` takes and returns for the people and the master data: councils, companies, organisations,
council staff, the hash-chained changes of a company, an organisation or a user (what ``audit verify``
checks), and the access log. A record's fields are its table's columns, named and typed as stored.
Plain frozen values: the store fills them from its rows and writes them as they are; nothing here reads
a database.

A correction changes only some of a record's fields, and which ones is known only when it is made (the
fields a user gave that differ from the stored ones): such an update is a ``TypedDict`` of the columns it
may set (``CompanyChanges``, ``OrgChanges``, ``UserChanges``), not a record, whose every field would be
written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict


@dataclass(frozen=True, slots=True)
class Council:
    """A council (協議会, code 01–47; 00 is the national headquarters), as the councils' CSV lists it."""

    code: str
    name: str
    prefecture: str | None
    host_organization: str
    postal_code: str
    address: str
    phone: str


@dataclass(frozen=True, slots=True)
class NewCompany:
    """A company to register: ``duplicate_of`` and ``duplicate_reason`` when it was registered anyway
    beside a look-alike (same name, no 法人番号), with why."""

    name: str
    corporate_number: str | None
    fiscal_year_end_month: int
    founded_on: dt.date | None
    prefecture: str | None
    duplicate_of: int | None = None
    duplicate_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Company:
    """A company (事業者) as stored: ``name_folded`` is what name searches read (domain.text.fold),
    ``change_head`` the hash of its last correction."""

    id: int
    name: str
    name_folded: str | None
    corporate_number: str | None
    fiscal_year_end_month: int
    founded_on: dt.date | None
    prefecture: str | None
    address: str | None
    representative: str | None
    email: str | None
    phone: str | None
    change_head: str | None
    duplicate_of: int | None
    duplicate_reason: str | None


class CompanyChanges(TypedDict, total=False):
    """The corrected fields of a company (``company edit``): only those that changed."""

    name: str
    corporate_number: str | None
    fiscal_year_end_month: int
    address: str | None
    representative: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class NewOrganisation:
    """An organisation to register: a support org, or a lender (``is_bank``: only a bank lends)."""

    name: str
    kind: str
    certified: bool
    email: str | None
    is_bank: bool


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation (support org or lender) as stored; ``change_head`` as a company's."""

    id: int
    name: str
    name_folded: str | None
    kind: str
    certified: bool
    email: str | None
    is_bank: bool
    phone: str | None
    change_head: str | None


class OrgChanges(TypedDict, total=False):
    """The corrected fields of an organisation (``org edit``): only those that changed, with ``is_bank``
    when the kind did."""

    name: str
    kind: str
    email: str | None
    phone: str | None
    certified: bool
    is_bank: bool


@dataclass(frozen=True, slots=True)
class NewMasterChange:
    """One changed field of a company, an organisation or a user (``entity``): the values before and
    after as text, when it takes effect, when and by whom it was recorded. The store numbers and chains it."""

    entity: str
    entity_id: int
    field: str
    before: str | None
    after: str | None
    effective_on: dt.date
    recorded_at: dt.datetime
    user: str
    note: str | None


class MasterChange(NamedTuple):
    """A stored change: ``seq`` its place in the record's chain, ``hash`` the SHA-256 of ``prev_hash``
    and its fields (domain.chain.MASTER_FIELDS, ``hash_fields``). A NamedTuple: ``audit verify`` reads
    every change of the country in bulk."""

    id: int
    entity: str
    entity_id: int
    seq: int
    field: str
    before: str | None
    after: str | None
    effective_on: dt.date
    recorded_at: dt.datetime
    user: str
    note: str | None
    prev_hash: str | None
    hash: str | None

    def hash_fields(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "entity_id": self.entity_id,
            "seq": self.seq,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "effective_on": self.effective_on,
            "recorded_at": self.recorded_at,
            "user": self.user,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class NewUser:
    """A staff member to add: a login ``name`` of ``council`` (their own), their role, and the name pages
    and e-mails show (``display_name``; None: the login)."""

    name: str
    council: str
    email: str | None
    role: str
    active: bool
    created_at: dt.datetime
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    """A staff member as stored: ``password_hash`` None when no password is set, ``case_filters`` what
    their pages remember (a query string)."""

    id: int
    name: str
    council: str
    email: str | None
    display_name: str | None
    role: str
    active: bool
    password_hash: str | None
    created_at: dt.datetime
    must_change_password: bool
    case_filters: str | None


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff member as the staff list gives them: with the further councils they act for (their own is
    ``council``), and without what only sign-in and their own pages read (password, remembered filters)."""

    id: int
    name: str
    council: str
    email: str | None
    display_name: str | None
    role: str
    active: bool
    more_councils: tuple[str, ...]


class UserChanges(TypedDict, total=False):
    """The changed columns of a user: a correction (``user edit``), enabling or disabling, a password or
    what their pages remember. Each caller sets only its own."""

    display_name: str | None
    email: str | None
    role: str
    council: str
    active: bool
    password_hash: str
    must_change_password: bool
    case_filters: str | None


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One read of personal fields (people's names, e-mails): when, by whom, under which permission
    (``action``), what was read and how many rows."""

    id: int
    at: dt.datetime
    user: str
    action: str
    what: str
    rows: int
