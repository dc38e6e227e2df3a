"""The journal over SQLite: plans and steps saved as proposed, listed with counts, scoped to their user."""

from __future__ import annotations

from os1.actions import Journal, Step
from os1.actions.journal import journal_of
from os1.store import SqliteStore
from tests.unit.actions.conftest import SET, kv_steps


async def test_a_proposed_plan_keeps_its_numbered_steps(journal: Journal):
    plan = await journal.propose("kv.fill", "Fill three keys", kv_steps(3), {"why": "test"})
    again = await journal.get(plan.id)
    assert again is not None and again.status == "proposed" and again.meta == {"why": "test"}
    assert [s.number for s in again.steps] == [1, 2, 3]
    assert again.steps[1] == Step(2, SET, {"key": "k2", "value": 2}, "set k2 to 2", "keys", "proposed", None, "")


async def test_plans_are_listed_newest_first_with_counts_and_filtered_by_kind(journal: Journal):
    first = await journal.propose("files.organize", "Organize A", kv_steps(2))
    second = await journal.propose("mail.cleanup", "Clean the inbox", kv_steps(1))
    await journal.record(first.id, [(1, "applied", {"old": None}, ""), (2, "skipped", None, "changed")])
    listed = await journal.plans()
    assert [p.id for p in listed] == [second.id, first.id]
    assert listed[1].counts == {"applied": 1, "skipped": 1}
    assert [p.id for p in await journal.plans(kind="files.")] == [first.id]
    assert [p.id for p in await journal.plans(kind="mail.cleanup")] == [second.id]


async def test_recording_keeps_the_undo_data_and_logs_every_change(journal: Journal):
    plan = await journal.propose("kv.fill", "Fill", kv_steps(1))
    await journal.record(plan.id, [(1, "applying", {"key": "k1", "old": 7}, "")])
    await journal.record(plan.id, [(1, "applied", None, "")])  # None keeps the intent as undo data
    step = (await journal.must_get(plan.id)).steps[0]
    assert step.state == "applied" and step.undo_data == {"key": "k1", "old": 7}
    events = [event for _, event, _, _ in await journal.log(plan.id)]
    assert events == ["proposed", "applying", "applied"]


async def test_another_user_never_sees_the_plan(store: SqliteStore, journal: Journal):
    plan = await journal.propose("kv.fill", "Mine", kv_steps(2))
    other = journal_of(store, (await store.users.ensure("someone-else")).id)
    assert await other.get(plan.id) is None
    assert await other.plans() == [] and await other.latest_undoable() is None
    await other.record(plan.id, [(1, "applied", {"x": 1}, "")])  # scoped: touches nothing of the first user
    assert (await journal.must_get(plan.id)).steps[0].state == "proposed"
