"""Language models: the embedded llama.cpp backend (default) and any OpenAI-compatible server."""

from __future__ import annotations

from os1.config import ModelSettings
from os1.llm.base import Model


def build_model(settings: ModelSettings) -> Model:
    """The model the settings choose. Heavy libraries load on first use, not here."""
    if settings.backend == "openai":
        from os1.llm.openai_compat import OpenAICompatModel

        return OpenAICompatModel(settings)
    from os1.llm.llamacpp import LlamaCppModel

    return LlamaCppModel(settings)


__all__ = ["Model", "build_model"]
