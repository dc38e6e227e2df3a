"""``os1 letters proof | client | style | book``: the parts of ``os1 letters`` that read a letter closely or
make something from many (kept apart from ``cli/letters.py`` to keep both short)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import Os1Error

if TYPE_CHECKING:
    from os1.config import Settings
    from os1.letters.proof import Suggestion
    from os1.letters.service import Desk


def _show(n: int, s: Suggestion, text: str) -> str:
    start, end = max(0, s.start - 25), min(len(text), s.end + 25)
    context = " ".join(text[start:end].split())
    change = f"{s.original!r} → {s.replacement!r}" if s.replacement is not None else "(a note: nothing to change)"
    return f"{n:>2}. [{s.kind}] {s.message}\n    {change}\n    …{context}…"


def _yes(question: str) -> bool | None:
    try:
        answer = input(f"{question} [y/n/q] ").strip().lower()
    except EOFError:
        print()
        return None
    return None if answer in ("q", "quit") else answer in ("y", "yes")


def _choose(suggestions: list[Suggestion], text: str) -> list[int]:
    """Ask y/n for each suggestion that changes something (q stops asking); the numbers accepted."""
    chosen = []
    for n, s in enumerate(suggestions, 1):
        print(_show(n, s, text))
        if s.replacement is None:
            continue
        answer = _yes("    Accept?")
        if answer is None:
            break
        if answer:
            chosen.append(n)
    return chosen


async def proofread(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.service import accept
    from os1.letters.service import proofread as check
    from os1.types import utc_now

    letter, suggestions = await check(desk, args.id)
    if not suggestions:
        print(f"Letter #{letter.id} (v{letter.current.number}): no suggestions.")
        return 0
    print(f"Letter #{letter.id} (v{letter.current.number}): {len(suggestions)} suggestion(s).\n")
    chosen: list[int] = []
    if args.accept is not None:
        bad = [n for n in args.accept if not 1 <= n <= len(suggestions)]
        if bad:
            raise Os1Error("letters.bad_suggestion", f"there is no suggestion {bad[0]}",
                           hint=f"they are numbered 1 to {len(suggestions)}: `os1 letters proof {letter.id} --list`")
        chosen = list(args.accept)
        for n in chosen:
            print(_show(n, suggestions[n - 1], letter.body))
    elif args.list or not sys.stdin.isatty():
        for n, s in enumerate(suggestions, 1):
            print(_show(n, s, letter.body))
        print(f"\nAccept some with `os1 letters proof {letter.id} --accept 1,3`; nothing was changed.")
        return 0
    else:
        chosen = _choose(suggestions, letter.body)
    version, applied = await accept(desk, letter, suggestions, chosen, utc_now())
    skipped = sorted(set(chosen) - set(applied))
    if skipped:
        print(f"Not applied (a note, or overlapping one applied): {', '.join(map(str, skipped))}")
    if version is None:
        print("Nothing changed; the letter stays as it was.")
        return 0
    print(f"\nLetter #{letter.id}: version {version.number} ({version.change}). "
          f"`os1 letters undo {letter.id}` goes back.")
    return 0


async def client_file(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.types import utc_now

    adding = [("name", t) for t in args.add_name] + [("date", t) for t in args.add_date] + \
        [("detail", t) for t in args.add_detail]
    client = await desk.letters.client(desk.user_id, args.name, utc_now() if adding else None)
    if client is None:
        print(f"No file for {args.name} yet: it starts with their first letter, or with --add-detail.")
        return 1
    for kind, text in adding:
        await desk.letters.add_note(desk.user_id, client.id, kind, text, utc_now())  # type: ignore[arg-type]
    notes = await desk.letters.notes(desk.user_id, client.id)
    letters = await desk.letters.browse(desk.user_id, client_id=client.id)
    print(f"{client.name} — client since {client.created_at.astimezone():%Y-%m-%d}")
    for kind, title in (("name", "Also called"), ("date", "Dates"), ("detail", "Details")):
        mine = [n for n in notes if n.kind == kind]
        if mine:
            print(f"\n{title}:")
            for n in mine:
                print(f"  #{n.id:<4} {n.text}")
    print("\nLetters:" if letters else "\nNo letters yet.")
    for letter in letters:
        first = next((s for s in letter.body.split("\n")[1:] if s.strip()), "").strip()
        print(f"  #{letter.id:<4} {letter.written_on:%Y-%m-%d}  {letter.occasion or '—'}  [{letter.origin}]  "
              f"{first[:60]}")
    found = await desk.store.memories.search(desk.user_id, client.name.split()[0], 10)
    if found:
        print("\nWhat memory knows that names them:")
        for item, _ in found:
            print(f"  memory #{item.id:<4} {item.text}")
    return 0


async def style(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.service import style_of

    learned = await style_of(desk)
    if not learned.learned:
        print("No kept letters yet, so drafts use a plain style ('Dear NAME,' … 'With love,').\n"
              "Import letters you wrote: `os1 letters import FILE...`.")
        return 0
    ids = ", ".join(f"#{i}" for i in learned.letter_ids)
    print(f"Learned from {len(learned.letter_ids)} kept letter(s): {ids}")
    print(f"  greeting:        {learned.greeting.replace('{name}', 'NAME')}")
    print(f"  sign-off:        {learned.sign_off} {learned.signature}".rstrip())
    print(f"  sentence length: about {learned.sentence_words:.0f} words")
    print("  favourite phrases: " + ("; ".join(f'"{p}"' for p in learned.phrases) or "none found yet"))
    for letter_id, example in learned.examples:
        print(f"\n  example (from #{letter_id}), shown to the model:\n    " + " ".join(example.split())[:300])
    return 0


async def make_book(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.book import BookOptions
    from os1.letters.fonts import choose_font
    from os1.letters.service import chosen_letters, compile_book, style_of

    letters = await chosen_letters(desk, args.ids)
    author = args.author or (await style_of(desk)).signature or desk.author
    options = BookOptions(args.title, author, args.show_dates, args.show_recipients)
    font = choose_font(args.font, settings.home / "fonts")
    if font.warning:
        print(f"os1: {font.warning}", file=sys.stderr)
    pdf = args.out.expanduser()
    epub = None if args.no_epub else pdf.with_suffix(".epub")
    result = compile_book(letters, options, font, pdf, epub)
    print(f"Wrote {result.path} — {result.pages} pages, {len(letters)} letter(s), set in {result.font}.")
    for n, (letter_id, page) in enumerate(result.starts, 1):
        print(f"  {n:>2}. letter #{letter_id} on page {page}")
    if epub is not None:
        print(f"Wrote {epub}.")
    if args.email_to:
        _email(args.email_to, result.path, options, len(letters))
    return 0


def _email(to: str, pdf: Path, options: Any, count: int) -> None:
    from os1.letters.publish import publisher_email, write_email

    eml = write_email(publisher_email(to, pdf, options.title, options.author, count), pdf.with_suffix(".eml"))
    print(f"Prepared {eml}: an email to {to} with the PDF attached. It was NOT sent — sending needs the mail "
          "capability (not built yet) and your explicit confirmation. Open the file in your mail program to "
          "check it and send it yourself.")
