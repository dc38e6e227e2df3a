"""Reading which steps the user approved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from os1.actions import Plan, Step, select
from os1.errors import ActionError


def _plan() -> Plan:
    cats = ["duplicates", "duplicates", "photos", "photos", "documents", "documents"]
    steps = tuple(Step(i, "files.move", {}, f"step {i}", c) for i, c in enumerate(cats, start=1))
    return Plan(1, "files.organize", "t", datetime(2025, 1, 1, tzinfo=UTC), "proposed", steps)


@pytest.mark.parametrize(("answer", "expected"), [
    ("all", {1, 2, 3, 4, 5, 6}), ("y", {1, 2, 3, 4, 5, 6}), ("none", set()), ("", set()), ("n", set()),
    ("1-3, 6", {1, 2, 3, 6}), ("2", {2}), ("photos", {3, 4}), ("Duplicates,documents", {1, 2, 5, 6}),
    ("all,-3", {1, 2, 4, 5, 6}), ("-photos", {1, 2, 5, 6}), ("photos !4", {3}), ("1-6 ^documents", {1, 2, 3, 4}),
])
def test_answers(answer: str, expected: set[int]):
    assert select(_plan(), answer) == expected


@pytest.mark.parametrize("answer", ["7", "0", "3-1", "music", "1-9", "photos,banana"])
def test_what_cannot_be_read_is_refused_not_guessed(answer: str):
    with pytest.raises(ActionError) as info:
        select(_plan(), answer)
    assert info.value.code == "action.bad_selection"


def test_only_steps_still_proposed_can_be_approved():
    plan = _plan()
    done = Plan(plan.id, plan.kind, plan.title, plan.created_at, "applied",
                tuple(Step(s.number, s.op, s.args, s.description, s.category,
                           "applied" if s.number < 3 else "proposed") for s in plan.steps))
    assert select(done, "all") == {3, 4, 5, 6}
