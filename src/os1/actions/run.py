"""Apply an approved plan and undo it, write-ahead: each batch of steps has its intent journalled before any of it
touches the world, and its outcome journalled after. A crash anywhere leaves steps in "applying" whose intent says
what may have happened; ``undo_plan`` hands that to the op's (idempotent) ``undo``."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from os1.actions.base import JSON, TOUCHED, UNDOABLE, Action, Outcome, PlanStatus, Registry, Skip, Step, StepResult
from os1.actions.journal import Change, Journal
from os1.errors import ActionError, Os1Error
from os1.events import Event, EventSink, NullSink

BATCH = 32  # steps whose intents are journalled together (one transaction), then carried out one by one


async def _timed(action: Action, args: Mapping[str, Any], call: Any) -> Any:
    timeout = action.timeout_s(args)
    try:
        return await asyncio.wait_for(call, timeout)
    except TimeoutError as exc:
        raise ActionError("action.timeout", f"the step took over {timeout:.0f}s") from exc


def _failure(exc: BaseException) -> str:
    if isinstance(exc, Os1Error):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


async def _prepare(registry: Registry, steps: Sequence[Step]) -> tuple[list[Change], list[Change]]:
    """Intents for the steps that still apply, and the skips/failures of those that do not."""
    intents: list[Change] = []
    done: list[Change] = []
    for step in steps:
        try:
            action = registry.get(step.op)
            intent = await _timed(action, step.args, action.prepare(step.args))
            intents.append((step.number, "applying", intent, ""))
        except Skip as exc:
            done.append((step.number, "skipped", None, exc.message))
        except (Os1Error, OSError) as exc:
            done.append((step.number, "failed", None, _failure(exc)))
    return intents, done


async def _apply_one(registry: Registry, step: Step, intent: JSON) -> Change:
    try:
        action = registry.get(step.op)
        undo_data = await _timed(action, step.args, action.apply(step.args, intent))
        return (step.number, "applied", undo_data, "")
    except Skip as exc:
        return (step.number, "skipped", None, exc.message)
    except (Os1Error, OSError) as exc:  # the intent stays as undo data: undo checks what really happened
        return (step.number, "failed", None, _failure(exc))


async def _apply_batches(journal: Journal, registry: Registry, plan_id: int, todo: Sequence[Step],
                         sink: EventSink, batch: int) -> list[StepResult]:
    results: list[StepResult] = []
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        intents, done = await _prepare(registry, chunk)
        await journal.record(plan_id, intents)  # write-ahead: the intents are durable before anything moves
        by_number = {s.number: s for s in chunk}
        for number, _, intent, _ in intents:
            assert intent is not None
            done.append(await _apply_one(registry, by_number[number], intent))
        await journal.record(plan_id, done)
        results += [StepResult(n, state, note) for n, state, _, note in done]
        sink.emit(Event("action.apply.progress", {"plan_id": plan_id, "done": len(results), "total": len(todo)}))
    return sorted(results, key=lambda r: r.number)


async def apply_plan(journal: Journal, registry: Registry, plan_id: int, approved: Collection[int],
                     sink: EventSink | None = None, batch: int = BATCH) -> Outcome:
    """Carry out the approved steps in order; the rest are declined. Returns what each step did. Events:
    ``action.apply.start``, ``.progress``, and ``.end`` always (status "interrupted" if it did not finish)."""
    sink = sink or NullSink()
    plan = await journal.must_get(plan_id)
    if not await journal.claim(plan_id, ("proposed",), "applying"):
        raise ActionError("action.not_proposed", f"plan #{plan_id} is {plan.status}, not proposed",
                          hint="a plan is applied once; make a new one")
    await journal.record(plan_id, [(s.number, "declined", None, "") for s in plan.steps if s.number not in approved])
    todo = [s for s in plan.steps if s.number in approved]
    if not todo:
        await journal.finish_plan(plan_id, "declined")
        return Outcome(plan_id, "declined")
    sink.emit(Event("action.apply.start", {"plan_id": plan_id, "total": len(todo)}))
    status = "interrupted"
    try:
        results = await _apply_batches(journal, registry, plan_id, todo, sink, max(1, batch))
        final: PlanStatus = "applied" if all(r.state == "applied" for r in results) else "partially-applied"
        await journal.finish_plan(plan_id, final)
        status = final
    finally:
        sink.emit(Event("action.apply.end", {"plan_id": plan_id, "status": status}))
    return Outcome(plan_id, final, tuple(results))


async def _undo_one(registry: Registry, step: Step) -> Change:
    try:
        action = registry.get(step.op)
        note = await _timed(action, step.args, action.undo(step.args, step.undo_data or {}))
        return (step.number, "undone", None, note)
    except (Os1Error, OSError) as exc:
        return (step.number, "undo-failed", None, _failure(exc))


async def undo_plan(journal: Journal, registry: Registry, plan_id: int, sink: EventSink | None = None,
                    batch: int = BATCH) -> Outcome:
    """Reverse every step that may have changed something, last first; each undo is journalled too. Undoing an
    undone plan does nothing and says so (``Outcome.already``)."""
    sink = sink or NullSink()
    plan = await journal.must_get(plan_id)
    if plan.status in ("undone", "proposed", "declined"):
        return Outcome(plan_id, plan.status, already=True)
    todo = [s for s in reversed(plan.steps) if s.state in TOUCHED and s.undo_data is not None]
    for op in {s.op for s in todo}:
        registry.get(op)  # fail before touching anything if an op has no executor
    if not await journal.claim(plan_id, UNDOABLE, "undoing"):
        raise ActionError("action.busy", f"plan #{plan_id} changed while starting to undo it", hint="try again")
    sink.emit(Event("action.undo.start", {"plan_id": plan_id, "total": len(todo)}))
    status = "interrupted"
    try:
        results = await _undo_batches(journal, registry, plan_id, todo, sink, max(1, batch))
        final: PlanStatus = "undone" if all(r.state == "undone" for r in results) else "partially-undone"
        await journal.finish_plan(plan_id, final)
        status = final
    finally:
        sink.emit(Event("action.undo.end", {"plan_id": plan_id, "status": status}))
    return Outcome(plan_id, final, tuple(results))


async def _undo_batches(journal: Journal, registry: Registry, plan_id: int, todo: Sequence[Step],
                        sink: EventSink, batch: int) -> list[StepResult]:
    results: list[StepResult] = []
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        await journal.record(plan_id, [(s.number, "undoing", None, "") for s in chunk])
        done = [await _undo_one(registry, s) for s in chunk]
        await journal.record(plan_id, done)
        results += [StepResult(n, state, note) for n, state, _, note in done]
        sink.emit(Event("action.undo.progress", {"plan_id": plan_id, "done": len(results), "total": len(todo)}))
    return results
