"""``os1 memory``: see, search, correct, forget and export what the companion remembers.

Nothing here loads the language model. ``search`` ranks with the companion's own hybrid recall (BM25 and MiniLM
vectors), or BM25 alone when the embedder cannot load. Module-level imports stay light: ``add_memory_parser``
runs for every ``os1 --help``; the store and recall are imported when a command runs."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import NotSetUpError, Os1Error
from os1.types import MEMORY_KINDS, Memory, Turn, utc_now

if TYPE_CHECKING:
    from os1.config import Settings
    from os1.memory.recall import Hit
    from os1.store.base import Store

PAGE = 500
HEADINGS = {"fact": "Facts", "person": "People", "event": "Events", "preference": "Preferences",
            "moment": "Moments", "experience": "Experiences", "summary": "Summaries", "diary": "Diary"}


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_memory_parser(sub: Any) -> None:
    """Register ``os1 memory`` and its actions on the top-level subparsers."""
    memory = sub.add_parser(
        "memory", help="see, search, correct, forget and export what your companion remembers",
        description="What your companion remembers about you, and your control over it. Items are learned from "
        "your conversations; a newer item with the same slot (say, where you live) ends the older one, which is "
        "kept as history. Forgetting removes an item for good and it is never learned again.",
    )
    memory.set_defaults(memory_help=memory.print_help)
    actions = memory.add_subparsers(dest="memory_command", metavar="ACTION")

    ls = actions.add_parser("list", help="a table of what is remembered (current items; --all for ended ones)",
                            description="Newest first. SINCE is when it became true (or was learned), UNTIL when "
                            "a newer version replaced it; IMP is its importance (0-1).")
    ls.add_argument("--kind", choices=MEMORY_KINDS, help="only this kind of item")
    ls.add_argument("--all", dest="include_ended", action="store_true",
                    help="also show ended items (replaced by a newer version), marked [ended]")
    ls.add_argument("--limit", type=_positive, default=50, help="show at most N items (default 50)")
    ls.add_argument("--offset", type=int, default=0, help="skip the first N items (for paging)")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")

    search = actions.add_parser("search", help="find items and conversation excerpts by meaning and words",
                                description="Ranked like the companion's own recall: remembered items and the "
                                "conversation turns that match, best first, with their ids.")
    search.add_argument("query", help="what to look for, e.g. 'where do I live'")
    search.add_argument("--limit", type=_positive, default=10, help="show at most N results (default 10)")
    search.add_argument("--json", action="store_true", help="print JSON instead of text")

    show = actions.add_parser("show", help="one item: every field, where it came from, and its history",
                              description="Every field of an item, the conversation turns it was learned from, and "
                              "the older and newer versions of the same slot.")
    show.add_argument("id", type=_positive, help="the item's id (see `os1 memory list`)")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")

    forget = actions.add_parser("forget", help="forget an item for good (asks first)",
                                description="Removes the item, its vectors and index entries, and remembers not to "
                                "learn it again. The turns it came from leave recall too (the transcript keeps them, "
                                "flagged) unless --keep-source.")
    forget.add_argument("id", type=_positive, help="the item's id")
    forget.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    forget.add_argument("--keep-source", action="store_true",
                        help="leave the conversation turns it came from in recall")

    edit = actions.add_parser("edit", help="correct an item (the old version is kept as history)",
                              description="Stores your correction as a new version of the item; the old one is "
                              "ended, not deleted, and `os1 memory show` lists both.")
    edit.add_argument("id", type=_positive, help="the item's id")
    edit.add_argument("text", help="the corrected statement, e.g. 'You live in Portland.'")

    export = actions.add_parser("export", help="everything remembered, as JSON or Markdown",
                                description="Every item, ended ones included. JSON has all fields, ISO dates and the "
                                "ids of the turns each item came from; Markdown is grouped by kind for reading.")
    export.add_argument("--format", choices=("json", "md"), default="json", help="json (default) or md")
    export.add_argument("--out", type=Path, help="write to this file (atomically, private) instead of stdout")


@dataclass(frozen=True, slots=True)
class Ctx:
    store: Store
    user_id: int
    handle: str
    companion: str


@asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[Ctx]:
    not_set_up = NotSetUpError("companion.not_set_up", "no companion yet, so nothing is remembered",
                               hint="run `os1 setup`")
    if settings.no_store_yet:
        raise not_set_up  # and do not create an empty home just to say so
    from os1.cli.wiring import open_app

    app = await open_app(settings, with_model=False)
    try:
        user = await app.store.users.ensure(settings.user)
        companion = await app.store.users.active_companion(user.id)
        if companion is None and await app.store.memories.count(user.id) == 0:
            raise not_set_up
        yield Ctx(app.store, user.id, user.handle, companion.name if companion else "your companion")
    finally:
        await app.close()


def run_memory(args: Any) -> int:
    import asyncio

    from os1.cli.wiring import settings_from

    if not args.memory_command:
        args.memory_help()
        return 0
    return asyncio.run(_run(settings_from(args), args))


async def _run(settings: Settings, args: Any) -> int:
    async with _opened(settings) as ctx:
        command = args.memory_command
        if command == "list":
            return await list_items(ctx, args)
        if command == "search":
            return await search_items(ctx, settings, args)
        if command == "show":
            return await show_item(ctx, args)
        if command == "forget":
            return await forget_item(ctx, args)
        if command == "edit":
            return await edit_item(ctx, args)
        return await export_items(ctx, args)


# --- formatting -------------------------------------------------------------------------------------------------


def _day(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d") if value else "—"


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "—"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"


def memory_dict(item: Memory) -> dict[str, Any]:
    """Every field of ``item``, JSON-ready: ISO dates, provenance as a list of turn ids."""
    out: dict[str, Any] = {}
    for f in fields(item):
        value = getattr(item, f.name)
        out[f.name] = _iso(value) if isinstance(value, datetime) else list(value) if isinstance(value, tuple) else value
    out["current"] = item.current
    return out


def turn_dict(turn: Turn) -> dict[str, Any]:
    return {"id": turn.id, "conversation_id": turn.conversation_id, "role": turn.role, "speaker": turn.speaker,
            "created_at": _iso(turn.created_at), "text": turn.content}


def _who(turn: Turn, companion: str) -> str:
    return turn.speaker or ("you" if turn.role == "user" else companion)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _missing(item_id: int) -> int:
    print(f"os1: no memory #{item_id} (see `os1 memory list --all`)", file=sys.stderr)
    return 1


def _summary(item: Memory) -> str:
    state = "current" if item.current else f"ended {_day(item.valid_to)}"
    return f"#{item.id} ({item.kind}, {state}): {item.text}"


# --- list, search, show -----------------------------------------------------------------------------------------


async def list_items(ctx: Ctx, args: Any) -> int:
    items = await ctx.store.memories.browse(ctx.user_id, args.kind, args.include_ended, args.limit, args.offset)
    if args.json:
        _print_json([memory_dict(m) for m in items])
        return 0
    if not items:
        print("Nothing remembered yet." if not args.kind else f"No {args.kind} items.")
        return 0
    room = max(shutil.get_terminal_size((100, 24)).columns - 49, 30)
    print(f"{'ID':>5}  {'KIND':<10}  {'SINCE':<10}  {'UNTIL':<10}  {'IMP':>4}  TEXT")
    for m in items:
        text = m.text if m.current else f"[ended] {m.text}"
        since, until = _day(m.valid_from or m.created_at), _day(m.valid_to)
        print(f"{m.id:>5}  {m.kind:<10}  {since:<10}  {until:<10}  {m.importance:>4.2f}  {_short(text, room)}")
    total = await ctx.store.memories.count(ctx.user_id)
    shown = "items" if args.include_ended else "current items"
    print(f"\n{len(items)} {shown} shown; {total} stored in all, ended ones included."
          + ("" if args.include_ended else " `--all` shows the ended ones too."))
    return 0


async def _rank(ctx: Ctx, settings: Settings, query: str, k: int) -> list[Hit]:
    """Hybrid recall with the real embedder; BM25 alone (said on stderr) when it cannot load."""
    from os1.memory.embed import EmbedError, MiniLM
    from os1.memory.index import VectorIndex
    from os1.memory.recall import HybridRecall

    try:
        embedder = MiniLM()
    except EmbedError as exc:
        print(f"os1: searching by keywords only — {exc}", file=sys.stderr)
        return await HybridRecall(ctx.store).rank(ctx.user_id, query, k)
    index = VectorIndex(ctx.store, embedder.model_id, embedder.dim, settings.home / "index")
    try:
        return await HybridRecall(ctx.store, embedder, index).rank(ctx.user_id, query, k)
    except (EmbedError, ImportError) as exc:
        print(f"os1: searching by keywords only — the embedder failed: {exc}", file=sys.stderr)
        return await HybridRecall(ctx.store).rank(ctx.user_id, query, k)
    finally:
        await index.close()
        embedder.close()


async def search_items(ctx: Ctx, settings: Settings, args: Any) -> int:
    from os1.memory.ingest import index_pending

    await index_pending(ctx.store, ctx.user_id)  # turns said since the worker last ran (cheap: words, no model)
    hits = await _rank(ctx, settings, args.query, args.limit * 2)
    items = await ctx.store.memories.many(ctx.user_id, [h.ref_id for h in hits if h.owner == "memory"])
    turns = await ctx.store.turns.many(ctx.user_id, [h.ref_id for h in hits if h.owner == "turn"])
    covered = {t for h in hits if h.owner == "memory" and h.ref_id in items for t in items[h.ref_id].source_turn_ids}
    results: list[dict[str, Any]] = []
    for hit in hits:
        if hit.owner == "memory" and hit.ref_id in items:
            results.append({"type": "memory", "score": round(hit.score, 4), **memory_dict(items[hit.ref_id])})
        elif hit.owner == "turn" and hit.ref_id in turns and hit.ref_id not in covered:  # its item says it
            results.append({"type": "turn", "score": round(hit.score, 4), **turn_dict(turns[hit.ref_id])})
    results = results[: args.limit]
    if args.json:
        _print_json(results)
        return 0
    if not results:
        print(f"Nothing remembered matches {args.query!r}.")
        return 0
    for n, r in enumerate(results, 1):
        if r["type"] == "memory":
            ended = "" if r["current"] else f", ended {_day(items[r['id']].valid_to)}"
            print(f"{n:>2}. item #{r['id']} ({r['kind']}{ended})  {r['text']}")
            sources = ", ".join(f"#{t}" for t in r["source_turn_ids"])
            print(f"    score {r['score']:.3f}" + (f"; learned from turn {sources}" if sources else ""))
        else:
            turn = turns[r["id"]]
            print(f"{n:>2}. conversation excerpt, turn #{turn.id}  {_when(turn.created_at)}, "
                  f"{_who(turn, ctx.companion)}: {_short(turn.content, 300)}")
            print(f"    score {r['score']:.3f}")
    return 0


async def show_item(ctx: Ctx, args: Any) -> int:
    item = await ctx.store.memories.get(ctx.user_id, args.id)
    if item is None:
        return _missing(args.id)
    turns = await ctx.store.turns.many(ctx.user_id, item.source_turn_ids)
    history = await ctx.store.memories.history(ctx.user_id, item.key) if item.key else [item]
    if args.json:
        _print_json({**memory_dict(item), "provenance": [turn_dict(turns[t]) for t in item.source_turn_ids
                                                         if t in turns],
                     "history": [memory_dict(m) for m in history]})
        return 0
    state = "current" if item.current else f"ended {_when(item.valid_to)}"
    if item.superseded_by:
        state += f", replaced by #{item.superseded_by}"
    print(f"Memory #{item.id} — {item.kind}, {state}")
    for label, value in (
        ("text", item.text), ("key", item.key or "—"), ("value", item.value or "—"), ("about", item.subject),
        ("importance", f"{item.importance:.2f}"), ("confidence", f"{item.confidence:.2f}"),
        ("since", _when(item.valid_from)), ("until", _when(item.valid_to)),
        ("learned", f"{_when(item.created_at)} from {item.source}"),
    ):
        print(f"  {label + ':':<12} {value}")
    print("\nWhere it came from:")
    if not item.source_turn_ids:
        print("  (no conversation turns: it was not learned from a conversation)")
    for turn_id in item.source_turn_ids:
        turn = turns.get(turn_id)
        line = (f"{_when(turn.created_at)}  {_who(turn, ctx.companion)}: {_short(turn.content, 300)}" if turn
                else "(no longer in the transcript)")
        print(f"  turn #{turn_id}  {line}")
    if item.key and len(history) > 1:
        print(f"\nHistory of {item.key!r} (oldest first):")
        for m in history:
            mark = ("  (your correction)" if m.source == "user" else "") + ("  ← this one" if m.id == item.id else "")
            print(f"  #{m.id:<5} {_when(m.valid_from or m.created_at)} → "
                  f"{_when(m.valid_to) if m.valid_to else 'now':<16}  {m.text}{mark}")
    return 0


# --- forget, edit, export ---------------------------------------------------------------------------------------


def _confirm(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        print()
        return False


async def forget_item(ctx: Ctx, args: Any) -> int:
    item = await ctx.store.memories.get(ctx.user_id, args.id)
    if item is None:
        return _missing(args.id)
    print(f"Forget {_summary(item)}")
    if not args.yes and not _confirm(f"{ctx.companion} will not remember this, or learn it again. Forget it?"):
        print("Kept.")
        return 0
    if not await ctx.store.memories.forget(ctx.user_id, item.id, utc_now(), with_source=not args.keep_source):
        return _missing(args.id)  # forgotten meanwhile, by another process
    print(f"Forgot #{item.id}: {item.text}")
    if item.source_turn_ids:
        print("Its source turns stay in recall." if args.keep_source else
              f"Its {len(item.source_turn_ids)} source turn(s) are out of recall too; "
              "the transcript keeps them, flagged.")
    others = await ctx.store.memories.history(ctx.user_id, item.key) if item.key else []
    if others:
        ids = ", ".join(f"#{m.id}" for m in others)
        print(f"Other versions of {item.key!r} are still remembered ({ids}); forget them too if you wish.")
    return 0


async def edit_item(ctx: Ctx, args: Any) -> int:
    old = await ctx.store.memories.get(ctx.user_id, args.id)
    if old is None:
        return _missing(args.id)
    if not old.current:
        # A correction becomes the current version of its slot: editing an old version would end the current one.
        newer = f"; edit the current one, #{old.superseded_by}" if old.superseded_by else ""
        print(f"os1: #{old.id} is an earlier version (ended {_day(old.valid_to)}){newer}.", file=sys.stderr)
        return 1
    new = await ctx.store.memories.edit(ctx.user_id, old.id, args.text, utc_now())
    print(f"Before: #{old.id}  {old.text}   (kept as history, now ended)")
    print(f"Now:    #{new.id}  {new.text}")
    return 0


async def _everything(ctx: Ctx) -> list[Memory]:
    items: list[Memory] = []
    while True:
        page = await ctx.store.memories.browse(ctx.user_id, include_ended=True, limit=PAGE, offset=len(items))
        items += page
        if len(page) < PAGE:
            return sorted(items, key=lambda m: m.id)


def export_json(ctx: Ctx, items: list[Memory], now: datetime) -> str:
    data = {"format": "os1.memories", "version": 1, "user": ctx.handle, "companion": ctx.companion,
            "exported_at": now.isoformat(), "count": len(items), "memories": [memory_dict(m) for m in items]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def export_markdown(ctx: Ctx, items: list[Memory], now: datetime) -> str:
    current = sum(m.current for m in items)
    lines = [f"# What {ctx.companion} remembers", "",
             f"Exported {_when(now)} · {len(items)} items, {current} current, {len(items) - current} earlier.", ""]
    if not items:
        lines.append("Nothing yet.")
    for kind in MEMORY_KINDS:
        mine = [m for m in items if m.kind == kind]
        if not mine:
            continue
        lines += [f"## {HEADINGS.get(kind, kind.title())}", ""]
        lines += [f"- {_short(m.text, 10_000)} _(since {_day(m.valid_from or m.created_at)} · #{m.id})_"
                  for m in mine if m.current]
        ended = [m for m in mine if not m.current]
        if ended:
            lines += ["", "### Earlier", ""]
            lines += [f"- {_short(m.text, 10_000)} _({_day(m.valid_from or m.created_at)} – {_day(m.valid_to)}"
                      f" · #{m.id})_" for m in ended]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a private temporary file in the same folder, then rename it into place."""
    path = path.expanduser()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise Os1Error("memory.export_failed", f"cannot write {path}: {exc}", hint="check the folder exists") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with suppress(OSError):
            os.unlink(tmp)
        raise Os1Error("memory.export_failed", f"cannot write {path}: {exc}") from exc


async def export_items(ctx: Ctx, args: Any) -> int:
    items = await _everything(ctx)
    now = utc_now()
    text = export_json(ctx, items, now) if args.format == "json" else export_markdown(ctx, items, now)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    write_atomic(args.out, text)
    print(f"Wrote {len(items)} items to {args.out} ({args.format}).", file=sys.stderr)
    return 0
