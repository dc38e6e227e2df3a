"""Spam: a logistic regression over hashed words of the subject, body, sender and link hosts, plus signs a
person can check (money talk, urgency, shouting, HTML only, many links, a sender that is not who it says...).

The weights ship with the package (``models/spam.npz``, trained by ``bench/train_triage.py`` on the SpamAssassin
public corpus). ``learn`` moves them towards the user's own corrections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from os1.mail import features as F
from os1.mail.linear import Batch, LogReg, fit, normalized
from os1.mail.message import Address, Email

MODEL_PATH = Path(__file__).parent / "models" / "spam.npz"
BITS = 18
THRESHOLD = 0.5
LEXICON_CHARS = 4000  # the spam phrases are looked for in the subject and the start of the body


LEXICON: dict[str, tuple[str, ...]] = {
    "money": (r"\$\s?\d[\d,.]*(?:\s?(?:million|k))?", r"free", r"cash", r"earn(?:ing)? (?:money|extra|up to)",
              r"income", r"credit(?: card)?", r"mortgage", r"loan", r"debt", r"refinanc\w+", r"lowest rates?",
              r"investment", r"million dollars", r"save up to", r"discount", r"cheap", r"prices?"),
    "urgent": (r"act now", r"limited time", r"urgent", r"expires?", r"don'?t delay", r"today only", r"immediately",
               r"hurry", r"last chance", r"order now", r"call now", r"while supplies last"),
    "promise": (r"100 ?%", r"guarantee[ds]?", r"risk[- ]free", r"no obligation", r"winner", r"congratulations",
                r"you have been selected", r"amazing", r"miracle", r"weight loss", r"no cost", r"satisfaction",
                r"incredible"),
    "click": (r"click (?:here|below|the link)", r"to be removed", r"remove me", r"opt[- ]out", r"unsubscribe",
              r"this is not spam", r"one-time mailing", r"you are receiving this"),
    "greeting": (r"dear (?:friend|sir|madam|customer|member|user|valued \w+)",),
}
LEXICON_TEXT = {"money": "it talks about money", "urgent": "it urges you to act", "promise": "it promises a lot",
                "click": "it asks you to click or unsubscribe", "greeting": "it greets a stranger"}
# One pass over the text for every list (on lower-cased text): a phrase starts and ends at a word's edge.
PHRASES = re.compile(r"(?<![\w$])(?:" + "|".join(f"(?P<{k}>{'|'.join(v)})" for k, v in LEXICON.items()) + r")(?!\w)")
PLAIN_WORDS = frozenset(  # too common to explain anything, whatever their weight
    "the and for you your our are was will with this that from have has not but can all any get its it's out "
    "who what when how why which their they them there here one more now new per may".split())
IP_URL = re.compile(r"https?://\d{1,3}(?:\.\d{1,3}){3}")


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    value: float  # 0..1
    text: str  # for a person: "it urges you to act ('act now')"


def _quoted(found: Sequence[str], n: int = 3) -> str:
    seen = list(dict.fromkeys(f.lower().strip() for f in found))[:n]
    return ", ".join(f"'{s}'" for s in seen)


def _lexicon_signals(text: str) -> list[Signal]:
    found: dict[str, list[str]] = {k: [] for k in LEXICON}
    for m in PHRASES.finditer(text.lower()):
        found[m.lastgroup or ""].append(m.group(0))
    return [Signal(k, min(1.0, len(v) / 3), f"{LEXICON_TEXT[k]} ({_quoted(v)})" if v else "") for k, v in found.items()]


def _sign(name: str, value: float, text: str) -> Signal:
    return Signal(name, value, text if value else "")


def signals(email: Email) -> list[Signal]:
    """Every hand-made sign, fired or not (the model needs them all, always in this order)."""
    body = email.text[: F.BODY_CHARS]
    links = F.urls(body)
    sender_domain = email.sender.addr.rpartition("@")[2]
    elsewhere = {a.addr.rpartition("@")[2] for a in email.reply_to if a.addr} - {sender_domain}
    name_addr = F.EMAIL_ADDR.search(email.sender.name or "")
    other_addr = bool(name_addr and name_addr.group(0).lower() != email.sender.addr)
    digits = sum(c.isdigit() for c in email.sender.addr.partition("@")[0])
    flagged = any(email.header(h).lower().startswith("yes") for h in ("x-spam-flag", "x-spam-status"))
    out = _lexicon_signals(f"{email.subject}\n{body[:LEXICON_CHARS]}")
    out += [
        _sign("shout_subject", float(F.caps_ratio(email.subject) > 0.6), "its subject is in capitals"),
        Signal("shout_body", min(1.0, F.caps_ratio(body[:4000]) * 2), ""),
        _sign("exclaim", min(1.0, email.subject.count("!") / 2), "its subject shouts ('!')"),
        Signal("links", min(1.0, len(links) / 10), f"it has {len(links)} links" if len(links) >= 3 else ""),
        _sign("ip_link", float(bool(IP_URL.search(body))), "a link points at a bare IP address"),
        _sign("html_only", float(email.html), "its body is HTML only"),
        _sign("reply_elsewhere", float(bool(elsewhere)), "replies would go to another domain than the sender's"),
        _sign("name_is_other_addr", float(other_addr), "the sender's name is a different address"),
        _sign("no_recipient", float(not email.to), "it is not addressed to anyone"),
        _sign("digits_sender", float(digits >= 4), "the sender's address is mostly digits"),
        _sign("no_date", float(email.date is None), "it has no date"),
        _sign("broken", min(1.0, len(email.problems) / 2), "it is badly formed"),
        _sign("flagged", float(flagged), "your mail server marked it as spam"),
    ]
    return out


N_SIGNALS = len(signals(Email(message_id="", content_hash="", subject="", sender=Address("", ""))))


@dataclass(frozen=True, slots=True)
class SpamVerdict:
    prob: float
    signs: tuple[str, ...]  # the hand-made signs that fired and push towards spam
    words: tuple[str, ...]  # the message's words that weigh most towards spam

    @property
    def is_spam(self) -> bool:
        return self.prob >= THRESHOLD

    def reason(self) -> str:
        parts = list(self.signs)
        if self.words:
            parts.append("words common in spam: " + ", ".join(f"'{w}'" for w in self.words))
        if not self.is_spam:
            return f"it does not look like spam ({self.prob:.0%})"
        count = len(self.signs) + (1 if self.words else 0)
        head = f"it looks like spam ({self.prob:.0%})"
        return f"{head}: {count} sign{'s' if count != 1 else ''} — " + "; ".join(parts) if parts else head


class SpamFilter:
    """Scores messages with the shipped (or a freshly trained) model; ``learn`` takes the user's corrections."""

    def __init__(self, model: LogReg, bits: int = BITS) -> None:
        self.model = model
        self.bits = bits

    @staticmethod
    def load(path: Path = MODEL_PATH) -> SpamFilter:
        model, extra = LogReg.load(path)
        return SpamFilter(model, int(extra.get("bits", np.int64(BITS))))

    def save(self, path: Path = MODEL_PATH) -> None:
        self.model.save(path, bits=np.int64(self.bits))

    def features(self, email: Email, sigs: Sequence[Signal] | None = None) -> dict[int, float]:
        feats = normalized(F.token_counts(F.email_fields(email), self.bits))
        base = 1 << self.bits
        for i, s in enumerate(signals(email) if sigs is None else sigs):
            if s.value:
                feats[base + i] = s.value
        return feats

    def prob(self, email: Email) -> float:
        return self.model.prob(self.features(email))

    def judge(self, email: Email) -> SpamVerdict:
        """The probability, with the signs and words that pushed it up (for the reasons a person reads)."""
        base = 1 << self.bits
        sigs = signals(email)
        prob = self.model.prob(self.features(email, sigs))
        signs = tuple(s.text for i, s in enumerate(sigs) if s.value and s.text and self.model.w[base + i] > 0)
        return SpamVerdict(prob, signs, self._spammy_words(email) if prob >= THRESHOLD else ())

    def _spammy_words(self, email: Email, n: int = 3) -> tuple[str, ...]:
        weights: dict[str, float] = {}
        for field, text in F.email_fields(email)[:2]:
            for word in set(F.words(text)):
                if len(word) > 2 and word not in PLAIN_WORDS:
                    weights[word] = float(self.model.w[F.bucket(f"{field}:{word}", self.bits)])
        top = sorted((w for w in weights.items() if w[1] > 0.5), key=lambda kv: -kv[1])[:n]
        return tuple(word for word, _ in top)

    def learn(self, email: Email, is_spam: bool) -> None:
        """Take the user's word for it: move this message (and ones like it) towards ``is_spam``."""
        self.model.learn(self.features(email), is_spam)


def train(emails: Sequence[Email], labels: Sequence[bool], bits: int = BITS, epochs: int = 300) -> SpamFilter:
    """A filter trained on these messages (``labels[i]`` is True for spam)."""
    shell = SpamFilter(LogReg(np.zeros(1)), bits)
    batch = Batch.of([shell.features(e) for e in emails])
    return SpamFilter(fit(batch, labels, (1 << bits) + N_SIGNALS, l2=1e-6, epochs=epochs), bits)
