"""The OpenAI-compatible backend against a real server on loopback: llama.cpp's own server (through the
xllamacpp binding) serving the bundled GGUF in another process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from os1.config import ModelSettings
from os1.errors import ModelError
from os1.llm.openai_compat import OpenAICompatModel
from os1.types import Message

pytestmark = pytest.mark.integration

SERVER = textwrap.dedent(
    """
    import sys, time, xllamacpp as xlc
    p = xlc.CommonParams()
    p.model.path = sys.argv[1]
    p.n_ctx = 2048
    p.verbosity = -1
    p.api_keys = ["test-key"]
    server = xlc.Server(p)
    print(server.listening_address, flush=True)
    sys.stdin.read()  # serve until the test closes stdin
    """
)


@pytest.fixture(scope="module")
def server_url(gguf) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(gguf)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        assert address.startswith("http://127.0.0.1:"), address
        yield address + "/v1"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.terminate()
        proc.wait(timeout=30)


async def test_streams_from_a_real_openai_compatible_server(server_url):
    model = OpenAICompatModel(ModelSettings(backend="openai", url=server_url, name="smollm2", api_key="test-key",
                                            seed=3, max_reply_tokens=16, timeout_s=60))
    chunks = [c async for c in model.stream([Message("user", "Say hello to Theo.")])]
    text = "".join(c.text for c in chunks)
    assert text.strip() and len([c for c in chunks if c.text]) > 2
    assert chunks[-1].finish_reason in ("stop", "length")


async def test_wrong_key_is_refused_clearly(server_url):
    model = OpenAICompatModel(ModelSettings(backend="openai", url=server_url, api_key="wrong", timeout_s=30))
    with pytest.raises(ModelError) as err:
        [c async for c in model.stream([Message("user", "hi")])]
    assert err.value.code == "model.http_error" and "401" in err.value.message
