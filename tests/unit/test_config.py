from __future__ import annotations

from pathlib import Path

import pytest

from os1.config import default_home, load_settings
from os1.errors import ConfigError


def test_defaults_use_xdg_data_home(tmp_path: Path):
    assert default_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "os1"
    assert default_home({"OS1_HOME": str(tmp_path / "h")}) == tmp_path / "h"
    s = load_settings({}, home=tmp_path)
    assert s.model.backend == "llamacpp" and s.care.country == "US" and s.care.disclosure_interval_hours == 3.0
    assert s.db_path == tmp_path / "os1.db"


def test_file_then_environment_override(tmp_path: Path):
    (tmp_path / "config.toml").write_text('[model]\ntemperature = 0.5\nmax_reply_tokens = 50\n[care]\ncountry = "GB"\n')
    s = load_settings({"OS1_MODEL_TEMPERATURE": "0.2", "OS1_USER": "theo"}, home=tmp_path)
    assert s.model.temperature == 0.2 and s.model.max_reply_tokens == 50 and s.care.country == "GB"
    assert s.user == "theo"


@pytest.mark.parametrize(
    ("toml", "code"),
    [
        ("[model]\ntemprature = 1\n", "config.unknown_key"),
        ("[model]\nn_ctx = 'lots'\n", "config.bad_value"),
        ("[model]\nbackend = 'magic'\n", "config.bad_backend"),
        ("[model]\nbackend = 'openai'\n", "config.missing_url"),
        ("[model\n", "config.unreadable"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, toml: str, code: str):
    (tmp_path / "config.toml").write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_settings({}, home=tmp_path)
    assert err.value.code == code and err.value.hint
