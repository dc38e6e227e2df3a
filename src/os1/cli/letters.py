"""``os1 letters``: draft letters in your own voice from what your companion remembers, proofread them, keep
their versions and favourites, and compile the best into a book (PDF and EPUB).

Module-level imports stay light: ``add_letters_parser`` runs for every ``os1 --help``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import Os1Error

if TYPE_CHECKING:
    from os1.config import Settings
    from os1.letters.base import Letter
    from os1.letters.draft import Recall
    from os1.letters.service import Desk
    from os1.llm.base import Model


def _id(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _numbers(text: str) -> list[int]:
    try:
        return [int(n) for n in text.replace(" ", "").split(",") if n]
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a list of numbers, e.g. 1,3") from exc


def _day(text: str) -> datetime:
    from os1.types import utc_now

    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a date as YYYY-MM-DD") from exc
    return day.replace(hour=12, tzinfo=utc_now().tzinfo)


def add_letters_parser(sub: Any) -> None:
    """Register ``os1 letters`` and its actions on the top-level subparsers."""
    letters = sub.add_parser(
        "letters", help="draft letters in your voice, proofread them, and make a book of the best",
        description="Letters written with what your companion remembers about the people you write to. Every "
        "change is kept as a version; nothing is edited without your say.")
    letters.set_defaults(letters_help=letters.print_help)
    actions = letters.add_subparsers(dest="letters_command", metavar="ACTION")
    _add_writing(actions)
    _add_manuscript(actions)
    _add_book(actions)


def _add_writing(actions: Any) -> None:
    new = actions.add_parser("new", help="draft a letter (asks for what is missing when run in a terminal)",
                             description="Drafts from a scaffold (greeting, occasion, what memory and the "
                             "recipient's file say, your notes, your sign-off); the model may add a sentence, kept "
                             "only if it invents nothing. Prints the draft and what informed it.")
    new.add_argument("--to", dest="recipient", help="who the letter is for, e.g. 'Margaret'")
    new.add_argument("--occasion", help="e.g. 'anniversary', 'birthday', 'thank you for the flowers'")
    new.add_argument("--note", action="append", default=[], help="something to say, as a sentence (repeatable)")
    new.add_argument("--from", dest="author", help="the name to sign with (default: the one in your letters)")
    new.add_argument("--no-model", action="store_true", help="the scaffold only: do not load the model")

    imp = actions.add_parser("import", help="keep letters you wrote (text files); your style is learned from them")
    imp.add_argument("files", nargs="+", type=Path, help="plain-text letters, one per file")
    imp.add_argument("--to", dest="recipient", help="who they were to (default: the name after 'Dear')")
    imp.add_argument("--occasion", default="", help="what they were for")
    imp.add_argument("--date", type=_day, help="when they were written, YYYY-MM-DD (default: the file's date)")
    client = actions.add_parser("client", help="a recipient's file: names, dates, details, past letters")
    client.add_argument("name")
    client.add_argument("--add-name", action="append", default=[], help="another name they go by")
    client.add_argument("--add-date", action="append", default=[], help="e.g. 'Margaret and Tom married 12 June 1984'")
    client.add_argument("--add-detail", action="append", default=[], help="e.g. 'Margaret loves tulips'")
    actions.add_parser("style", help="what your kept letters say about how you write")


def _add_manuscript(actions: Any) -> None:
    ls = actions.add_parser("list", help="your letters, oldest first")
    ls.add_argument("--favourites", action="store_true", help="only favourites")
    ls.add_argument("--to", dest="recipient", help="only letters to this person")
    show = actions.add_parser("show", help="a letter and what informed it")
    show.add_argument("id", type=_id)
    show.add_argument("--version", type=_id, help="an earlier version (see `history`)")
    show.add_argument("--plain", action="store_true", help="the letter's text only")
    edit = actions.add_parser("edit", help="change a letter (in $EDITOR, or --text/--file): a new version")
    edit.add_argument("id", type=_id)
    edit.add_argument("--text", help="the new text")
    edit.add_argument("--file", type=Path, help="read the new text from this file")
    history = actions.add_parser("history", help="every version of a letter and what made it")
    history.add_argument("id", type=_id)
    undo = actions.add_parser("undo", help="go back to the version before (kept as a new version)")
    undo.add_argument("id", type=_id)
    fav = actions.add_parser("fav", help="mark a letter as a favourite (for the book)")
    fav.add_argument("id", type=_id)
    fav.add_argument("--off", action="store_true", help="unmark it")

    proof = actions.add_parser("proof", help="spelling, grammar and tone suggestions, accepted one by one",
                               description="Lists numbered suggestions. In a terminal it asks y/n for each; "
                               "--accept 1,3 accepts those. Accepted changes make a new version; tone notes "
                               "change nothing.")
    proof.add_argument("id", type=_id)
    proof.add_argument("--accept", type=_numbers, help="accept these suggestions, e.g. 1,3")
    proof.add_argument("--list", action="store_true", help="only list the suggestions, do not ask")


def _add_book(actions: Any) -> None:
    book = actions.add_parser("book", help="a PDF (and EPUB) of your favourites, or of the letters named",
                              description="Title page, contents, one letter per page in a handwriting font.")
    book.add_argument("ids", nargs="*", type=_id, help="letters to include, in this order (default: favourites)")
    book.add_argument("--out", type=Path, default=Path("letters.pdf"), help="the PDF (default letters.pdf); "
                      "the EPUB is written next to it")
    book.add_argument("--title", default="Letters")
    book.add_argument("--author", help="the name on the title page (default: yours)")
    book.add_argument("--show-dates", action=argparse.BooleanOptionalAction, default=True,
                      help="show when each letter was written (--no-show-dates or --no-dates to hide)")
    book.add_argument("--no-dates", dest="show_dates", action="store_false", help=argparse.SUPPRESS)
    book.add_argument("--show-recipients", action="store_true", default=True, help="name the recipients (default)")
    book.add_argument("--hide-recipients", dest="show_recipients", action="store_false",
                      help="leave the recipients' names out")
    book.add_argument("--font", type=Path, help="a .ttf/.otf font file (default: a handwriting font installed here)")
    book.add_argument("--no-epub", action="store_true", help="the PDF only")
    book.add_argument("--email-to", metavar="ADDRESS", help="also prepare (not send) an email to a publisher")


def run_letters(args: Any) -> int:
    import asyncio

    from os1.cli.wiring import settings_from

    if not args.letters_command:
        args.letters_help()
        return 0
    return asyncio.run(_run(settings_from(args), args))


@asynccontextmanager
async def _desk(settings: Settings) -> AsyncIterator[Desk]:
    from os1.letters.service import Desk
    from os1.letters.store import letters_of
    from os1.store import user_store

    async with user_store(settings.database, settings.user) as (store, user):
        yield Desk(store, letters_of(store), user.id, user.display_name or "")


async def _run(settings: Settings, args: Any) -> int:
    from os1.cli import letters_book

    handlers = {"new": new_letter, "import": import_letters, "list": list_letters, "show": show_letter,
                "edit": edit_letter, "history": show_history, "undo": undo_letter, "fav": favourite,
                "proof": letters_book.proofread, "client": letters_book.client_file, "style": letters_book.style,
                "book": letters_book.make_book}
    async with _desk(settings) as desk:
        return int(await handlers[args.letters_command](desk, settings, args))


def _ask(question: str, default: str = "") -> str:
    try:
        answer = input(f"{question}{f' [{default}]' if default else ''}: ").strip()
    except EOFError:
        print()
        return default
    return answer or default


def _interactive() -> bool:
    return sys.stdin.isatty()


async def _recall(desk: Desk, settings: Settings) -> tuple[Recall, Any]:
    """The companion's hybrid recall (words and meaning); words alone when the embedder cannot load."""
    from os1.memory.embed import EmbedError, MiniLM
    from os1.memory.index import VectorIndex
    from os1.memory.ingest import index_pending
    from os1.memory.recall import HybridRecall

    await index_pending(desk.store, desk.user_id)
    try:
        embedder = MiniLM()
    except EmbedError as exc:
        print(f"os1: recalling by keywords only — {exc}", file=sys.stderr)
        return HybridRecall(desk.store), None
    index = VectorIndex(desk.store, embedder.model_id, embedder.dim, settings.home / "index")
    return HybridRecall(desk.store, embedder, index), index


