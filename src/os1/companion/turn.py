"""A session with the companion and its turns — the one place that composes a turn:

store the user turn → care checks → build the context (persona, pinned profile, recent turns, recall) →
stream the reply → store it → hand the turn to the background queue."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime, timedelta

from os1.companion import humour, initiative
from os1.companion.desk import DeskReply, confirmation_answer, mail_wanted, open_desk, password_logins
from os1.companion.inner import boundaries, evolve, grow, mood_now, moved, since_last_time, stage_of
from os1.companion.opening import opening_text, previous_thread
from os1.companion.prefs import OfferedModels, user_deps
from os1.config import Settings
from os1.errors import NotSetUpError, Os1Error
from os1.llm.base import Model
from os1.llm.pace import paced
from os1.memory.facts import answering_fact
from os1.memory.ingest import EMBED, LEARN
from os1.memory.profile import pinned_profile
from os1.memory.recall import Recall
from os1.memory.reflect import REFLECT
from os1.persona import feelings
from os1.persona.prompts import system_prompt
from os1.safety import crisis
from os1.safety.disclosure import disclosure_text, needs_disclosure
from os1.safety.untrusted import Provenance, Review, Source, proposals_in, quote, review, strip_proposals
from os1.store.base import Store
from os1.types import Clock, Companion, Conversation, Message, Turn, User, utc_now

MAX_INPUT_CHARS = 8000
# The prompt keeps at most WINDOW_MAX earlier turns and slides WINDOW_STEP at a time. llama.cpp reuses the cached
# KV of the turns that stay (n_cache_reuse) by shifting it, which costs ~70 ms, so it slides in steps rather than
# every turn. A longer window makes every token slower: attention over ~2000 tokens halved generation on 2 cores.
WINDOW_MAX, WINDOW_STEP = 20, 8
FLUSH_EVERY_S = 0.5
AHEAD_TOKENS = 24  # a reply begun before the turn is over: about its first spoken piece (os1.llm.ahead)
BREAK_EVERY = timedelta(hours=3)
REPLAN_EVERY = timedelta(hours=1)  # while a conversation stays open, what memory suggests is re-read hourly
BREAK_TEXT = "We've been talking for a while. This is a good moment to take a break, stretch, maybe get some air."


@dataclass(frozen=True, slots=True)
class ReplyDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReplyDone:
    reply_turn_id: int
    text: str
    user_turn_id: int | None = None
    care: str | None = None  # the crisis kind when the care protocol answered
    disclosed: bool = False


ReplyEvent = ReplyDelta | ReplyDone


@dataclass(frozen=True, slots=True)
class Deps:
    store: Store
    model: Model
    recall: Recall
    settings: Settings
    clock: Clock = utc_now
    models: OfferedModels | None = None  # the backends users may choose (Settings.offered_models), opened lazily


def window_start(count: int) -> int:
    """Index of the first earlier turn to keep in the prompt; moves only every WINDOW_STEP turns."""
    if count <= WINDOW_MAX:
        return 0
    return -(-(count - WINDOW_MAX) // WINDOW_STEP) * WINDOW_STEP  # the next multiple of the step


_SENTENCE_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)[.!?…](?:[\"')\]]*)(?=\s)")


def sentences(text: str) -> int:
    """Complete sentences in ``text``: an end mark followed by space (not after Mr, Mrs, Ms, Dr, St)."""
    return len(_SENTENCE_END.findall(text))


CONTEXT_HEADER = "Things you remember that may help:\n"
MAX_RECALLED = 6


def _context_message(context: str) -> list[Message]:
    return [Message("system", context)] if context else []


def _prompt(history: list[Message], context: str, text: str) -> list[Message]:
    """The prompt for the user's ``text``: one builder for the turn and for ``prepare``, whose reply begun ahead
    the turn takes over only if the two prompts are the same."""
    return [*history, *_context_message(context), Message("user", text)]


def _clean(text: str) -> str:
    """Text as the store can keep it: undecodable bytes (surrogates from a bad terminal) become U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").strip()


def _words(text: str) -> list[str]:
    parts = text.split(" ")
    return [p + " " for p in parts[:-1]] + [parts[-1]]


