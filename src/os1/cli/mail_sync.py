"""What ``os1 mail sync`` does besides storing mail: calendar invitations found in the raw messages become
proposed events (the mail store keeps no raw bytes, so this happens while syncing), and what personal mail says
about the user's life goes into memory (after the sync, never on a conversation's reply path)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from os1.errors import Os1Error
from os1.mail.message import RawMessage
from os1.mail.store import SqliteMail


class Invitations:
    """A sync observer: each stored message with a calendar part is read for invitations (idempotent: the
    calendar keeps one proposal per event uid)."""

    def __init__(self, store: Any, user_id: int) -> None:
        self.store, self.user_id = store, user_id
        self.found = 0
        self.failed: list[str] = []

    async def __call__(self, raws: Sequence[RawMessage]) -> None:
        from os1.calendar.invites import may_invite

        candidates = [raw for raw in raws if may_invite(raw.data)]
        if not candidates:
            return
        from os1.calendar.service import invitations_from
        from os1.calendar.store import calendar_of
        from os1.types import utc_now

        calendar = calendar_of(self.store)
        for raw in candidates:
            try:
                self.found += len(await invitations_from(calendar, self.user_id, raw.data, utc_now()))
            except Os1Error as exc:  # one broken invitation never stops the sync
                self.failed.append(f"{raw.uid}: {exc.message}")

    def summary(self) -> str:
        if not self.found and not self.failed:
            return ""
        text = f"{self.found} calendar invitation(s) found: see `os1 calendar invites`."
        if self.failed:
            text += f" {len(self.failed)} could not be read ({self.failed[0]})."
        return text


async def learn_after_sync(store: Any, mail: SqliteMail, user_id: int, me: Sequence[str]) -> str:
    """Put what the newly stored personal mail says into memory; a line saying what was learned, or ""."""
    from os1.companion.mail_memory import learn_mail
    from os1.mail.draft import guess_me
    from os1.mail.triage import People
    from os1.types import utc_now

    people = People.of(me=list(me) or await guess_me(mail, user_id))
    learned = await learn_mail(store, mail, user_id, people, utc_now())
    if not learned.items:
        return ""
    return f"Remembered {learned.items} thing(s) from {learned.messages} personal message(s) (`os1 memory` lists them)."
