"""The repositories of one unit of work, every one built with the unit's scope: a use case asks the unit
for them (``work.records``, ``work.reminders`` …) and never builds one itself."""

from __future__ import annotations

from functools import cached_property

from .audits import AuditRepo
from .browse import BrowseRepo
from .calendar_page import CalendarRepo
from .records import RecordsRepo
from .reminders import ReminderRepo
from .repo import Repo
from .signin import SignInRepo
from .whatif import WhatIfRepo


class Work(Repo):
    """The cases' repository itself, and the others on the same connection and scope."""

    @cached_property
    def records(self) -> RecordsRepo:
        return RecordsRepo(self.conn, scope=self.reach)

    @cached_property
    def reminders(self) -> ReminderRepo:
        return ReminderRepo(self.conn, scope=self.reach)

    @cached_property
    def audits(self) -> AuditRepo:
        return AuditRepo(self.conn, scope=self.reach)

    @cached_property
    def browse(self) -> BrowseRepo:
        return BrowseRepo(self.conn, scope=self.reach)

    @cached_property
    def calendar(self) -> CalendarRepo:
        return CalendarRepo(self.conn, scope=self.reach)

    @cached_property
    def whatif(self) -> WhatIfRepo:
        return WhatIfRepo(self.conn, scope=self.reach)

    @cached_property
    def signin(self) -> SignInRepo:
        return SignInRepo(self.conn, scope=self.reach)
