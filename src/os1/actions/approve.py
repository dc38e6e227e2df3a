"""Which steps the user approved: "all", "none", numbers and ranges ("1-5, 9"), categories ("photos,
duplicates"), and exclusions ("all, -3", "photos !12")."""

from __future__ import annotations

import re

from os1.actions.base import Plan
from os1.errors import ActionError

ALL = {"all", "a", "y", "yes", "everything"}
NONE = {"none", "n", "no", "nothing", "q", "quit", ""}
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def _numbers(token: str, plan: Plan) -> set[int] | None:
    m = _RANGE.match(token)
    if m is None:
        return None
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if first > last or first < 1 or last > len(plan.steps):
        raise ActionError("action.bad_selection", f"{token!r} is not within the steps 1-{len(plan.steps)}",
                          hint="numbers like 3 or 1-5, as shown in the plan")
    return set(range(first, last + 1))


def _token(token: str, plan: Plan) -> set[int]:
    if token in ALL:
        return {s.number for s in plan.steps}
    numbers = _numbers(token, plan)
    if numbers is not None:
        return numbers
    chosen = {s.number for s in plan.steps if s.category.casefold() == token}
    if not chosen:
        known = ", ".join(plan.categories()) or "none in this plan"
        raise ActionError("action.bad_selection", f"{token!r} is neither a step number nor a category",
                          hint=f"categories: {known}; or all / none / 1-5,9")
    return chosen


def select(plan: Plan, answer: str) -> set[int]:
    """The step numbers an answer approves (only steps still proposed). Raises on anything it cannot read."""
    text = answer.strip().casefold()
    if text in NONE:
        return set()
    chosen: set[int] = set()
    excluded: set[int] = set()
    for raw in re.split(r"[,\s]+", text):
        if not raw:
            continue
        if raw[0] in "-!^" and len(raw) > 1:
            excluded |= _token(raw[1:], plan)
        else:
            chosen |= _token(raw, plan)
    if not chosen and excluded:  # "-3" alone: everything but 3
        chosen = {s.number for s in plan.steps}
    open_steps = {s.number for s in plan.steps if s.state == "proposed"}
    return (chosen - excluded) & open_steps
