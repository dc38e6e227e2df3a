"""Samantha's cleanup: a plan to archive what can wait (newsletters, notifications) and move spam to Junk,
keeping the funny ones and everything that needs the user; the user approves all or part, and ``os1 undo``
puts every message back.

A step is ``mail.move`` of one message from one folder to another. Nothing is ever deleted here. The move is
recorded in OS1's store; where the message came from a source that can move it (a Maildir, an IMAP server) a
``Mover`` chosen by the source it was fetched from (``os1.mail.movers``) moves it there too, and back on undo."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from os1.actions.base import JSON, Registry, Skip, Step
from os1.errors import MailError
from os1.mail.briefing import topic, who
from os1.mail.message import Email
from os1.mail.movers import Logins, Mover, mover_for
from os1.mail.store import SqliteMail, StoredEmail
from os1.mail.triage import People, Triage, triage_many

MOVE = "mail.move"
ARCHIVE, JUNK = "Archive", "Junk"
KIND = "mail.cleanup"
_WHERE = {"newsletter": ARCHIVE, "notification": ARCHIVE, "spam": JUNK}
_CATEGORY = {"newsletter": "newsletters", "notification": "notifications", "spam": "spam"}


@dataclass(frozen=True, slots=True)
class CleanupPlan:
    """The steps, and what the user would like to see next to them: the funny ones kept, unsubscribe candidates."""

    steps: tuple[Step, ...]
    kept_funny: tuple[str, ...]
    unsubscribe: tuple[str, ...]  # senders with an unsubscribe link: listed, never followed by OS1
    counts: Mapping[str, int]

    def summary(self) -> str:
        if not self.steps:
            return "Your inbox is in order: nothing to archive."
        parts = [f"{n} {cat}" for cat, n in self.counts.items() if n]
        text = f"I can move {len(self.steps)} messages out of your inbox ({', '.join(parts)})"
        if self.kept_funny:
            text += f" and keep the {len(self.kept_funny)} funny ones"
        text += ". Nothing is deleted, and you can undo it."
        if self.unsubscribe:
            text += f" You might also unsubscribe from {', '.join(self.unsubscribe[:5])}."
        return text


def invitation(email: Email) -> bool:
    """Whether a message carries a calendar invitation (a text/calendar part)."""
    kinds = [a.content_type.lower() for a in email.attachments] + [email.header("content-type").lower()]
    return any("text/calendar" in k or k.endswith(".ics") for k in kinds) or any(
        a.filename.lower().endswith(".ics") for a in email.attachments)


def _step(item: StoredEmail, t: Triage) -> Step:
    dst = _WHERE[t.category]
    reason = t.reasons[0] if t.reasons else t.category
    what = f"“{topic(item.email)}” from {who(item.email)}"
    verb = "Move to Junk" if dst == JUNK else "Archive"
    return Step(0, MOVE, {"row_id": item.id, "src": item.folder, "dst": dst, "account": item.account,
                          "uid": item.uid, "source": item.source}, f"{verb} {what} — {reason}",
                _CATEGORY[t.category])


async def plan_cleanup(mail: SqliteMail, user_id: int, now: datetime, people: People | None = None,
                       folder: str = "INBOX", limit: int = 2000, older_than: timedelta = timedelta(0)) -> CleanupPlan:
    """Look at the newest ``limit`` messages in ``folder`` and propose moving what can wait."""
    items = await mail.recent(user_id, limit, folder=folder)
    triaged = triage_many([i.email for i in items], people, now)
    steps, funny, unsubscribe = [], [], dict[str, None]()
    for item, t in zip(items, triaged, strict=True):
        if t.has("funny") and t.category not in ("spam",):
            funny.append(f"“{topic(item.email)}” from {who(item.email)}")
            continue
        if t.category not in _WHERE or t.has("needs_reply") or t.has("important") or t.has("personal"):
            continue
        if invitation(item.email):  # an invitation waits for the user's answer, whatever triage thought
            continue
        if older_than and item.email.date is not None and now - item.email.date < older_than:
            continue
        steps.append(_step(item, t))
        if t.category == "newsletter" and item.email.header("list-unsubscribe"):
            unsubscribe[who(item.email)] = None
    steps.sort(key=lambda s: (s.category, s.args["row_id"]))
    numbered = tuple(Step(n, s.op, s.args, s.description, s.category) for n, s in enumerate(steps, start=1))
    counts = Counter(s.category for s in numbered)
    return CleanupPlan(numbered, tuple(funny), tuple(unsubscribe), {c: counts[c] for c in _CATEGORY.values()})


class MailMove:
    """``mail.move``: a message from ``src`` to ``dst``, in OS1's store and, through the mover for the source it
    was fetched from (a Maildir, an IMAP server), in that source. Skipped when the message moved since planning
    (in OS1, or in the source by another mail client). ``logins`` lets it log in to IMAP accounts."""

    def __init__(self, mail: SqliteMail, user_id: int, logins: Logins | None = None) -> None:
        self.mail, self.user_id, self.logins = mail, user_id, logins
        self._movers: dict[str, Mover | None] = {}

    def mover(self, source: str) -> Mover | None:
        """The (cached) mover for ``source``; None when the source cannot move (an mbox: OS1's store only)."""
        if source not in self._movers:
            self._movers[source] = mover_for(source, self.logins)
        return self._movers[source]

    async def prepare(self, args: Mapping[str, Any]) -> JSON:
        item = await self.mail.get(self.user_id, int(args["row_id"]))
        if item is None:
            raise Skip(f"message #{args['row_id']} is gone", "mail.gone")
        if item.folder != args["src"]:
            raise Skip(f"message #{item.id} is in {item.folder} now, not {args['src']}: left there", "mail.moved")
        source = str(args.get("source", item.source))
        try:
            self.mover(source)
        except MailError as exc:  # cannot log in here: moving it in OS1 only would leave the two out of step
            raise Skip(f"{exc.message} ({exc.hint})", exc.code) from exc
        return {"row_id": item.id, "src": item.folder, "dst": args["dst"], "uid": item.uid, "source": source,
                "message_id": item.email.message_id}

    async def apply(self, args: Mapping[str, Any], intent: Mapping[str, Any]) -> JSON:
        mover = self.mover(str(intent.get("source", "")))
        uid = str(intent["uid"])
        new_uid = await mover.move(uid, str(intent.get("message_id", "")), str(intent["src"]),
                                   str(intent["dst"])) if mover else uid
        await self.mail.set_folder(self.user_id, int(intent["row_id"]), str(intent["dst"]), new_uid or uid)
        return {**intent, "new_uid": new_uid or uid}

    async def undo(self, args: Mapping[str, Any], undo_data: Mapping[str, Any]) -> str:
        item = await self.mail.get(self.user_id, int(undo_data["row_id"]))
        if item is None:
            return f"message #{undo_data['row_id']} is gone; nothing to put back"
        mover = self.mover(str(undo_data.get("source", "")))
        if item.folder == undo_data["src"]:
            if mover is not None and "new_uid" not in undo_data:  # interrupted: the source may have moved
                with contextlib.suppress(Skip):
                    await mover.move(str(undo_data["uid"]), str(undo_data.get("message_id", "")),
                                     str(undo_data["dst"]), str(undo_data["src"]))
            return ""  # never moved, or already back
        uid = str(undo_data.get("new_uid") or item.uid)
        back = str(undo_data["uid"])
        if mover is not None:
            try:
                back = await mover.move(uid, str(undo_data.get("message_id", "")), str(undo_data["dst"]),
                                        str(undo_data["src"])) or back
            except Skip as exc:
                return f"“{topic(item.email)}”: {exc.message}"
        await self.mail.set_folder(self.user_id, item.id, str(undo_data["src"]), back)
        return ""

    def timeout_s(self, args: Mapping[str, Any]) -> float:
        return 60.0

    async def aclose(self) -> None:
        """Let go of the movers' connections (IMAP)."""
        movers, self._movers = self._movers, {}
        for mover in movers.values():
            if mover is not None:
                await mover.aclose()


def register(registry: Registry, journal: Any = None, logins: Logins | None = None) -> MailMove | None:
    """Add ``mail.move`` for the journal's user (``os1 undo`` and the companion call this). Maildir moves need
    nothing more; IMAP moves need ``logins`` (the edge asks for the password), else they are skipped."""
    if journal is None:
        return None  # the op needs a user's store: registered where a journal is open
    action = MailMove(SqliteMail(journal.r), journal.user_id, logins)
    registry.register(MOVE, action)
    return action


def step_lines(steps: Sequence[Step], limit: int = 12) -> list[str]:
    lines = [f"  {s.number:>3}. {s.description}" for s in steps[:limit]]
    if len(steps) > limit:
        lines.append(f"  … and {len(steps) - limit} more")
    return lines
