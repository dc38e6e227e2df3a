"""Setup over HTTP: the same interview as ``os1 setup``; the companion chooses its own name."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from os1.companion.setup import create_companion
from os1.persona.identity import QUESTIONS, Answers, Voice, clean_user_name
from os1.server.auth import Principal, require_user
from os1.server.errors import SIGNED_IN, ApiError, documented
from os1.server.routes_auth import CompanionOut
from os1.server.services import services_of

router = APIRouter(prefix="/api/setup", tags=["setup"], responses=SIGNED_IN)


class QuestionOut(BaseModel):
    key: str
    prompt: str
    hint: str


class SetupState(BaseModel):
    done: bool
    companion: CompanionOut | None = None
    questions: list[QuestionOut]


class SetupAnswers(BaseModel):
    user_name: str = Field(min_length=1, max_length=200, description="what to call you")
    social: str = Field(min_length=1, max_length=2000)
    matters: str = Field(min_length=1, max_length=2000)
    mother: str = Field(min_length=1, max_length=2000)
    voice: Voice = "neutral"
    replace: bool = Field(False, description="replace an existing companion (it is kept, retired)")


class SetupDone(BaseModel):
    companion: CompanionOut
    introduction: str


@router.get("", response_model=SetupState)
async def setup_state(request: Request, who: Principal = Depends(require_user)) -> SetupState:  # noqa: B008
    companion = await services_of(request).deps.store.users.active_companion(who.user_id)
    return SetupState(
        done=companion is not None,
        companion=CompanionOut(id=companion.id, name=companion.name, voice=companion.voice) if companion else None,
        questions=[QuestionOut(key=q.key, prompt=q.prompt, hint=q.hint) for q in QUESTIONS],
    )


@router.post("", status_code=201, response_model=SetupDone, responses=documented(409))
async def setup(answers: SetupAnswers, request: Request, who: Principal = Depends(require_user)) -> SetupDone:  # noqa: B008
    """Create the companion from the answers (409 if there is one, unless ``replace``)."""
    deps = services_of(request).deps
    if not answers.replace and await deps.store.users.active_companion(who.user_id) is not None:
        raise ApiError(409, "setup.exists", "you already have a companion", hint="send replace: true to replace it")
    name = clean_user_name(answers.user_name)
    if name is None:
        raise ApiError(422, "setup.bad_name", "that answer holds no name", hint="your first name, or a nickname")
    given = Answers(user_name=name, social=answers.social.strip(), matters=answers.matters.strip(),
                    mother=answers.mother.strip(), voice=answers.voice)
    companion, intro = await create_companion(deps.store, who.username, given, deps.clock)
    return SetupDone(companion=CompanionOut(id=companion.id, name=companion.name, voice=companion.voice),
                     introduction=intro)
