"""The mail briefing: what needs the user, in short sentences that read well and can be spoken — sender names
(never addresses), no links, numbers as words. A deterministic template, no model.

``briefing`` sums up many triaged messages; ``describe`` reads one aloud ("From Amy, yesterday evening, about
Saturday. Amy writes: …"), with the sender's words clearly marked as theirs. ``spoken`` is what to hand to the
voice pipeline (the companion does; mail does not import voice)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from os1.mail import features as F
from os1.mail.message import Email
from os1.mail.triage import NOREPLY, Triage

MAX_NAMED = 5  # messages named one by one in the briefing; the rest are counted
ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|tr|sv|wg)\s*(?:\[\d+\])?\s*:\s*|\[[^\]]{1,40}\]\s*)+", re.I)
GENERIC_HOSTS = frozenset("mail email e em m t mg news info notifications notify bounce bounces www".split())
LOWER_FIRST = frozenset("the a an your my our this that these those some quick question about".split())


@dataclass(frozen=True, slots=True)
class Briefing:
    """``lines`` for a screen (one per group or message), ``text`` to read, ``spoken`` for text to speech (the
    same words with every number spelled out and quotations announced), ``counts`` per category."""

    lines: tuple[str, ...]
    text: str
    spoken: str
    counts: tuple[tuple[str, int], ...] = ()

    def count(self, category: str) -> int:
        return next((n for c, n in self.counts if c == category), 0)


def number(n: int, spoken: bool = False) -> str:
    """A count as a person says it: words up to twenty (up to 999 when ``spoken``), digits beyond."""
    if n < 20:
        return ONES[n]
    if not spoken or n >= 1000:
        return str(n)
    if n >= 100:
        rest = n % 100
        return f"{ONES[n // 100]} hundred" + (f" and {number(rest, True)}" if rest else "")
    return TENS[n // 10] + (f"-{ONES[n % 10]}" if n % 10 else "")


def plural(n: int, word: str, spoken: bool = False) -> str:
    return f"{number(n, spoken)} {word}{'' if n == 1 else 's'}"


def who(email: Email, names: Mapping[str, str] | None = None) -> str:
    """What to call the sender aloud: the caller's name for them, a person's first name, an organisation's
    name, or a name made from the address — never the address itself."""
    if names and (given := names.get(email.sender.addr)):
        return given
    name = re.sub(r"\s*\((?:via|by)?[^)]*\)|\"|'", "", email.sender.name or "").strip()
    if "@" in name:
        name = ""
    if "," in name:  # "Lee, Amy"
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
    parts = name.split()
    if 2 <= len(parts) <= 3 and all(p[:1].isupper() and p.replace("-", "").replace(".", "").isalpha()
                                    for p in parts):
        return parts[0]
    if name:
        return F.speakable(name)
    local, _, domain = email.sender.addr.partition("@")
    if not local or NOREPLY.match(local):
        labels = [x for x in domain.split(".")[:-1] if x not in GENERIC_HOSTS] or domain.split(".")[:1]
        return labels[0].capitalize() if labels and labels[0] else "someone"
    parts = [w.capitalize() for w in re.split(r"[._\-+]+", local) if w.isalpha()]
    if len(parts) > 1 and len(parts[0]) == 1:  # "j.kaminski": an initial alone is not a name
        return " ".join(parts[:2])
    return parts[0] if parts else "someone"


def topic(email: Email) -> str:
    """The subject as a short phrase: no Re:/Fwd:/[list] prefixes, links or addresses, at most eight words."""
    subject = F.EMAIL_ADDR.sub("", F.URL.sub("", PREFIX.sub("", email.subject)))
    subject = " ".join(subject.split()).strip(" .!?:;-,")
    words = subject.split()
    if not words:
        return ""
    if words[0].lower() in LOWER_FIRST:
        words[0] = words[0].lower()
    return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


def _mention(email: Email, triage: Triage, names: Mapping[str, str] | None) -> str:
    subject = topic(email)
    asking = triage.has("needs_reply") and "?" in triage.ask
    if not subject:
        return f"{who(email, names)}{' with a question' if asking else ''}"
    return f"{who(email, names)} {'asking about' if asking else 'about'} {subject}"


def _series(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def _urgency(pair: tuple[Email, Triage]) -> tuple[int, int, float]:
    email, t = pair
    stamp = email.date.timestamp() if email.date else 0.0
    return (0 if t.has("important") else 1, 0 if t.category == "needs_reply" else 1, -stamp)


def _greeting(now: datetime, user_name: str | None) -> str:
    part = "morning" if now.hour < 12 else "afternoon" if now.hour < 18 else "evening"
    return f"Good {part}{', ' + user_name if user_name else ''}."


def _sentences(groups: dict[str, list[tuple[Email, Triage]]], names: Mapping[str, str] | None,
               spoken: bool) -> list[str]:
    out = []
    need = sorted(groups["need"], key=_urgency)
    if need:
        named = [_mention(e, t, names) for e, t in need[:MAX_NAMED]]
        if len(need) > MAX_NAMED:
            named.append(plural(len(need) - MAX_NAMED, "other", spoken))
        verb = "needs" if len(need) == 1 else "need"
        out.append(f"You have {plural(len(need), 'message', spoken)} that {verb} you: {_series(named)}.")
    if personal := groups["personal"]:
        senders = list(dict.fromkeys(who(e, names) for e, _ in personal))
        shown = senders[:MAX_NAMED] + ([plural(len(senders) - MAX_NAMED, "other", spoken)]
                                       if len(senders) > MAX_NAMED else [])
        out.append(f"{_series(shown)} wrote to you.")
    if funny := groups["funny"]:
        senders = list(dict.fromkeys(who(e, names) for e, _ in funny))[:3]
        out.append(f"{_series(senders)} sent something that might make you laugh.")
    waiting = [plural(len(groups[c]), c, spoken) for c in ("newsletter", "notification") if groups[c]]
    if waiting:
        out.append(f"{_series(waiting)} can wait.".capitalize())
    if groups["spam"]:
        n = len(groups["spam"])
        out.append(f"{number(n, spoken).capitalize()} {'looks' if n == 1 else 'look'} like spam.")
    if groups["other"] and out:
        out.append(f"And {plural(len(groups['other']), 'other message', spoken)}.")
    return out


def group(items: Sequence[tuple[Email, Triage]]) -> dict[str, list[tuple[Email, Triage]]]:
    """Messages by what they ask of the user: need (needs a reply or important), personal, funny, newsletter,
    notification, spam, other. Each message is in one group only."""
    groups: dict[str, list[tuple[Email, Triage]]] = {
        k: [] for k in ("need", "personal", "funny", "newsletter", "notification", "spam", "other")}
    for email, t in items:
        key = "need" if t.category in ("needs_reply", "important") else t.category
        groups[key].append((email, t))
    return groups


def briefing(items: Sequence[tuple[Email, Triage]], now: datetime, user_name: str | None = None,
             names: Mapping[str, str] | None = None) -> Briefing:
    """Sum up triaged messages, most pressing first. ``names`` maps a sender's address to what the user calls
    them ("your lawyer")."""
    groups = group(items)
    lines = _sentences(groups, names, spoken=False) or ["No new mail needs you."]
    said = _sentences(groups, names, spoken=True) or lines
    greeting = _greeting(now, user_name)
    counts = tuple((c, len(v)) for c, v in groups.items() if v)
    return Briefing(tuple(lines), " ".join([greeting, *lines]), " ".join([greeting, *said]), counts)


def when(date: datetime | None, now: datetime) -> str:
    """A date as a person says it relative to ``now``: "this morning", "yesterday evening", "on Tuesday",
    "on 3 March"."""
    if date is None:
        return ""
    local = date.astimezone(now.tzinfo) if now.tzinfo else date
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 18 else "evening"
    days = (now.date() - local.date()).days
    if days == 0:
        return f"this {part}" if part != "evening" or now.hour >= 18 else "tonight"
    if days == 1:
        return f"yesterday {part}" if part != "evening" else "last night" if local.hour >= 21 else "yesterday evening"
    if 1 < days < 7:
        return f"on {local.strftime('%A')}"
    return f"on {local.day} {local.strftime('%B')}" + (f" {local.year}" if local.year != now.year else "")


def _their_words(email: Email, t: Triage) -> str:
    if t.ask:
        return F.speakable(t.ask)
    found = F.sentences(F.own_text(email.text), 2)
    text = F.speakable(" ".join(found))
    return text if len(text) <= 240 else text[:239].rsplit(" ", 1)[0] + "…"


def describe(email: Email, triage: Triage, now: datetime | None = None,
             names: Mapping[str, str] | None = None) -> Briefing:
    """One message read aloud: who, when, about what, then their words, clearly quoted as theirs."""
    sender, subject = who(email, names), topic(email)
    stamp = when(email.date, now) if now else ""
    kind = {"spam": "This looks like spam. ", "newsletter": "A newsletter. ", "notification": "A notification. "}
    head = (kind.get(triage.category, "") + f"From {sender}" + (f", {stamp}" if stamp else "")
            + (f", about {subject}" if subject else "") + ".")
    words = _their_words(email, triage) if triage.category != "spam" else ""
    verb = "asks" if triage.ask and "?" in triage.ask else "writes"
    text = f"{head} {sender} {verb}: “{words}”" if words else head
    spoken = f"{head} {sender} {verb}, quote: {words} End of quote." if words else head
    return Briefing((text,), text, spoken, ((triage.category, 1),))
