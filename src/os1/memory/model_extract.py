"""The model as a second extractor, where the rules are blind: people named in ways no rule knows ("lunch with
my brother Tom and my old teacher, Mrs Alvarez").

The model answers in JSON constrained by a schema (llama.cpp grammar; ``response_format`` on other servers), so
the shape is always right. The content often is not: SmolLM2-135M returned people who were never mentioned and
relations that were other people's names. So every item is checked against the words the user actually wrote:
the name must appear, capitalised, in a user turn, and the relation word near it. What passes is stored with a
low confidence, which never overwrites a fact the rules (or the user) established."""

from __future__ import annotations

import json
import re

from os1.llm.base import Model
from os1.memory.extract import RELATIONS
from os1.types import Message, NewMemory, Turn

MODEL_CONFIDENCE = 0.5
RELATION_WORDS = tuple(RELATIONS.split("|"))
SCHEMA = {
    "type": "object",
    "properties": {
        "people": {
            "type": "array",
            "maxItems": 8,
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 40},
                    "relation": {"type": "string", "enum": list(RELATION_WORDS)},
                },
                "required": ["name", "relation"],
            },
        }
    },
    "required": ["people"],
}
PROMPT = ("List the people the user mentions by name and how each relates to the user (their sister, friend, "
          "boss...). Only people named in the text. Answer in JSON.")
NEAR = 40  # characters between a name and its relation word


async def ask(model: Model, text: str) -> object:
    """The model's JSON answer for ``text``, or None when it fails or does not parse."""
    messages = [Message("system", PROMPT), Message("user", text)]
    response_format = {"type": "json_schema", "json_schema": {"name": "people", "schema": SCHEMA}}
    try:
        parts = [c.text async for c in model.stream(messages, max_tokens=200, temperature=0.0,
                                                    response_format=response_format)]
        return json.loads("".join(parts))
    except Exception:  # a failing or rambling model teaches nothing, and breaks nothing
        return None


def validate(answer: object, turns: list[Turn]) -> list[NewMemory]:
    """Only what the user's own words support: the name written in a turn, the relation word beside it."""
    if not isinstance(answer, dict) or not isinstance(answer.get("people"), list):
        return []
    out: dict[str, NewMemory] = {}
    for person in answer["people"][:8]:
        if not isinstance(person, dict):
            continue
        name, relation = str(person.get("name", "")).strip(), str(person.get("relation", "")).strip().lower()
        if relation not in RELATION_WORDS or not re.fullmatch(r"[A-Z][a-z]{1,20}(?: [A-Z][a-z]{1,20})?", name):
            continue
        for turn in turns:
            if turn.role != "user" or turn.speaker:
                continue
            for m in re.finditer(rf"\b{re.escape(name)}\b", turn.content):
                window = turn.content[max(0, m.start() - NEAR): m.end() + NEAR].lower()
                if re.search(rf"\bmy\s+(?:\w+\s+)?{re.escape(relation)}\b", window):
                    out[name] = NewMemory(
                        kind="person", text=f"{name} is your {relation}.", key=f"person:user:{name.lower()}",
                        value=relation, subject=name, importance=0.6, confidence=MODEL_CONFIDENCE, source="model",
                        source_turn_ids=(turn.id,),
                    )  # fmt: skip
                    break
            if name in out:
                break
    return list(out.values())


async def people_from_model(model: Model, turns: list[Turn], max_chars: int = 1500) -> list[NewMemory]:
    said = "\n".join(t.content for t in turns if t.role == "user" and not t.speaker and not t.meta.get("care"))
    if not re.search(r"\b[A-Z][a-z]+", said):
        return []  # nobody named: no need to ask
    return validate(await ask(model, said[-max_chars:]), turns)
