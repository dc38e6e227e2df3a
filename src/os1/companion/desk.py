"""The desk inside the conversation: "brief me", "did Amy write back?", "read me the email from Paul", "clean up
my inbox". Answered from the mail store by rules, not improvised by the model, so nothing in a message can steer
the answer. Every reply that carries words from mail names the messages it quotes (``quoted``): the session fences
those words as data whenever the model reads that turn again, and remembers them as the context's provenance.

A cleanup is a plan in the journal: proposed here, applied only on the user's answer ("yes", "only newsletters",
"1-5", "no"), undone with ``os1 undo`` or "undo that"."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from os1.actions.approve import select
from os1.actions.base import Registry
from os1.actions.journal import Journal
from os1.actions.run import apply_plan, undo_plan
from os1.errors import ActionError, Os1Error
from os1.mail.briefing import briefing, describe
from os1.mail.briefing import who as sender_of
from os1.mail.cleanup import KIND, plan_cleanup, register, step_lines
from os1.mail.movers import Logins
from os1.mail.store import SqliteMail, StoredEmail
from os1.mail.triage import triage_many
from os1.safety.untrusted import Quoted, Review, Source, quote
from os1.store.postgres_compat import store_runner
from os1.store.runner import Runner
from os1.types import Clock

_MAILWORD = r"(?:mail|e-?mails?|inbox|messages?)"
BRIEF = re.compile(rf"\b(?:brief me|(?:my|the) (?:mail |e-?mail )?briefing|what'?s (?:new )?in my {_MAILWORD}|"
                   rf"(?:any|new|got) (?:new )?{_MAILWORD}\b(?! from)|check my {_MAILWORD}|read me my {_MAILWORD})",
                   re.IGNORECASE)
READ = re.compile(r"\bread (?:me )?(?:the |that |her |his )?(?:latest |last |new |newest )?"
                  r"(?:mail|e-?mail|message|note) from (?P<name>[\w.@'-]+)", re.IGNORECASE)
FROM = re.compile(r"\b(?:did|has|have) (?P<name>[\w.@'-]+) (?:ever |already )?(?:write|written|wrote|reply|replied|"
                  r"e-?mail(?:ed)?|answer(?:ed)?|get back|got back)\b|"
                  rf"\b(?:anything|something|any {_MAILWORD}|{_MAILWORD}) from (?P<name2>[\w.@'-]+)", re.IGNORECASE)
CLEAN = re.compile(rf"\b(?:clean|tidy|sort|declutter)(?: up)? (?:out )?(?:my |the )?{_MAILWORD}", re.IGNORECASE)
UNDO = re.compile(r"^\s*(?:please )?undo (?:that|it|the (?:cleanup|clean-up|last (?:plan|change)))\b", re.IGNORECASE)
RECENT = timedelta(days=3)
_NOT_NAMES = {"me", "you", "him", "her", "them", "it", "my", "the", "a", "anyone", "someone", "work"}


def quoted(item: StoredEmail) -> Quoted:
    """A message as outside text: its source (who, what) and its words, fenced."""
    e = item.email
    label = f"the email from {sender_of(e)}" + (f" about “{e.subject[:60]}”" if e.subject else "")
    return quote(Source("mail", str(item.id), label), f"Subject: {e.subject}\n{e.text}")


@dataclass(frozen=True, slots=True)
class DeskReply:
    text: str
    spoken: str
    quoted: tuple[Quoted, ...] = ()  # the messages whose words this reply carries, as the model may see them
    plan_id: int | None = None  # a plan waiting for the user's answer


def mail_wanted(text: str) -> bool:
    """Whether the user's words ask the desk for something (cheap: no store access)."""
    return any(p.search(text) for p in (BRIEF, READ, FROM, CLEAN, UNDO))


