"""Applying write-ahead and undoing: partial approval, skips, a crash mid-apply, undo twice."""

from __future__ import annotations

import pytest

from os1.actions import Journal, Registry, apply_plan, undo_plan
from os1.errors import ActionError
from os1.events import ListSink
from tests.unit.actions.conftest import KV, kv_steps, registry_with


async def test_apply_then_undo_restores_the_world_in_reverse_order(journal: Journal):
    world = {"k2": "before"}
    kv = KV(world)
    plan = await journal.propose("kv.fill", "Fill", kv_steps(3))
    sink = ListSink()
    outcome = await apply_plan(journal, registry_with(kv), plan.id, {1, 2, 3}, sink)
    assert outcome.status == "applied" and outcome.count("applied") == 3
    assert world == {"k1": 1, "k2": 2, "k3": 3}
    assert sink.types()[0] == "action.apply.start" and sink.types()[-1] == "action.apply.end"
    assert (await journal.latest_undoable()).id == plan.id  # type: ignore[union-attr]
    undone = await undo_plan(journal, registry_with(kv), plan.id)
    assert undone.status == "undone" and undone.count("undone") == 3
    assert world == {"k2": "before"} and kv.undone == ["k3", "k2", "k1"]
    assert await journal.latest_undoable() is None
    events = [(n, e) for n, e, _, _ in await journal.log(plan.id) if n == 2]
    assert events == [(2, "applying"), (2, "applied"), (2, "undoing"), (2, "undone")]


async def test_undo_twice_is_a_no_op_that_says_so(journal: Journal):
    world: dict[str, object] = {}
    kv = KV(world)
    plan = await journal.propose("kv.fill", "Fill", kv_steps(2))
    await apply_plan(journal, registry_with(kv), plan.id, {1, 2})
    await undo_plan(journal, registry_with(kv), plan.id)
    world["k1"] = "set again by the user"
    again = await undo_plan(journal, registry_with(kv), plan.id)
    assert again.already and again.status == "undone" and again.results == ()
    assert world == {"k1": "set again by the user"} and kv.undone == ["k2", "k1"]


async def test_partial_approval_declines_the_rest_and_undo_reverses_only_what_was_done(journal: Journal):
    world: dict[str, object] = {}
    kv = KV(world)
    plan = await journal.propose("kv.fill", "Fill", kv_steps(4))
    outcome = await apply_plan(journal, registry_with(kv), plan.id, {1, 3})
    assert world == {"k1": 1, "k3": 3} and outcome.status == "applied"
    states = [s.state for s in (await journal.must_get(plan.id)).steps]
    assert states == ["applied", "declined", "applied", "declined"]
    await undo_plan(journal, registry_with(kv), plan.id)
    assert world == {} and kv.undone == ["k3", "k1"]


async def test_nothing_approved_declines_the_plan(journal: Journal):
    world: dict[str, object] = {}
    plan = await journal.propose("kv.fill", "Fill", kv_steps(2))
    outcome = await apply_plan(journal, registry_with(KV(world)), plan.id, set())
    assert outcome.status == "declined" and world == {}
    assert (await undo_plan(journal, registry_with(KV(world)), plan.id)).already


async def test_a_stale_step_is_skipped_and_the_plan_is_partial(journal: Journal):
    world: dict[str, object] = {}
    steps = kv_steps(2)
    steps[1] = steps[1].__class__(0, steps[1].op, {**steps[1].args, "stale": True}, "stale", "keys")
    plan = await journal.propose("kv.fill", "Fill", steps)
    outcome = await apply_plan(journal, registry_with(KV(world)), plan.id, {1, 2})
    assert outcome.status == "partially-applied" and world == {"k1": 1}
    assert [(r.number, r.state) for r in outcome.results] == [(1, "applied"), (2, "skipped")]
    assert "changed since planning" in outcome.results[1].note


@pytest.mark.parametrize("batch", [1, 32])
async def test_a_crash_mid_apply_leaves_a_journal_undo_restores_from(journal: Journal, batch: int):
    world = {"k4": "kept"}
    plan = await journal.propose("kv.fill", "Fill", kv_steps(5))
    sink = ListSink()
    with pytest.raises(RuntimeError, match="power cut"):
        await apply_plan(journal, registry_with(KV(world, crash_after=2)), plan.id, {1, 2, 3, 4, 5}, sink, batch)
    assert sink.events[-1].type == "action.apply.end" and sink.events[-1].data["status"] == "interrupted"
    assert world == {"k1": 1, "k2": 2, "k3": 3, "k4": "kept"}  # the third change happened, its outcome was lost
    crashed = await journal.must_get(plan.id)
    assert crashed.status == "applying" and crashed.steps[2].state == "applying"
    assert crashed.steps[2].undo_data == {"key": "k3", "old": None}  # the intent was written first
    assert (await journal.latest_undoable()).id == plan.id  # type: ignore[union-attr]
    restarted = KV(world)  # a new process: nothing in memory but the journal
    outcome = await undo_plan(journal, registry_with(restarted), plan.id)
    assert outcome.status == "undone" and world == {"k4": "kept"}
    assert restarted.undone[:3] == (["k5", "k4", "k3"] if batch > 1 else ["k3", "k2", "k1"])[:3]


async def test_a_plan_is_applied_once(journal: Journal):
    world: dict[str, object] = {}
    plan = await journal.propose("kv.fill", "Fill", kv_steps(1))
    await apply_plan(journal, registry_with(KV(world)), plan.id, {1})
    with pytest.raises(ActionError) as info:
        await apply_plan(journal, registry_with(KV(world)), plan.id, {1})
    assert info.value.code == "action.not_proposed"


async def test_undo_without_the_op_executor_changes_nothing(journal: Journal):
    world: dict[str, object] = {}
    plan = await journal.propose("kv.fill", "Fill", kv_steps(2))
    await apply_plan(journal, registry_with(KV(world)), plan.id, {1, 2})
    with pytest.raises(ActionError) as info:
        await undo_plan(journal, Registry(), plan.id)
    assert info.value.code == "action.unknown_op" and world == {"k1": 1, "k2": 2}
    assert (await journal.must_get(plan.id)).status == "applied"
    assert (await undo_plan(journal, registry_with(KV(world)), plan.id)).status == "undone" and world == {}
