"""Coarse genre of a message written by a person: business, personal, or logistics (meetings, travel, support).
One-vs-rest logistic regressions over hashed words of the writer's own text and subject, trained on the UC
Berkeley Enron categories (coarse genre, with "personal in a professional context" counted as personal)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from os1.mail import features as F
from os1.mail.linear import Batch, LogReg, fit, normalized
from os1.mail.message import Email

MODEL_PATH = Path(__file__).parent / "models" / "genre.npz"
GENRES = ("business", "personal", "logistics")
BITS = 17
# Berkeley coarse genre (folder 1-6) -> ours; 7 and 8 (empty messages) have no genre.
BERKELEY = {1: "business", 2: "personal", 3: "personal", 4: "logistics", 5: "business", 6: "business"}


class GenreModel:
    def __init__(self, models: Sequence[LogReg], bits: int = BITS) -> None:
        self.models = tuple(models)
        self.bits = bits

    @staticmethod
    def load(path: Path = MODEL_PATH) -> GenreModel:
        first, extra = LogReg.load(path)
        rest = [LogReg(extra[f"w{i}"].astype(np.float64), float(extra[f"b{i}"])) for i in range(1, len(GENRES))]
        return GenreModel([first, *rest], int(extra.get("bits", np.int64(BITS))))

    def save(self, path: Path = MODEL_PATH) -> None:
        extra: dict[str, Any] = {f"w{i}": m.w.astype(np.float32) for i, m in enumerate(self.models) if i}
        extra |= {f"b{i}": np.float32(m.bias) for i, m in enumerate(self.models) if i}
        self.models[0].save(path, bits=np.int64(self.bits), **extra)

    def features(self, email: Email) -> dict[int, float]:
        own = F.own_text(email.text)
        return normalized(F.token_counts([("s", email.subject), ("b", own or email.text[:2000])], self.bits))

    def probs(self, email: Email) -> dict[str, float]:
        feats = self.features(email)
        return {g: m.prob(feats) for g, m in zip(GENRES, self.models, strict=True)}

    def genre(self, email: Email) -> str:
        probs = self.probs(email)
        return max(GENRES, key=lambda g: probs[g])


def train(emails: Sequence[Email], genres: Sequence[str], bits: int = BITS, epochs: int = 300) -> GenreModel:
    shell = GenreModel([], bits)
    batch = Batch.of([shell.features(e) for e in emails])
    return GenreModel([fit(batch, [g == name for g in genres], 1 << bits, l2=1e-5, epochs=epochs) for name in GENRES],
                      bits)
