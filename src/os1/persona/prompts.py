"""The companion's system prompt, from its persona and the user's pinned profile. Pure text, no I/O beyond
reading the shipped template. Kept stable within a session so the model's KV cache can reuse it."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from os1.types import Companion, Memory


@lru_cache(maxsize=4)
def template(name: str = "system") -> str:
    return files("os1.persona").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")


def personality(traits: dict[str, float]) -> str:
    from os1.persona.identity import describe_traits

    return describe_traits(traits)


def system_prompt(
    companion: Companion, user_name: str, facts: list[Memory], max_facts: int = 12, stage: str = "friend"
) -> str:
    """Persona, the tone of the relationship's stage, and the pinned profile: the stable prefix of every prompt
    in a session."""
    from os1.persona.relationship import tone

    recent = facts[-max_facts:]
    profile = ""
    if recent:
        lines = "\n".join(f"- {f.text}" for f in recent)
        profile = f"What {user_name} has told you (you say 'you' to {user_name}):\n{lines}"
    return template().format(
        name=companion.name, user=user_name, personality=personality(companion.traits), profile=profile,
        tone=tone(stage),
    ).strip()
