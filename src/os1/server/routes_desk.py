"""Her desk over HTTP: the mail briefing, a cleanup proposed as a plan, and every plan of the user's (mail
cleanups, files tidy-ups) listed, shown, applied as approved ("all", "1-5,9", "newsletters") and undone. The same
desk and journal as the conversation and ``os1 undo``; every plan is the signed-in user's (another's is 404)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from os1.actions.approve import select
from os1.actions.base import Outcome, Plan, PlanSummary
from os1.actions.run import apply_plan, undo_plan
from os1.companion.desk import Desk, open_desk
from os1.errors import ActionError
from os1.server.auth import Principal, require_user
from os1.server.errors import SIGNED_IN, ApiError, documented, not_found
from os1.server.routes_history import MAX_ID
from os1.server.services import services_of

router = APIRouter(prefix="/api", tags=["desk"], responses=SIGNED_IN)
PlanId = Path(ge=1, le=MAX_ID)
NO_MAIL = "There is no mail here yet: this service's store keeps none."
ACTION_STATUS = {"action.bad_selection": 422, "action.not_proposed": 409, "action.busy": 409}


class Briefing(BaseModel):
    text: str = Field(description="what needs you, written (empty words are never invented)")
    spoken: str = Field(description="the same, as it would be said aloud")
    messages: int = Field(description="how many messages the briefing read")


class StepOut(BaseModel):
    number: int
    op: str
    description: str
    category: str
    state: str
    note: str


class PlanBrief(BaseModel):
    id: int
    kind: str = Field(description="mail.cleanup, files.organize, …")
    title: str
    created_at: datetime
    status: str
    counts: dict[str, int] = Field(description="its steps by state")
    applied_at: datetime | None = None
    undone_at: datetime | None = None


class PlanOut(PlanBrief):
    categories: list[str]
    steps: list[StepOut]


class Cleanup(BaseModel):
    text: str = Field(description="what it proposes, and how to answer")
    plan: PlanOut | None = Field(None, description="the proposed plan; none when there is nothing to clean")


class Approval(BaseModel):
    approve: str = Field(min_length=1, max_length=2000,
                         description='"all", "none", step numbers and ranges ("1-5,9"), categories ("newsletters"), '
                         'exclusions ("all, -3")')


class StepResultOut(BaseModel):
    number: int
    state: str
    note: str


class OutcomeOut(BaseModel):
    status: str
    already: bool = Field(description="nothing was done: the plan was already in that state")
    results: list[StepResultOut]
    plan: PlanOut


def _counts(plan: Plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in plan.steps:
        counts[s.state] = counts.get(s.state, 0) + 1
    return counts


def plan_out(plan: Plan) -> PlanOut:
    return PlanOut(id=plan.id, kind=plan.kind, title=plan.title, created_at=plan.created_at, status=plan.status,
                   counts=_counts(plan), applied_at=plan.applied_at, undone_at=plan.undone_at,
                   categories=plan.categories(),
                   steps=[StepOut(number=s.number, op=s.op, description=s.description, category=s.category,
                                  state=s.state, note=s.note) for s in plan.steps])


def plan_brief(p: PlanSummary) -> PlanBrief:
    return PlanBrief(id=p.id, kind=p.kind, title=p.title, created_at=p.created_at, status=p.status,
                     counts=dict(p.counts), applied_at=p.applied_at, undone_at=p.undone_at)


async def _desk(request: Request, who: Principal) -> Desk | None:
    """The user's desk, with the files ops registered too (so a files plan can be undone here); None for a store
    without mail and journal."""
    deps = services_of(request).deps
    user = await deps.store.users.ensure(who.username)
    desk = open_desk(deps.store, who.user_id, deps.clock, user.display_name)
    if desk is not None:
        from os1.files.ops import register

        register(desk.registry, desk.journal)
    return desk


async def _plan(desk: Desk | None, plan_id: int) -> Plan:
    plan = await desk.journal.get(plan_id) if desk is not None else None
    if plan is None:
        raise not_found("plan", plan_id)
    return plan


def _refused(exc: ActionError) -> ApiError:
    return ApiError(ACTION_STATUS.get(exc.code, 409), exc.code, exc.message, hint=exc.hint)


@router.get("/mail/briefing", response_model=Briefing)
async def mail_briefing(request: Request, who: Principal = Depends(require_user)) -> Briefing:  # noqa: B008
    """What needs you in your recent mail (read by rules: nothing in a message steers it)."""
    desk = await _desk(request, who)
    if desk is None:
        return Briefing(text=NO_MAIL, spoken=NO_MAIL, messages=0)
    said = await desk.brief()
    return Briefing(text=said.text, spoken=said.spoken, messages=len(said.quoted))


@router.post("/mail/cleanup", response_model=Cleanup)
async def mail_cleanup(request: Request, who: Principal = Depends(require_user)) -> Cleanup:  # noqa: B008
    """Propose moving newsletters and notifications to Archive and spam to Junk: a plan, applied only when
    approved (POST /api/plans/{plan_id}/apply). Nothing is ever deleted."""
    desk = await _desk(request, who)
    if desk is None:
        return Cleanup(text=NO_MAIL, plan=None)
    said = await desk.cleanup()
    plan = await desk.journal.must_get(said.plan_id) if said.plan_id is not None else None
    return Cleanup(text=said.text, plan=plan_out(plan) if plan else None)


@router.get("/plans", response_model=list[PlanBrief])
async def plans(
    request: Request, who: Principal = Depends(require_user),  # noqa: B008
    kind: str | None = Query(None, max_length=100, description='a kind or a prefix: "mail.", "files."'),
    limit: int = Query(50, ge=1, le=500),
) -> list[PlanBrief]:
    """Your plans, newest first, with their step counts."""
    desk = await _desk(request, who)
    return [plan_brief(p) for p in await desk.journal.plans(kind, limit)] if desk is not None else []


@router.get("/plans/{plan_id}", response_model=PlanOut, responses=documented(404))
async def plan(request: Request, plan_id: int = PlanId, who: Principal = Depends(require_user)) -> PlanOut:  # noqa: B008
    return plan_out(await _plan(await _desk(request, who), plan_id))


async def _outcome(desk: Desk, outcome: Outcome) -> OutcomeOut:
    return OutcomeOut(status=outcome.status, already=outcome.already,
                      results=[StepResultOut(number=r.number, state=r.state, note=r.note) for r in outcome.results],
                      plan=plan_out(await desk.journal.must_get(outcome.plan_id)))


@router.post("/plans/{plan_id}/apply", response_model=OutcomeOut, responses=documented(404, 409))
async def apply(
    approval: Approval, request: Request, plan_id: int = PlanId,
    who: Principal = Depends(require_user),  # noqa: B008
) -> OutcomeOut:
    """Carry out the approved steps (the rest are declined); a plan is applied once (409 after)."""
    desk = await _desk(request, who)
    found = await _plan(desk, plan_id)
    assert desk is not None
    try:
        outcome = await apply_plan(desk.journal, desk.registry, found.id, select(found, approval.approve))
    except ActionError as exc:
        raise _refused(exc) from exc
    return await _outcome(desk, outcome)


@router.post("/plans/{plan_id}/undo", response_model=OutcomeOut, responses=documented(404, 409))
async def undo(request: Request, plan_id: int = PlanId, who: Principal = Depends(require_user)) -> OutcomeOut:  # noqa: B008
    """Put back everything the plan changed, last first (``already`` when there was nothing to undo)."""
    desk = await _desk(request, who)
    found = await _plan(desk, plan_id)
    assert desk is not None
    try:
        outcome = await undo_plan(desk.journal, desk.registry, found.id)
    except ActionError as exc:
        raise _refused(exc) from exc
    return await _outcome(desk, outcome)
