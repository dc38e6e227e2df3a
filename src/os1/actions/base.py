"""Plans, steps and the ``Action`` interface: nothing in the user's world changes without consent, and every change
can be undone, even after a crash or a restart.

A capability proposes a ``Plan`` of ``Step``s (an op name, JSON arguments, a sentence for the user). Each op is
carried out by an ``Action`` found in a ``Registry``. Applying is write-ahead: ``prepare`` says exactly what
``apply`` is about to do (enough to undo it whether or not it finished), the journal records that intent, then
``apply`` runs and its undo data is recorded. ``undo`` must therefore be idempotent and tolerant: it may be handed
the intent of a step that never happened, or only half happened."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from os1.errors import ActionError

PlanStatus = Literal["proposed", "declined", "applying", "applied", "partially-applied", "undoing", "undone",
                     "partially-undone"]
StepState = Literal["proposed", "declined", "applying", "applied", "skipped", "failed", "undoing", "undone",
                    "undo-failed"]
JSON = dict[str, Any]

# A plan in these states has changes in the world that undo can reverse ("applying": it was interrupted).
UNDOABLE: tuple[str, ...] = ("applied", "partially-applied", "applying", "undoing", "partially-undone")
# Steps that may have changed something: undo visits them (it is told the intent when the outcome is unknown).
TOUCHED: tuple[str, ...] = ("applying", "applied", "failed", "undoing", "undo-failed")


@dataclass(frozen=True, slots=True)
class Step:
    """One change, numbered from 1 within its plan. ``undo_data`` is filled in when it is applied."""

    number: int
    op: str
    args: Mapping[str, Any]
    description: str
    category: str = ""
    state: StepState = "proposed"
    undo_data: Mapping[str, Any] | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    id: int
    kind: str  # "files.organize", "mail.cleanup", ...
    title: str
    created_at: datetime
    status: PlanStatus
    steps: tuple[Step, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    applied_at: datetime | None = None
    undone_at: datetime | None = None

    def categories(self) -> list[str]:
        return list(dict.fromkeys(s.category for s in self.steps if s.category))


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """A plan without its steps, for listings: the step counts by state."""

    id: int
    kind: str
    title: str
    created_at: datetime
    status: PlanStatus
    counts: Mapping[str, int]
    applied_at: datetime | None = None
    undone_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    number: int
    state: StepState
    note: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying or undoing a plan did: its status afterwards and each visited step's result."""

    plan_id: int
    status: PlanStatus
    results: tuple[StepResult, ...] = ()
    already: bool = False  # nothing to do: the plan was already in that state

    def count(self, state: str) -> int:
        return sum(1 for r in self.results if r.state == state)

    def noted(self) -> list[StepResult]:
        return [r for r in self.results if r.note]


class Action(Protocol):
    """The executor of one op. Every method may do I/O; everything it needs later must be in what it returns."""

    async def prepare(self, args: Mapping[str, Any]) -> JSON:
        """The intent: exactly what ``apply`` will do, recorded before it runs. Raise ``Skip`` to skip the step."""
        ...

    async def apply(self, args: Mapping[str, Any], intent: Mapping[str, Any]) -> JSON:
        """Do it; return the undo data (often the intent, refined). Raise ``Skip`` when it no longer applies."""
        ...

    async def undo(self, args: Mapping[str, Any], undo_data: Mapping[str, Any]) -> str:
        """Reverse it (idempotent; may be given the intent of a step that never ran). Returns a note or ""."""
        ...

    def timeout_s(self, args: Mapping[str, Any]) -> float:
        """How long one ``prepare``/``apply``/``undo`` of these arguments may take."""
        ...


class Skip(ActionError):
    """The step no longer applies (its target changed since planning); nothing was changed."""

    def __init__(self, message: str, code: str = "action.skipped") -> None:
        super().__init__(code, message)


class Registry:
    """Op name → ``Action``. The edge (CLI, server) registers every capability's ops, so ``undo`` works for any."""

    def __init__(self) -> None:
        self._ops: dict[str, Action] = {}

    def register(self, op: str, action: Action) -> None:
        self._ops[op] = action

    def get(self, op: str) -> Action:
        action = self._ops.get(op)
        if action is None:
            raise ActionError("action.unknown_op", f"no executor for the action {op!r}",
                              hint="this OS1 lacks the capability that made the plan; update OS1")
        return action

    def __contains__(self, op: object) -> bool:
        return op in self._ops
