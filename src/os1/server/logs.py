"""Secrets never reach a log: a filter on every handler redacts session tokens, API keys, passwords in
key=value form and ``token=`` query parameters (a WebSocket URL in uvicorn's access log)."""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
_PATTERNS = (
    re.compile(r"os1[sk]_[A-Za-z0-9_\-]{8,}"),  # session tokens, API keys
    re.compile(r"(?i)((?:token|password|csrf_token|api_key|key)=)[^&\s\"']+"),  # query strings, key=value
    re.compile(r"(?i)((?:authorization|cookie|x-csrf-token)[\"']?\s*[:=]\s*[\"']?)[^\"'\n,}]+"),  # headers
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


class SecretFilter(logging.Filter):
    """Redacts secrets in each record's message and string arguments (arguments keep their shape: uvicorn's
    access formatter unpacks them); anything else that would still show a secret is flattened and redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install(*loggers: str) -> SecretFilter:
    """Add the filter to every handler of the root logger and of ``loggers`` (uvicorn's, by default)."""
    secret_filter = SecretFilter()
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", *loggers):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, SecretFilter) for f in handler.filters):
                handler.addFilter(secret_filter)
    return secret_filter
