"""Does a message ask the reader to do or answer something? A sentence-level logistic regression (hashed words and
word pairs, plus request cues: a question to "you", "please", "could you", an imperative verb first, a deadline),
trained on the Parakweet email-intent sentences; the message's score is its most demanding sentence's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from os1.mail import features as F
from os1.mail.linear import Batch, LogReg, fit, normalized

MODEL_PATH = Path(__file__).parent / "models" / "action.npz"
BITS = 17
THRESHOLD = 0.5

IMPERATIVE = frozenset(
    "send call let please review check give forward confirm make take get look read sign return reply fill tell "
    "bring schedule set update provide attach submit join come meet remember note see email phone ask pick print "
    "approve complete contact find fax prepare arrange book bear keep advise inform drop stop write plan mail "
    "respond rsvp".split())
YOU_ASK = re.compile(r"\b(?:could|can|would|will|do|did|are|have|should|shall|might) you\b|\bwould you mind\b", re.I)
NEED = re.compile(r"\b(?:let me know|get back to me|need(?:s)? you to|i'?d like you to|want you to|i need|"
                  r"we need|your (?:help|input|thoughts|comments|approval|feedback))\b", re.I)
DEADLINE = re.compile(r"\b(?:asap|as soon as possible|by (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                      r"tomorrow|today|tonight|noon|eod|cob|end of (?:the )?(?:day|week)|next week|\d)|"
                      r"before (?:monday|tuesday|wednesday|thursday|friday|the meeting|tomorrow|\d)|deadline|due)\b",
                      re.I)
FYI = re.compile(r"\b(?:fyi|for your (?:information|records|reference)|please (?:see|find|note) (?:the )?"
                 r"(?:attached|below|following|enclosed)|attached (?:is|are)|here (?:is|are) the)\b", re.I)
TO_YOU = re.compile(r"\byou(?:r)?\b", re.I)
PROMO = re.compile(r"\b(?:click|subscribe|unsubscribe|buy|order now|visit|shop|offer|free|\$\d)", re.I)


@dataclass(frozen=True, slots=True)
class Ask:
    """The sentence that asks most, its probability, and what kind of ask it is."""

    prob: float
    sentence: str
    question: bool

    @property
    def asks(self) -> bool:
        return self.prob >= THRESHOLD


def cues(sentence: str) -> list[float]:
    """Request cues of one sentence, each 0 or 1 (the model weighs them with its words)."""
    first = F.words(sentence[:40])
    has_q = sentence.rstrip().endswith("?") or "?" in sentence
    you = bool(re.search(r"\byou(?:r)?\b", sentence, re.I))
    return [float(has_q), float(has_q and you), float(bool(re.search(r"\bplease\b", sentence, re.I))),
            float(bool(YOU_ASK.search(sentence))), float(bool(first) and first[0] in IMPERATIVE),
            float(bool(NEED.search(sentence))), float(bool(DEADLINE.search(sentence))),
            float(bool(PROMO.search(sentence))), float(you)]


N_CUES = len(cues(""))


class ActionModel:
    def __init__(self, model: LogReg, bits: int = BITS) -> None:
        self.model = model
        self.bits = bits

    @staticmethod
    def load(path: Path = MODEL_PATH) -> ActionModel:
        model, extra = LogReg.load(path)
        return ActionModel(model, int(extra.get("bits", np.int64(BITS))))

    def save(self, path: Path = MODEL_PATH) -> None:
        self.model.save(path, bits=np.int64(self.bits))

    def features(self, sentence: str) -> dict[int, float]:
        feats = normalized(F.token_counts([("w", sentence)], self.bits, bigrams=True))
        base = 1 << self.bits
        for i, value in enumerate(cues(sentence)):
            if value:
                feats[base + i] = value
        return feats

    def prob(self, sentence: str) -> float:
        return self.model.prob(self.features(sentence))

    def strongest(self, text: str, limit: int = 20) -> Ask:
        """The most demanding of the first ``limit`` sentences of the writer's own words in ``text`` (quotes and
        signature left out)."""
        found = F.sentences(F.own_text(text), limit)
        if not found:
            return Ask(0.0, "", False)
        probs = self.model.probs(Batch.of([self.features(s) for s in found]))
        for i, sentence in enumerate(found):  # rules on top of the model: "for your information" asks nothing,
            if FYI.search(sentence):  # a question to "you" asks something
                probs[i] *= 0.5
            elif "?" in sentence and TO_YOU.search(sentence) and not PROMO.search(sentence):
                probs[i] = max(probs[i], min(1.0, probs[i] + 0.2))
        best = int(np.argmax(probs))
        return Ask(float(probs[best]), found[best], "?" in found[best])


def train(sentences: Sequence[str], labels: Sequence[bool], bits: int = BITS, epochs: int = 300) -> ActionModel:
    shell = ActionModel(LogReg(np.zeros(1)), bits)
    batch = Batch.of([shell.features(s) for s in sentences])
    return ActionModel(fit(batch, labels, (1 << bits) + N_CUES, l2=1e-5, epochs=epochs), bits)