def build_letter_model(settings: Settings) -> Model:
    """The model that adds a sentence (tests replace this with a FakeModel)."""
    from os1.llm import build_model

    return build_model(settings.model)


async def new_letter(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.draft import Request
    from os1.letters.service import describe
    from os1.letters.service import new_letter as draft_new
    from os1.types import utc_now

    recipient, occasion, notes = args.recipient, args.occasion, list(args.note)
    if _interactive() and not recipient:
        recipient = _ask("Who is the letter for?")
        occasion = occasion or _ask("What is the occasion?")
        while note := _ask("Something to say (Enter when done)"):
            notes.append(note)
    if not recipient:
        raise Os1Error("letters.no_recipient", "who is the letter for?", hint="os1 letters new --to NAME")
    model = None if args.no_model else build_letter_model(settings)
    recall, index = await _recall(desk, settings)
    try:
        letter, draft = await draft_new(desk, Request(recipient, occasion or "", tuple(notes), args.author or ""),
                                        recall, model, utc_now(), settings.model.timeout_s)
    finally:
        if index is not None:
            await index.close()
        if model is not None and hasattr(model, "close"):
            await model.close()
    print(f"Letter #{letter.id} to {letter.recipient} (version 1):\n")
    print(letter.body)
    print("What informed it (check these: `os1 memory show ID`, `os1 letters show ID`):")
    for source in draft.sources:
        mark = {"woven": "+", "context": "~", "style": "*"}.get(source.use, "-")
        print(f"  {mark} {describe(source)}")
    print("  (+ in the letter, ~ shown to the model only, * your style)")
    print(f"The model's sentence: {draft.model_note}.")
    print(f"\nNext: `os1 letters proof {letter.id}`, `os1 letters edit {letter.id}`, `os1 letters fav {letter.id}`.")
    return 0


async def import_letters(desk: Desk, settings: Settings, args: Any) -> int:
    from datetime import UTC

    from os1.letters.service import import_letter
    from os1.types import utc_now

    for path in args.files:
        try:
            text = path.expanduser().read_text(encoding="utf-8")
            written = args.date or datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except (OSError, UnicodeDecodeError) as exc:
            raise Os1Error("letters.unreadable", f"cannot read {path}: {exc}") from exc
        letter = await import_letter(desk, text, utc_now(), args.recipient, args.occasion, written)
        print(f"Kept #{letter.id}: to {letter.recipient}, {letter.written_on:%Y-%m-%d} ({path.name})")
    print("Your style is learned from these: `os1 letters style` shows it.")
    return 0


def _line(letter: Letter) -> str:
    first = next((s for s in letter.body.split("\n")[1:] if s.strip()), "").strip()
    star = "♥" if letter.favourite else " "
    occasion = f" — {letter.occasion}" if letter.occasion else ""
    return (f"{star} #{letter.id:<4} {letter.written_on:%Y-%m-%d}  to {letter.recipient}{occasion}  "
            f"[{letter.origin}, v{letter.current.number}]  {first[:50]}")


async def list_letters(desk: Desk, settings: Settings, args: Any) -> int:
    client_id = None
    if args.recipient:
        client = await desk.letters.client(desk.user_id, args.recipient)
        if client is None:
            print(f"No letters to {args.recipient}.")
            return 0
        client_id = client.id
    letters = await desk.letters.browse(desk.user_id, favourites=args.favourites, client_id=client_id)
    if not letters:
        print("No letters yet: `os1 letters new` drafts one, `os1 letters import FILE` keeps one you wrote.")
        return 0
    for letter in letters:
        print(_line(letter))
    return 0


async def show_letter(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.service import describe, must_get

    letter = await must_get(desk, args.id)
    version = letter.current
    if args.version:
        version = next((v for v in await desk.letters.versions(desk.user_id, letter.id) if v.number == args.version),
                       None)  # type: ignore[assignment]
        if version is None:
            raise Os1Error("letters.no_version", f"letter #{letter.id} has no version {args.version}")
    if args.plain:
        sys.stdout.write(version.body)
        return 0
    print(_line(letter))
    print(f"Version {version.number} ({version.change}, {version.created_at.astimezone():%Y-%m-%d %H:%M})\n")
    print(version.body)
    if version.sources:
        print("What informed it:")
        for source in version.sources:
            print(f"  {'~' if source.use == 'context' else '+'} {describe(source)}")
    return 0


def _edited(body: str) -> str:
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "nano"  # the edge reads the environment
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write(body)
        path = Path(f.name)
    try:
        subprocess.run([*editor.split(), str(path)], check=True)
        return path.read_text(encoding="utf-8")
    except (OSError, subprocess.CalledProcessError) as exc:
        raise Os1Error("letters.editor_failed", f"the editor {editor!r} failed: {exc}",
                       hint="set EDITOR, or use --text/--file") from exc
    finally:
        path.unlink(missing_ok=True)


async def edit_letter(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.service import must_get
    from os1.types import utc_now

    letter = await must_get(desk, args.id)
    if args.text is not None:
        body = args.text
    elif args.file is not None:
        body = args.file.read_text(encoding="utf-8")
    else:
        body = _edited(letter.body)
    if body.strip() == letter.body.strip():
        print("No change; no new version.")
        return 0
    version = await desk.letters.revise(desk.user_id, letter.id, body.rstrip() + "\n", "edited", utc_now())
    print(f"Letter #{letter.id}: version {version.number} (edited). `os1 letters undo {letter.id}` goes back.")
    return 0


async def show_history(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.service import must_get

    letter = await must_get(desk, args.id)
    for v in await desk.letters.versions(desk.user_id, letter.id):
        made = f" (made from v{v.parent})" if v.parent and not v.change.startswith("undo") else ""
        now = "  ← current" if v.number == letter.current.number else ""
        print(f"v{v.number:<3} {v.created_at.astimezone():%Y-%m-%d %H:%M}  {v.change}{made}{now}")
    return 0


async def undo_letter(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.service import must_get
    from os1.types import utc_now

    letter = await must_get(desk, args.id)
    version = await desk.letters.undo(desk.user_id, letter.id, utc_now())
    if version is None:
        print(f"Letter #{letter.id} is at its first version: nothing to undo.")
        return 1
    print(f"Letter #{letter.id}: version {version.number} ({version.change}).")
    return 0


async def favourite(desk: Desk, settings: Settings, args: Any) -> int:
    from os1.letters.service import must_get

    letter = await must_get(desk, args.id)
    await desk.letters.set_favourite(desk.user_id, letter.id, not args.off)
    print(f"Letter #{letter.id} {'is no longer' if args.off else 'is'} a favourite.")
    return 0
