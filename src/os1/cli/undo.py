"""``os1 undo [PLAN_ID]``: reverse a plan of any kind (files, mail...), the latest applied one by default.

Every capability that makes plans adds its ops' registration to ``OPS`` so undo can reach them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from os1.actions.base import Registry
    from os1.config import Settings

# Each capability's "module:function(registry)" that registers its ops; imported only when undo or apply runs.
OPS = (
    "os1.files.ops:register",
    "os1.cli.mail_desk:register_ops",  # mail.move (asks for an IMAP password if needed), mail.send
)


def add_undo_parser(sub: Any) -> None:
    """Register ``os1 undo`` on the top-level subparsers."""
    undo = sub.add_parser(
        "undo", help="put back what a plan changed (the latest applied plan, or PLAN_ID)",
        description="Reverses every step a plan applied, last first; each undo is recorded in the journal too. "
        "Works after a crash or an interrupted run. A file whose original place is taken now is restored beside "
        "it with a ' (restored)' suffix. Undoing twice changes nothing. See the plans with `os1 files plans`.")
    undo.add_argument("plan_id", nargs="?", type=int, help="the plan to undo (default: the latest applied)")


def build_registry(journal: Any = None) -> Registry:
    """Every capability's ops, so a plan of any kind can be applied and undone. Ops that act on a user's store
    (moving mail) are registered for the ``journal``'s user."""
    import importlib

    from os1.actions.base import Registry

    registry = Registry()
    for target in OPS:
        module, func = target.split(":")
        getattr(importlib.import_module(module), func)(registry, journal)
    return registry


def run_undo(args: Any) -> int:
    import asyncio

    from os1.cli.wiring import settings_from

    return asyncio.run(undo(settings_from(args), args.plan_id))


async def undo(settings: Settings, plan_id: int | None) -> int:
    from os1.actions.run import undo_plan
    from os1.cli.files import Progress, open_journal, outcome_lines

    async with open_journal(settings) as journal:
        if plan_id is None:
            latest = await journal.latest_undoable()
            if latest is None:
                print("Nothing to undo: no plan has been applied (`os1 files plans` lists them).")
                return 1
            plan_id = latest.id
        plan = await journal.must_get(plan_id)
        progress = Progress()
        try:
            outcome = await undo_plan(journal, build_registry(journal), plan_id, progress)
        finally:
            progress.close()
    if outcome.already:
        when = f" on {plan.undone_at.astimezone():%Y-%m-%d %H:%M}" if plan.undone_at else ""
        reason = {"undone": f"was already undone{when}", "proposed": "was never applied",
                  "declined": "was declined: it changed nothing"}[outcome.status]
        print(f"Plan #{plan_id} ({plan.title}) {reason}; nothing to do.")
        return 0
    print(f"Undoing plan #{plan_id}: {plan.title}")
    print("\n".join(outcome_lines(outcome, "undone")))
    if outcome.status != "undone":
        print(f"Some steps could not be undone (see above); fix them and run `os1 undo {plan_id}` again.")
        return 1
    return 0
