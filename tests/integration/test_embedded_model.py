"""The real embedded model: SmolLM2-135M-Instruct through xllamacpp."""

from __future__ import annotations

import time

import pytest

from os1.config import ModelSettings
from os1.errors import ModelError
from os1.llm.llamacpp import LlamaCppModel
from os1.types import Message

pytestmark = pytest.mark.integration

SYSTEM = Message("system", "You are Ada, a warm and curious companion. You are an AI. Keep replies short. " * 4)


async def _run(model, messages, **opts):
    chunks = [c async for c in model.stream(messages, **opts)]
    return chunks, "".join(c.text for c in chunks)


async def test_real_generation_streams_and_reuses_the_cached_prefix(gguf):
    model = LlamaCppModel(ModelSettings(seed=42, max_reply_tokens=24))
    chunks, text = await _run(model, [SYSTEM, Message("user", "Hi, I'm Theo. How are you?")])
    assert text.strip() and len([c for c in chunks if c.text]) > 3
    assert chunks[-1].finish_reason in ("stop", "length")
    first = chunks[-1].usage or {}
    chunks, _ = await _run(model, [SYSTEM, Message("user", "Hi, I'm Theo. What is your name?")])
    second = chunks[-1].usage or {}
    assert second.get("cache_n", 0) > 40, (first, second)  # the stable prefix was not evaluated again
    assert second.get("prompt_n", 999) < first.get("prompt_n", 0)


async def test_same_seed_same_words(gguf):
    settings = ModelSettings(seed=7, max_reply_tokens=16, temperature=0.7)
    messages = [SYSTEM, Message("user", "Name a colour.")]
    _, a = await _run(LlamaCppModel(settings), messages)
    _, b = await _run(LlamaCppModel(settings), messages)  # a fresh model: no cache in play
    assert a == b


async def test_hard_cap_on_reply_length(gguf):
    model = LlamaCppModel(ModelSettings(seed=1, max_reply_tokens=8))
    chunks, _ = await _run(model, [Message("user", "Write a very long story about the sea.")])
    assert len([c for c in chunks if c.text]) <= 8


async def test_cancel_stops_generation_and_the_model_stays_usable(gguf):
    model = LlamaCppModel(ModelSettings(seed=1, max_reply_tokens=200))
    await model.load()
    stream = model.stream([Message("user", "Tell me a long story about a fox.")], temperature=0.0)
    n = 0
    async for _ in stream:
        n += 1
        if n == 3:
            break
    started = time.perf_counter()
    await stream.aclose()
    # 200 tokens take over 2 s here; a cancelled generation ends at its next token
    assert time.perf_counter() - started < 0.5
    _, text = await _run(model, [Message("user", "Say hi.")], max_tokens=5)
    assert text.strip()


async def test_bad_model_path_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError) as err:
        LlamaCppModel(ModelSettings(path=str(tmp_path / "missing.gguf")))
    assert err.value.code == "model.not_found"
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF not really")
    model = LlamaCppModel(ModelSettings(path=str(broken)))
    with pytest.raises(ModelError) as err:
        await model.load()
    assert err.value.code == "model.load_failed"

async def test_a_reply_begun_ahead_is_taken_over_and_continued_from_the_cache(gguf):
    model = LlamaCppModel(ModelSettings(seed=3, max_reply_tokens=40))
    messages = [SYSTEM, Message("user", "Tell me about the sea.")]
    await model.prefill(messages, 6, temperature=0.0)  # the user is still silent: the reply is begun
    chunks, text = await _run(model, messages, max_tokens=30, temperature=0.0)
    _, fresh = await _run(LlamaCppModel(ModelSettings(seed=3, max_reply_tokens=40)), messages, max_tokens=30,
                          temperature=0.0)
    assert text == fresh  # greedy: the guess and its continuation write what one request would have
    usage = chunks[-1].usage or {}
    assert usage.get("prompt_n", 999) <= 3, usage  # the continuation found the prompt and the guess cached
    assert len([c for c in chunks if c.text]) <= 30