class Desk:
    """The mail side of one user's conversation. ``runner``: the SQLite store's (mail and the journal live there)."""

    def __init__(self, runner: Runner, user_id: int, clock: Clock, user_name: str | None = None,
                 logins: Logins | None = None) -> None:
        self.mail = SqliteMail(runner)
        self.journal = Journal(runner, user_id, clock)
        self.user_id, self.clock, self.user_name = user_id, clock, user_name
        self.registry = Registry()
        self.mover = register(self.registry, self.journal, logins)  # IMAP moves need logins, Maildir moves don't

    async def _close_movers(self) -> None:
        if self.mover is not None:
            await self.mover.aclose()

    async def answer(self, text: str) -> DeskReply | None:
        """The desk's reply to the user's words, or None when they are not asking it anything."""
        if UNDO.search(text):
            return await self.undo_last()
        if CLEAN.search(text):
            return await self.cleanup()
        if (m := READ.search(text)) and m.group("name").lower() not in _NOT_NAMES:
            return await self.read_from(m.group("name"))
        if (m := FROM.search(text)) and (name := m.group("name") or m.group("name2")).lower() not in _NOT_NAMES:
            return await self.from_person(name)
        if BRIEF.search(text):
            return await self.brief()
        return None

    async def _empty(self) -> DeskReply | None:
        if await self.mail.count(self.user_id):
            return None
        text = ("I can't see any of your mail yet. Let me read it with `os1 mail sync --maildir DIR`, "
                "`--mbox FILE` or `--imap HOST`, and ask me again.")
        return DeskReply(text, text)

    async def brief(self) -> DeskReply:
        if (empty := await self._empty()) is not None:
            return empty
        now = self.clock()
        items = await self.mail.recent(self.user_id, 200, folder="INBOX")
        fresh = [i for i in items if i.email.date is not None and now - i.email.date <= RECENT] or items[:20]
        triaged = triage_many([i.email for i in fresh], None, now)
        b = briefing(list(zip([i.email for i in fresh], triaged, strict=True)), now, self.user_name)
        return DeskReply(b.text, b.spoken, tuple(quoted(i) for i in fresh))

    async def _latest_from(self, name: str) -> StoredEmail | None:
        found = await self.mail.search(self.user_id, f"from:{name}", 50)
        dated = [f for f in found if f.email.date is not None]
        return max(dated, key=lambda f: f.email.date or self.clock()) if dated else (found[0] if found else None)

    async def from_person(self, name: str) -> DeskReply:
        """Did they write? Yes, and their latest message; or no."""
        return await self._latest_said(name, f"No, nothing from {name} in your mail.", "Yes. ")

    async def read_from(self, name: str) -> DeskReply:
        return await self._latest_said(name, f"I can't find a message from {name}.", "")

    async def _latest_said(self, name: str, missing: str, lead: str) -> DeskReply:
        """The latest message from ``name``, described (its words quoted as data), after ``lead``."""
        if (empty := await self._empty()) is not None:
            return empty
        item = await self._latest_from(name)
        if item is None:
            return DeskReply(missing, missing)
        [t] = triage_many([item.email], None, self.clock())
        said = describe(item.email, t, self.clock())
        return DeskReply(lead + said.text, lead + said.spoken, (quoted(item),))

    async def cleanup(self) -> DeskReply:
        if (empty := await self._empty()) is not None:
            return empty
        plan = await plan_cleanup(self.mail, self.user_id, self.clock())
        if not plan.steps:
            return DeskReply(plan.summary(), plan.summary())
        saved = await self.journal.propose(KIND, f"Clean up the inbox: {len(plan.steps)} messages", plan.steps,
                                           {"kept_funny": list(plan.kept_funny), "unsubscribe": list(plan.unsubscribe)})
        lines = "\n".join(step_lines(saved.steps, 8))
        ask = ("Shall I? Say yes for all, no, a kind (" + ", ".join(saved.categories()) + "), or numbers like 1-5.")
        return DeskReply(f"{plan.summary()}\n{lines}\n{ask}", f"{plan.summary()} {ask}", (), saved.id)

    async def approve(self, plan_id: int, answer: str) -> DeskReply | None:
        """Apply the part of the plan the answer approves; None when the answer is not about the plan."""
        plan = await self.journal.must_get(plan_id)
        try:
            chosen = select(plan, answer.strip().rstrip(".!").removeprefix("only ").removeprefix("just "))
        except ActionError:
            return None  # not an answer to the plan: an ordinary message
        try:
            outcome = await apply_plan(self.journal, self.registry, plan_id, chosen)
        finally:
            await self._close_movers()
        if outcome.status == "declined":
            return DeskReply("Okay, I'll leave your inbox as it is.", "Okay, I'll leave your inbox as it is.")
        done = outcome.count("applied")
        skipped = len(outcome.results) - done
        text = f"Done: {done} messages moved" + (f", {skipped} left where they were" if skipped else "") + \
               ". Say “undo that” (or run `os1 undo`) to put them back."
        return DeskReply(text, text)

    async def undo_last(self) -> DeskReply:
        latest = await self.journal.latest_undoable()
        if latest is None:
            return DeskReply("There's nothing for me to undo.", "There's nothing for me to undo.")
        try:
            outcome = await undo_plan(self.journal, self.registry, latest.id)
        finally:
            await self._close_movers()
        text = f"Undone: {outcome.count('undone')} changes from “{latest.title}” are back as they were."
        return DeskReply(text, text)


def password_logins(password: str) -> Logins | None:
    """IMAP logins with one password set at the edge (OS1_IMAP_PASSWORD); None without one (IMAP steps are then
    skipped and say why, and Maildir moves still happen)."""
    if not password:
        return None
    return lambda account: replace(account, password=password)


def open_desk(store: Any, user_id: int, clock: Clock, user_name: str | None = None,
              logins: Logins | None = None) -> Desk | None:
    """The desk over the store's connection (SQLite, or PostgreSQL through ``postgres_compat``), or None for a
    store without one."""
    runner = store_runner(store)
    if runner is None:
        return None
    try:
        return Desk(runner, user_id, clock, user_name, logins)
    except Os1Error:
        return None


YES = re.compile(r"^\s*(?:yes|yeah|yep|sure|ok(?:ay)?|do it|go ahead|confirm(?:ed)?)\b", re.IGNORECASE)
NO = re.compile(r"^\s*(?:no|nope|don'?t|do not|cancel|stop|never)\b", re.IGNORECASE)


def confirmation_answer(gate: Review, text: str) -> DeskReply | None:
    """The answer to an action the model proposed. Even confirmed, the model's proposals have no executor here:
    an action on the user's world starts from the user's own request (the desk), so nothing is changed."""
    if NO.search(text):
        said = "Okay, I won't. Nothing was changed."
    elif YES.search(text):
        said = (f"I can't do that from a proposal of mine ({gate.proposal.summary}); nothing was changed. If you "
                "want something done with your mail or files, ask me for it in your own words.")
    else:
        return None
    return DeskReply(said, said)
