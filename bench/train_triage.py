"""Train the triage models that ship with OS1 and write them into the package (``src/os1/mail/models``).

    .venv/bin/python bench/train_triage.py [SPAMASSASSIN_DIR] [EMAIL_INTENT_TXT] [ENRON_CATEGORIES_JSONL] [--out DIR]

Only openly licensed data goes into what ships: spam from the SpamAssassin public corpus (public domain), requests
from the Parakweet email-intent sentences (Apache-2.0). The Berkeley Enron categories carry no licence (research
use), so the genre model and Enron ham are trained only with ``--research-data``, for your own use, never shipped.
The figures come from ``bench/mail_triage.py``, which trains the same code on 4/5 of each set and measures on the
fifth it never saw."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import mail_data as D  # noqa: E402
from os1.mail import action, genre, spam  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "src" / "os1" / "mail" / "models"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("spamassassin", nargs="?", type=Path, default=D.DATA / "spamassassin")
    ap.add_argument("intent", nargs="?", type=Path, default=D.DATA / "email_intent" / "Ask0729-fixed.txt")
    ap.add_argument("enron", nargs="?", type=Path,
                    default=D.DATA / "enron_berkeley_categories" / "enron_categories_shared.jsonl")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--research-data", action="store_true",
                    help="also train on the Berkeley Enron categories (no licence: never commit what this writes)")
    args = ap.parse_args(argv)
    parse = D.parser()
    t0 = time.perf_counter()
    rows = list(D.spamassassin(args.spamassassin))
    ham = [parse(raw) for raw, _, _ in D.enron_categories(args.enron)] if args.research_data else []
    spam.train([parse(raw) for raw, _, _ in rows] + ham, [is_spam for _, is_spam, _ in rows] + [False] * len(ham)
               ).save(args.out / "spam.npz")
    print(f"spam: {len(rows)} + {len(ham)} messages, {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    sentences = list(D.email_intent(args.intent))
    action.train([s for s, _ in sentences], [y for _, y in sentences]).save(args.out / "action.npz")
    print(f"action: {len(sentences)} sentences", file=sys.stderr)
    if args.research_data:
        mails = [(parse(raw), genre.BERKELEY[f]) for raw, f, _ in D.enron_categories(args.enron)
                 if f in genre.BERKELEY]
        genre.train([e for e, _ in mails], [g for _, g in mails]).save(args.out / "genre.npz")
        print(f"genre: {len(mails)} messages", file=sys.stderr)
    print(f"models in {args.out}", file=sys.stderr)
    sizes = " ".join(f"{p.name}={p.stat().st_size // 1024}KB" for p in sorted(args.out.glob("*.npz")))
    print(f"RESULT trained={2 + args.research_data} {sizes.replace('.npz', '_kb').replace('KB', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