async def _system(deps: Deps, user: User, companion: Companion) -> str:
    """The stable prefix of a session's prompts: persona, the stage's tone, the pinned profile, care rules."""
    store = deps.store
    system = system_prompt(companion, user.display_name or "the user", await pinned_profile(store, user.id),
                           stage=await stage_of(store, user.id, companion))
    if deps.settings.care.minor:
        system += "\nThe user is under 18: never say anything sexual or romantic."
    return system


class Session:
    """One conversation between a user and their companion."""

    def __init__(self, deps: Deps, user: User, companion: Companion, conversation: Conversation, system: str):
        self.deps = deps
        self.user = user
        self.companion = companion
        self.conversation = conversation
        self.system = system
        self._prepared: tuple[str, str] = ("", "")  # the words typed so far, and what they recalled
        self._break_from = conversation.started_at  # a minor is reminded to take a break every three hours
        self.last_reply_id: int | None = None  # the reply to the current user turn, once it exists
        self._planned_at: datetime | None = None  # when initiatives were last planned from memory
        self.provenance = Provenance()  # the outside text (mail) this conversation has put before the model
        self._secret = secrets.token_hex(8)  # fences outside text with nonces no message can guess
        self._pending_plan: int | None = None  # a desk plan waiting for the user's answer
        self._pending_proposal: Review | None = None  # an action the model proposed, waiting for confirmation
        self._nudged = False  # toward the people in their life, after hours spent only with the companion

    @classmethod
    async def begin(cls, deps: Deps, handle: str) -> Session:
        """Start a new conversation for ``handle``'s active companion (after recovering cut-off replies)."""
        store = deps.store
        user = await store.users.ensure(handle)
        companion = await store.users.active_companion(user.id)
        if companion is None:
            raise NotSetUpError("companion.not_set_up", "no companion yet", hint="run `os1 setup`")
        deps = await user_deps(deps, user.id)  # the user's own settings over the operator's, for this session
        await store.turns.recover_incomplete(user.id)
        last = await store.turns.previous_conversation(user.id, 1 << 62)
        conversation = await store.turns.start_conversation(user.id, companion.id, deps.clock())
        since = await since_last_time(store, user.id, companion, last, deps.clock())  # unanswered, learned
        if last is not None:  # it missed them, and is glad they are back
            since += feelings.apart(last.last_active_at, deps.clock(), user.display_name or "you")
        await moved(store, user.id, companion, since, deps.clock())
        await grow(store, user.id, companion, deps.clock())
        companion = await evolve(store, user.id, companion, deps.clock())  # she grows too, slowly
        return cls(deps, user, companion, conversation, await _system(deps, user, companion))

    @classmethod
    async def resume(cls, deps: Deps, handle: str, idle: timedelta) -> Session:
        """Go on with the user's latest conversation if it was active within ``idle`` (an API client's messages
        are one conversation, as they are to the user); else ``begin`` a new one."""
        store = deps.store
        user = await store.users.ensure(handle)
        companion = await store.users.active_companion(user.id)
        if companion is None:
            raise NotSetUpError("companion.not_set_up", "no companion yet", hint="run `os1 setup`")
        last = await store.turns.previous_conversation(user.id, 1 << 62)
        if last is None or last.companion_id != companion.id or deps.clock() - last.last_active_at > idle:
            return await cls.begin(deps, handle)
        deps = await user_deps(deps, user.id)
        return cls(deps, user, companion, last, await _system(deps, user, companion))

    @property
    def user_name(self) -> str | None:
        return self.user.display_name

    async def opening(self) -> AsyncGenerator[ReplyEvent, None]:
        """The companion speaks first: greeting by name, the AI disclosure, the thread of last time."""
        store, now = self.deps.store, self.deps.clock()
        thread = await previous_thread(store, self.user.id, self.conversation.id)
        text = opening_text(self.companion, self.user_name, thread)
        settings = self.deps.settings.initiative
        await initiative.plan(store, self.user.id, now, settings)
        self._planned_at = now
        first = await initiative.speak_first(store, self.user.id, now, settings)
        if first:  # something it meant to say: a follow-up, a nudge toward someone the user loves
            text += " " + first[0].text
        for said in await self._reminders(now):  # what the user asked to be reminded of: not subject to the quota
            text += " " + said
        turn = await store.turns.add(self.user.id, self.conversation.id, "assistant", text, now,
                                     meta={"kind": "opening", **({"initiative": first[0].id} if first else {})})
        await self._disclosed()
        for word in _words(text):
            yield ReplyDelta(word)
        yield ReplyDone(reply_turn_id=turn.id, text=text, disclosed=True)

    async def unprompted(self) -> str | None:
        """Something it means to say now, while the user is quiet: a follow-up, a nudge toward someone, a greeting
        that fell due (within the quota and outside quiet hours). Stored as its turn and returned; else None."""
        store, now = self.deps.store, self.deps.clock()
        settings = self.deps.settings.initiative
        if self._planned_at is None or now - self._planned_at >= REPLAN_EVERY:
            await initiative.plan(store, self.user.id, now, settings)
            self._planned_at = now
        reminders = await self._reminders(now)
        if reminders:  # "your meeting with Paul starts in 10 minutes"
            text = " ".join(reminders)
            await store.turns.add(self.user.id, self.conversation.id, "assistant", text, now,
                                  meta={"kind": "reminder"})
            return text
        due = await initiative.speak_first(store, self.user.id, now, settings)
        if not due:
            return None
        await store.turns.add(self.user.id, self.conversation.id, "assistant", due[0].text, now,
                              meta={"kind": "initiative", "initiative": due[0].id})
        return due[0].text

    async def _desk(self, text: str) -> DeskReply | None:
        """The desk's answer (mail, a plan's approval, a confirmation the model asked for), or None."""
        plan, self._pending_plan = self._pending_plan, None
        proposal, self._pending_proposal = self._pending_proposal, None
        if proposal is not None and (answer := confirmation_answer(proposal, text)) is not None:
            return answer
        if plan is None and not mail_wanted(text):
            return None
        desk = open_desk(self.deps.store, self.user.id, self.deps.clock, self.user_name,
                         password_logins(self.deps.settings.imap_password))
        if desk is None:
            return None
        reply = await desk.approve(plan, text) if plan is not None else None
        if reply is None and mail_wanted(text):
            reply = await desk.answer(text)
        if reply is not None:
            self._pending_plan = reply.plan_id
            for q in reply.quoted:
                self.provenance.add(q)
        return reply

    def _fenced(self, turn: Turn) -> str:
        """A turn that carries words from mail, as the model sees it: fenced as data, never as its own words."""
        sources = turn.meta.get("quoted") or []
        label = "; ".join(str(q.get("label", "")) for q in sources if isinstance(q, dict)) or "your mail"
        nonce = hashlib.sha256(f"{self._secret}:{turn.id}".encode()).hexdigest()[:8]
        return quote(Source("mail", ",".join(str(q.get("ref")) for q in sources if isinstance(q, dict)), label),
                     turn.content, nonce=nonce).block

    async def _reminders(self, now: datetime) -> list[str]:
        """Reminders the user set that are due now (claimed, so each is said once)."""
        from os1.calendar.base import CalendarError
        from os1.calendar.reminders import pending_reminders

        zone = initiative.local_zone(self.deps.settings.initiative)
        try:
            return [n.text for n in await pending_reminders(self.deps.store, self.user.id, now, zone)]
        except CalendarError:  # a store without the calendar's tables
            return []

    async def _disclosed(self) -> None:
        await self.deps.store.turns.touch(self.user.id, self.conversation.id, self.deps.clock(), disclosed=True)
        conversation = await self.deps.store.turns.conversation(self.user.id, self.conversation.id)
        assert conversation is not None
        self.conversation = conversation

    async def end(self) -> bool:
        """The conversation is over: the worker consolidates it (summary, people, the diary). True if queued."""
        store, uid = self.deps.store, self.user.id
        said = [t for t in await store.turns.recent(uid, self.conversation.id, 400) if t.role == "user"]
        if len(said) < 2:
            return False
        await store.jobs.enqueue(uid, REFLECT, {"conversation_id": self.conversation.id}, self.deps.clock())
        return True

    async def turn(self, text: str, go: asyncio.Event | None = None) -> AsyncGenerator[ReplyEvent, None]:
        """One exchange. The user's words are stored before anything else happens. While ``go`` is clear the
        model stops writing (a spoken reply's first piece is being voiced: see ``os1.llm.pace``)."""
        text = _clean(text)
        self.last_reply_id = None
        prepared, self._prepared = self._prepared, ("", "")  # what was typed belongs to this turn, or none
        if not text:
            raise Os1Error("turn.empty", "there is nothing to reply to")
        store, uid, now = self.deps.store, self.user.id, self.deps.clock()
        too_long = len(text) > MAX_INPUT_CHARS
        user_turn = await store.turns.add(uid, self.conversation.id, "user", text, now,
                                          meta={"refused": "too_long"} if too_long else None)
        if too_long:  # kept (nothing the user wrote is lost), but not replied to nor put in a prompt
            raise Os1Error("turn.too_long", f"that message is {len(text)} characters; the limit is "
                           f"{MAX_INPUT_CHARS}", hint="it is saved; send it in smaller parts for a reply")
        await store.jobs.enqueue(uid, LEARN, {"turn_id": user_turn.id}, now)
        signal = crisis.assess(text)
        if signal.triggered:
            async for event in self._care(user_turn, signal):
                yield event
            return
        declined = await boundaries(store, uid, self.companion, user_turn, self.deps.settings.care.minor, now)
        if declined is not None:  # its own mind: it says no, and why, and that is part of the relationship
            async for event in self._say(user_turn, declined, {"declined": True}):
                yield event
            return
        prefix = ""
        disclose = needs_disclosure(self.conversation.last_disclosure_at, now,
                                    timedelta(hours=self.deps.settings.care.disclosure_interval_hours))
        if disclose:  # the first reply of a session that had no opening says it plainly; later, a reminder
            reminder = self.conversation.last_disclosure_at is not None
            prefix = disclosure_text(self.companion.name, reminder=reminder) + " "
            await self._disclosed()
        if self.deps.settings.care.minor and now - self._break_from >= BREAK_EVERY:  # California SB 243
            prefix += BREAK_TEXT + " "
            self._break_from = now
        if not self._nudged and now - self.conversation.started_at >= initiative.LONG_TOGETHER:
            said = [t.content for t in await store.turns.recent(uid, self.conversation.id, 400) if t.role == "user"]
            nudge = await initiative.long_together(store, uid, self.conversation.started_at, now, said)
            self._nudged = True  # once a conversation: a nudge, not nagging
            prefix += nudge + " " if nudge else ""
        desk = await self._desk(text)
        if desk is not None:  # mail, answered by rules: nothing written in a message can steer this answer
            meta: dict[str, object] = {"desk": True}
            if desk.quoted:
                meta["quoted"] = [{"ref": q.source.ref, "label": q.source.label} for q in desk.quoted]
            async for event in self._say(user_turn, prefix + desk.text, meta):
                yield event
            return
        joke = await humour.joke_reply(store, uid, self.companion, text, now, user_turn.id)
        if joke is not None:  # asked for a joke: a fresh one, never one told before
            await moved(store, uid, self.companion, feelings.appraise(text, user_turn.id), now)
            async for event in self._say(user_turn, prefix + joke, {"humour": "joke"}):
                yield event
            return
        facts = await store.memories.current(uid, kinds=("fact",))
        grounded = answering_fact(text, facts)
        if grounded is not None:
            prefix += grounded.text + " "
        elif feelings.ASKED.search(text):  # "how are you feeling?": the real state and its real causes
            prefix += feelings.describe(*await mood_now(store, uid, self.companion, now)) + " "
        messages = await self._messages(user_turn, prefix, prepared)
        await moved(store, uid, self.companion, feelings.appraise(text, user_turn.id), now)
        async with aclosing(self._reply(user_turn, messages, prefix, disclose, go)) as events:
            async for event in events:
                yield event

    async def _care(self, user_turn: Turn, signal: crisis.CrisisSignal) -> AsyncGenerator[ReplyEvent, None]:
        store, uid, now = self.deps.store, self.user.id, self.deps.clock()
        await store.care.record(uid, self.conversation.id, user_turn.id, signal.kind, signal.level,
                                signal.matched, now)
        await store.turns.set_meta(uid, user_turn.id, {**user_turn.meta, "care": signal.kind})
        worry = feelings.Appraisal("empathy", -0.35, 0.4, "you were going through something very hard", user_turn.id)
        await moved(store, uid, self.companion, [worry], now)  # never quoting the words
        resource = crisis.resources_for(self.deps.settings.care.country)
        reply = crisis.care_reply(signal, resource, self.companion.name, self.user_name)
        async for event in self._say(user_turn, reply, {"care": signal.kind}):
            yield event

    async def _say(self, user_turn: Turn, reply: str, meta: dict[str, object]) -> AsyncGenerator[ReplyEvent, None]:
        """A reply written by the rules, not the model: stored, then shown word by word."""
        turn = await self.deps.store.turns.add(self.user.id, self.conversation.id, "assistant", reply,
                                               self.deps.clock(), meta=meta)  # fmt: skip
        for word in _words(reply):
            yield ReplyDelta(word)
        care = meta.get("care")
        yield ReplyDone(reply_turn_id=turn.id, text=reply, user_turn_id=user_turn.id,
                        care=care if isinstance(care, str) else None)  # fmt: skip

    async def words(self, text: str, go: asyncio.Event | None = None) -> AsyncGenerator[str, None]:
        """``turn`` as plain text deltas: the voice pipeline's responder."""
        async with aclosing(self.turn(text, go)) as events:
            async for event in events:
                if isinstance(event, ReplyDelta):
                    yield event.text

    async def cut_short(self) -> None:
        """The user stopped the current reply while it was still being said (spoken replies are written faster
        than they are heard): it is kept as written, marked interrupted. Nothing happens before it exists."""
        if self.last_reply_id is None:
            return
        turn = (await self.deps.store.turns.many(self.user.id, [self.last_reply_id])).get(self.last_reply_id)
        if turn is not None and not turn.interrupted:
            await self.deps.store.turns.update(self.user.id, turn.id, turn.content, completed=True, interrupted=True)

    async def prepare(self, partial: str, ahead: bool = False) -> bool:
        """Pre-evaluate what the user has typed so far (call at word boundaries), with what it recalls, so that
        when they send it only the rest is new to the model. Stores nothing. False when the model cannot.
        With ``ahead`` the words are all there is (a spoken turn heard in full, its closing silence still
        running): the reply itself is begun, and the turn takes it over if it is for these same words."""
        prefill = getattr(self.deps.model, "prefill", None)
        text = _clean(partial)
        if prefill is None or not text or len(text) > MAX_INPUT_CHARS:
            return False
        history = await self._history()
        context = await self._recalled(text, history, self._prepared)
        self._prepared = (text, context)
        messages = _prompt(history, context, text)
        if ahead:
            await prefill(messages, AHEAD_TOKENS, **self._sampling())
        else:
            await prefill(messages)
        return True

    def _sampling(self) -> dict[str, float]:
        """How a reply is sampled: the user's creativity (the same for a reply begun ahead and the turn's)."""
        return {"temperature": self.deps.settings.model.temperature}

    async def _history(self, exclude: int | None = None) -> list[Message]:
        """The part of the prompt that only ever grows: persona and profile, then the window of earlier turns,
        each user turn preceded by what was recalled for it."""
        store, uid = self.deps.store, self.user.id
        count = await store.turns.count(uid, self.conversation.id)
        earlier = count - (1 if exclude is not None else 0)
        turns = await store.turns.recent(uid, self.conversation.id, count - window_start(earlier))
        messages = [Message("system", self.system)]
        for t in turns:
            if t.id == exclude or t.meta.get("refused"):
                continue
            content = self._fenced(t) if t.meta.get("quoted") else t.content
            messages += [*_context_message(t.meta.get("context", "")), Message(t.role, content)]
        return messages

    async def _recalled(self, text: str, history: list[Message], prepared: tuple[str, str]) -> str:
        """What recall finds for ``text`` that the prompt does not show yet. When ``text`` extends the words
        prepared while the user typed, what was recalled for them stays, first and in order, so the
        pre-evaluated prompt stays valid; new lines follow (MAX_RECALLED in all). Words prepared in full (a
        spoken turn is often heard whole before its silence ends it) keep what was recalled for them."""
        typed, context = prepared
        if context and typed == text:
            return context
        shown = {line for m in history if m.role == "system" for line in m.content.splitlines()}
        found = await self.deps.recall.search(self.user.id, text, 5, self.conversation.id)
        fresh = [f"- {r.text}" for r in found if f"- {r.text}" not in shown]
        carried = [line for line in context.splitlines() if line.startswith("- ") and line not in shown] if (
            typed.strip() and text.startswith(typed.strip())) else []
        lines = (carried + [line for line in fresh if line not in carried])[:MAX_RECALLED]
        mood, _ = await mood_now(self.deps.store, self.user.id, self.companion, self.deps.clock())
        remembered = "\n" + CONTEXT_HEADER + "\n".join(lines) if lines else ""
        return feelings.prompt_line(mood) + remembered  # first: lines recalled later extend the prepared text

    async def _messages(self, user_turn: Turn, prefix: str, prepared: tuple[str, str]) -> list[Message]:
        history = await self._history(exclude=user_turn.id)
        context = await self._recalled(user_turn.content, history, prepared)
        playful = await humour.callback_line(self.deps.store, self.user.id, self.companion, user_turn.content,
                                             self.deps.clock(), user_turn.id)
        context += f"\n{playful}" if playful else ""  # they laughed: a callback to something shared, rarely
        if context:
            await self.deps.store.turns.set_meta(self.user.id, user_turn.id, {**user_turn.meta, "context": context})
        messages = _prompt(history, context, user_turn.content)
        if prefix:
            messages.append(Message("assistant", prefix.rstrip()))  # the model continues the grounded start
        return messages

    async def _reply(
        self, user_turn: Turn, messages: list[Message], prefix: str, disclosed: bool, go: asyncio.Event | None
    ) -> AsyncGenerator[ReplyEvent, None]:
        store, uid = self.deps.store, self.user.id
        reply = await store.turns.add(uid, self.conversation.id, "assistant", prefix.rstrip(),
                                      self.deps.clock(), completed=False)
        self.last_reply_id = reply.id
        said = ""  # the model's own words, after the prefix
        last_flush = time.monotonic()
        finished = False
        try:
            if prefix:
                for word in _words(prefix):
                    yield ReplyDelta(word)
            limit = self.deps.settings.model.max_reply_sentences
            model, sampling = self.deps.model, self._sampling()
            written = paced(model, messages, go, self.deps.settings.model.max_reply_tokens, **sampling) if go else (
                model.stream(messages, **sampling))
            async with aclosing(written) as chunks:
                async for chunk in chunks:
                    if chunk.text:
                        text = chunk.text if prefix or said else chunk.text.lstrip()
                        said += text
                        yield ReplyDelta(text)
                        if limit and sentences(said + " ") >= limit:
                            break  # a clean end: the hard cap, at a sentence boundary
                    if time.monotonic() - last_flush > FLUSH_EVERY_S:
                        await store.turns.update(uid, reply.id, (prefix + said).strip(), completed=False)
                        last_flush = time.monotonic()
            finished = True
            found = proposals_in(said)
            if found:  # it proposed an action: never carried out on its word; the user is asked, with the origin
                gate = review(found[0], self.provenance, user_words=user_turn.content)
                self._pending_proposal = gate
                said = strip_proposals(said) + " " + gate.prompt
                yield ReplyDelta(" " + gate.prompt)
        finally:
            # Completed, or cut short (Ctrl-C, a dropped client, an error): the partial reply is kept either way.
            full = (prefix + said).strip()
            await store.turns.update(uid, reply.id, full, completed=True, interrupted=not finished)
            await store.jobs.enqueue(uid, EMBED, {}, self.deps.clock())  # the reply joins recall, later
        yield ReplyDone(reply_turn_id=reply.id, text=full, user_turn_id=user_turn.id, disclosed=disclosed)
