from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from os1.cli.main import PRIVACY_ENV, apply_privacy_env, build_parser
from os1.cli.setup import setup_flow
from os1.config import Settings
from os1.store import open_store


def test_help_is_instant_because_heavy_libraries_load_lazily():
    code = ("import sys, os1.cli.main as m; m.build_parser(); "
            "print(sorted(x for x in ('xllamacpp', 'httpx', 'sqlite3', 'os1.companion.turn') if x in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    result = subprocess.run([sys.executable, "-m", "os1", "--help"], capture_output=True, text=True, check=True)
    for command in ("setup", "chat", "doctor"):
        assert command in result.stdout


def test_privacy_variables_are_set_at_the_entry_point():
    env: dict[str, str] = {}
    apply_privacy_env(env)
    assert env["ORT_DISABLE_TELEMETRY"] == "1" and env["HF_HUB_OFFLINE"] == "1"
    assert set(PRIVACY_ENV) <= set(env)


def test_setup_flags_parse():
    args = build_parser().parse_args(["setup", "--name", "Theo", "--voice", "male", "--yes"])
    assert args.name == "Theo" and args.voice == "male" and args.yes


def test_setup_interview_names_the_companion_and_asks_before_replacing(tmp_path: Path):
    settings = Settings(home=tmp_path)
    said: list[str] = []
    answers = iter(["call me Theo", "anti-social", "my kids", "we don't talk", "banana", "male"])
    assert setup_flow(settings, lambda _: next(answers), said.append, {}) == 0
    companion = asyncio.run(_active(settings))
    assert companion is not None and companion.voice == "male"
    assert any(companion.name in line and "an AI" in line for line in said)
    assert any("didn't catch" in line for line in said)  # "banana" is not a voice

    replies = iter(["no"])
    assert setup_flow(settings, lambda _: next(replies), said.append, {}) == 0
    assert said[-1] == f"Keeping {companion.name}."
    replies = iter(["yes"])
    preset = {"user_name": "Theo", "social": "social", "matters": "music", "mother": "great", "voice": "female"}
    assert setup_flow(settings, lambda _: next(replies), said.append, preset) == 0
    replaced = asyncio.run(_active(settings))
    assert replaced is not None and replaced.id != companion.id and replaced.voice == "female"


def test_setup_stopped_midway_stores_nothing(tmp_path: Path):
    settings = Settings(home=tmp_path)
    answers = iter(["Theo", "social"])

    def ask(_: str) -> str:
        try:
            return next(answers)
        except StopIteration:
            raise KeyboardInterrupt from None

    with pytest.raises(KeyboardInterrupt):
        setup_flow(settings, ask, lambda _: None, {})
    assert asyncio.run(_active(settings)) is None


async def _active(settings: Settings):
    store = await open_store(settings.db_path)
    try:
        return await store.users.active_companion((await store.users.ensure("local")).id)
    finally:
        await store.close()


def test_doctor_reports_and_exits_zero_when_ready(tmp_path: Path):
    env = {"OS1_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "os1", "doctor"], capture_output=True, text=True, env=env)
    assert "store" in result.stdout and "model file" in result.stdout
    assert result.returncode == 0, result.stdout
    assert "faster_whisper" in result.stdout  # optional parts are listed with their fix


def test_relationship_draws_its_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from os1.cli.main import main

    preset = {"user_name": "Theo", "social": "social", "matters": "music", "mother": "great", "voice": "female"}
    assert setup_flow(Settings(home=tmp_path), lambda _: "", lambda _: None, preset) == 0
    chart = tmp_path / "us.svg"
    assert main(["--home", str(tmp_path), "relationship", "--chart", str(chart)]) == 0
    assert "new acquaintance" in capsys.readouterr().out
    assert chart.read_text().startswith("<svg") and "and you, over time</title>" in chart.read_text()
