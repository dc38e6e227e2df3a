"""``os1 files``: tidy a folder with your consent. ``organize DIR`` shows the plan as a diff of the tree, asks which
steps to do, does them, and says how to undo; ``plans`` lists plans; ``show ID`` shows one and what became of it.

Module-level imports stay light: ``add_files_parser`` runs for every ``os1 --help``."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from os1.errors import Os1Error

if TYPE_CHECKING:
    from os1.actions.base import Outcome, Plan
    from os1.actions.journal import Journal
    from os1.config import Settings
    from os1.events import Event
    from os1.files.plan import Draft

ASK = "Apply which steps? all / none / numbers like 1-5,9 / categories like {cats} (prefix - to leave out): "


def add_files_parser(sub: Any) -> None:
    """Register ``os1 files`` and its actions on the top-level subparsers."""
    files = sub.add_parser(
        "files", help="organize a folder: duplicates set aside, files sorted by type and date; always undoable",
        description="Nothing changes without your consent, and `os1 undo` reverses any plan. Files are moved, "
        "never deleted or overwritten; duplicates go to a _duplicates folder inside the one you organize. Hidden "
        "files, symbolic links and OS1's own folder are left alone.")
    files.set_defaults(files_help=files.print_help)
    actions = files.add_subparsers(dest="files_command", metavar="ACTION")
    organize = actions.add_parser(
        "organize", help="plan the tidy-up of DIR, show it, ask, apply",
        description="Looks at DIR (reading only files that share a size with another, to find duplicates), "
        "proposes moves — duplicates to DIR/_duplicates/, photos and videos to Photos/YEAR/ and Videos/YEAR/, "
        "music to Music/, documents to Documents/ (by topic when names share a word), archives to Archives/ — "
        "shows them as a diff of the tree and asks which to apply. Undo with `os1 undo`.")
    organize.add_argument("dir", type=Path, help="the folder to organize")
    organize.add_argument("--yes", action="store_true", help="apply every step without asking (for scripts)")
    organize.add_argument("--only", metavar="STEPS", help="apply only these without asking: numbers, ranges or "
                          "categories, e.g. '1-20,duplicates' or 'all,-7'")
    organize.add_argument("--dry-run", action="store_true", help="show the plan only; save and change nothing")
    organize.add_argument("--full", action="store_true", help="list every step (default: a few per folder)")
    organize.add_argument("--no-topics", action="store_true", help="do not group documents by topic")
    plans = actions.add_parser("plans", help="the plans made so far, newest first, and what became of them")
    plans.add_argument("--all", action="store_true", help="plans of every kind (mail too), not only files")
    show = actions.add_parser("show", help="one plan, step by step, with what each step did")
    show.add_argument("id", type=int)
    show.add_argument("--full", action="store_true", help="list every step")


class Progress:
    """Draws progress events on stderr: one line redrawn with \\r on a terminal, a plain line now and then
    otherwise (logs and pipes)."""

    def __init__(self, stream: IO[str] | None = None, every_s: float = 0.1, plain_every_s: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every_s = every_s if self.tty else plain_every_s
        self.last = 0.0
        self.drawn = False

    def emit(self, event: Event) -> None:
        text = self._text(event)
        if text is None:
            return
        final = event.type.endswith(".end")
        now = time.monotonic()
        if not final and now - self.last < self.every_s:
            return
        self.last = now
        if self.tty:
            self.stream.write(f"\r\x1b[2K{text}" + ("\n" if final else ""))
            self.drawn = not final
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False

    @staticmethod
    def _text(event: Event) -> str | None:
        from os1.files.tree import size_text

        d = event.data
        if event.type.startswith("files.hash"):
            pct = 100 * d["done"] / d["total"] if d["total"] else 100
            return (f"Comparing same-size files: {pct:3.0f}%  {size_text(d['done'])} of {size_text(d['total'])}"
                    f"  ({d['files']}/{d['files_total']} files)")
        if event.type.startswith("action.") and "total" in d and "done" in d:
            verb = "Applying" if ".apply." in event.type else "Undoing"
            return f"{verb} plan #{d['plan_id']}: {d['done']}/{d['total']} steps"
        return None


@asynccontextmanager
async def open_journal(settings: Settings) -> AsyncIterator[Journal]:
    """The journal of the local user, over the store in OS1_HOME (closed on the way out)."""
    from os1.actions.journal import journal_of
    from os1.store import user_store

    async with user_store(settings.database, settings.user) as (store, user):
        yield journal_of(store, user.id)


def run_files(args: Any) -> int:
    import asyncio

    from os1.cli.wiring import settings_from

    if not args.files_command:
        args.files_help()
        return 0
    handlers = {"organize": organize, "plans": list_plans, "show": show_plan}
    return asyncio.run(handlers[args.files_command](settings_from(args), args))


def _root(settings: Settings, given: Path) -> Path:
    root = given.expanduser().resolve()
    if not root.is_dir():
        raise Os1Error("files.not_a_folder", f"{given} is not a folder", hint="give the folder to organize")
    home = settings.home.expanduser().resolve()
    if root == home or home in root.parents:
        raise Os1Error("files.own_folder", f"{root} is inside OS1's own folder ({home}); it is left alone")
    return root


def _draft(settings: Settings, root: Path, use_topics: bool) -> Draft:
    from os1.files.plan import build_plan

    progress = Progress()
    try:
        return build_plan(root, exclude=[settings.home], sink=progress, use_topics=use_topics)
    finally:
        progress.close()


def _summary(draft: Draft) -> list[str]:
    from os1.files.tree import size_text

    dups = sum(1 for s in draft.steps if s.category == "duplicates")
    lines = [f"{draft.root}: {draft.files} files looked at, {len(draft.steps)} to move "
             f"({dups} duplicates to set aside, {size_text(draft.duplicate_bytes)}; "
             f"{len(draft.steps) - dups} to sort into folders); {draft.left} stay where they are."]
    if draft.hidden:
        lines.append(f"Hidden files and folders left alone: {draft.hidden}.")
    return lines


def _skipped(draft: Draft) -> list[str]:
    from os1.files.tree import skipped_lines

    if not draft.skipped:
        return []
    return [f"Skipped ({len(draft.skipped)}):", *skipped_lines((s.rel, s.reason) for s in draft.skipped)]


def _ask(plan: Plan) -> set[int]:
    from os1.actions.approve import select

    cats = ",".join(plan.categories()[:2]) or "photos"
    while True:
        try:
            answer = input(ASK.format(cats=cats))
        except EOFError:
            print()
            return set()
        try:
            return select(plan, answer)
        except Os1Error as exc:
            print(f"  {exc}")


def _approved(plan: Plan, args: Any) -> set[int] | None:
    """The approved step numbers, or None when nobody could be asked."""
    from os1.actions.approve import select

    if args.yes:
        return {s.number for s in plan.steps}
    if args.only:
        return select(plan, args.only)
    if sys.stdin.isatty():
        return _ask(plan)
    return None


async def organize(settings: Settings, args: Any) -> int:
    import asyncio

    from os1.files.plan import KIND
    from os1.files.tree import render

    root = _root(settings, args.dir)
    draft = await asyncio.to_thread(_draft, settings, root, not args.no_topics)
    print("\n".join(_summary(draft)))
    if not draft.steps:
        print("\n".join(["Nothing to move: everything is in place.", *_skipped(draft)]))
        return 0
    if args.dry_run:
        from os1.actions.base import Plan
        from os1.types import utc_now

        preview = Plan(0, KIND, "", utc_now(), "proposed", draft.steps)
        print("\n".join(["", *render(preview, None if args.full else 5), *_skipped(draft)]))
        print("Dry run: nothing saved, nothing changed.")
        return 0
    async with open_journal(settings) as journal:
        meta = {"root": str(root), "skipped": [[s.rel, s.reason] for s in draft.skipped[:1000]],
                "hidden": draft.hidden, "files": draft.files}
        plan = await journal.propose(KIND, f"Organize {root}", draft.steps, meta)
        print("\n".join([f"\nPlan #{plan.id}:", *render(plan, None if args.full else 5), *_skipped(draft)]))
        return await _decide_and_apply(journal, plan, args)


async def _decide_and_apply(journal: Journal, plan: Plan, args: Any) -> int:
    from os1.actions.run import apply_plan

    approved = _approved(plan, args)
    if approved is None:
        await journal.claim(plan.id, ("proposed",), "declined")
        print(f"Nothing changed: no one to ask here. Run again with --yes, or --only STEPS "
              f"(plan #{plan.id} kept for reference: `os1 files show {plan.id}`).")
        return 1
    if not approved:
        await journal.claim(plan.id, ("proposed",), "declined")
        print("Nothing changed.")
        return 0
    progress = Progress()
    try:
        outcome = await apply_plan(journal, registry(), plan.id, approved, progress)
    finally:
        progress.close()
    print("\n".join(outcome_lines(outcome, "applied")))
    print(f"To put everything back: `os1 undo {plan.id}` (or `os1 undo` for the latest plan).")
    return 0


def registry() -> Any:
    from os1.cli.undo import build_registry

    return build_registry()


def outcome_lines(outcome: Outcome, verb: str, limit: int = 10) -> list[str]:
    """What a run did, in a few lines, with the notes of the steps that have one."""
    parts = [f"{outcome.count(verb)} {verb}"]
    for state in ("skipped", "failed", "undo-failed"):
        if outcome.count(state):
            parts.append(f"{outcome.count(state)} {state}")
    lines = [f"Plan #{outcome.plan_id} {outcome.status}: {', '.join(parts)}."]
    noted = outcome.noted()
    lines += [f"  [{r.number}] {r.state}: {r.note}" for r in noted[:limit]]
    if len(noted) > limit:
        lines.append(f"  … and {len(noted) - limit} more (`os1 files show {outcome.plan_id} --full`)")
    return lines


async def list_plans(settings: Settings, args: Any) -> int:
    async with open_journal(settings) as journal:
        plans = await journal.plans(kind=None if args.all else "files.")
    if not plans:
        print("No plans yet: `os1 files organize DIR` makes one.")
        return 0
    for p in plans:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(p.counts.items()))
        print(f"#{p.id:<4} {p.created_at.astimezone():%Y-%m-%d %H:%M}  {p.status:<17} {p.title}  ({counts})")
    return 0


async def show_plan(settings: Settings, args: Any) -> int:
    from os1.files.tree import render, skipped_lines

    async with open_journal(settings) as journal:
        plan = await journal.must_get(args.id)
    print(f"Plan #{plan.id} ({plan.kind}, {plan.status}): {plan.title}")
    if plan.kind.startswith("files."):
        print("\n".join(render(plan, None if args.full else 5)))
        skipped = plan.meta.get("skipped") or []
        if skipped:
            print("\n".join([f"Left out when planning ({len(skipped)}):", *skipped_lines(skipped)]))
    else:
        print("\n".join(f"  [{s.number}] {s.description}  {s.state}" for s in plan.steps))
    return 0
