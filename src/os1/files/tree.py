"""A plan of moves shown as a diff of the tree: how many files leave each folder (before) and arrive in each
(after), then every step, numbered, under the folder it goes to, grouped by category."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from os1.actions.base import Plan, Step
from os1.files.scan import SET_ASIDE

HEADINGS = {"duplicates": f"Duplicates → {SET_ASIDE}/  (set aside, never deleted)"}
MARKS = {"applied": "✓", "skipped": "skipped", "failed": "FAILED", "declined": "declined", "undone": "undone",
         "undo-failed": "UNDO FAILED", "applying": "interrupted", "undoing": "interrupted"}


def size_text(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def _top(rel: str) -> str:
    parts = PurePosixPath(rel).parts
    return f"{parts[0]}/" if len(parts) > 1 else "(top level)"


def before_after(steps: Sequence[Step]) -> list[str]:
    """Two columns: files leaving each top folder, files arriving in each."""
    left = [f"{name:<24} {n:>6}" for name, n in Counter(_top(str(s.args["src"])) for s in steps).most_common()]
    right = [f"{name:<16} {n:>6}" for name, n in Counter(_top(str(s.args["dst"])) for s in steps).most_common()]
    width = max([len("Before (files leaving)"), *map(len, left)]) + 4
    lines = [f"  {'Before (files leaving)':<{width}}After (files arriving)"]
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        lines.append(f"  {a:<{width}}{b}".rstrip())
    return lines


def files_text(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def _line(step: Step) -> str:
    mark = MARKS.get(step.state, "")
    name = PurePosixPath(str(step.args["dst"])).name
    if step.category == "duplicates":
        same = step.args.get("same_as") or {}
        text = f"[{step.number}] {step.args['src']}  = copy of {same.get('path', '?')}"
    else:
        text = f"[{step.number}] {name}  ← {step.args['src']}"
    note = f" ({step.note})" if step.note else ""
    return f"{text}  {mark}{note}".rstrip() if mark else text


def _category(category: str, steps: Sequence[Step], per_folder: int | None) -> list[str]:
    total = sum(int(s.args.get("size", 0)) for s in steps)
    lines = [f"{HEADINGS.get(category, category.capitalize() + '/')}  — {files_text(len(steps))}, {size_text(total)}"]
    folders: dict[str, list[Step]] = defaultdict(list)
    for step in steps:
        folders[str(PurePosixPath(str(step.args["dst"])).parent)].append(step)
    for folder, inside in folders.items():
        lines.append(f"  {folder}/  ({len(inside)})")
        shown = inside if per_folder is None else inside[:per_folder]
        lines += [f"    {_line(s)}" for s in shown]
        if len(inside) > len(shown):
            lines.append(f"    … and {len(inside) - len(shown)} more "
                         f"([{inside[len(shown)].number}-{inside[-1].number}]; --full lists them)")
    return lines


def render(plan: Plan, per_folder: int | None = 5) -> list[str]:
    """The plan as lines of text (``per_folder=None``: every step)."""
    if not plan.steps:
        return ["Nothing to move: everything is in place."]
    lines = before_after(plan.steps) + [""]
    by_category: dict[str, list[Step]] = defaultdict(list)
    for step in plan.steps:
        by_category[step.category].append(step)
    for category, steps in by_category.items():
        lines += _category(category, steps, per_folder) + [""]
    return lines


def skipped_lines(skipped: Iterable[Sequence[str]], limit: int | None = 10) -> list[str]:
    """(path, reason) pairs as lines, at most ``limit`` of them."""
    items = list(skipped)
    shown = items if limit is None else items[:limit]
    lines = [f"  {rel}: {reason}" for rel, reason in shown]
    if len(items) > len(shown):
        lines.append(f"  … and {len(items) - len(shown)} more")
    return lines
