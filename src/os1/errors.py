"""Errors that carry a stable code, so callers, logs and the UI can tell them apart."""

from __future__ import annotations


class Os1Error(Exception):
    """Base error: ``code`` is stable and machine-readable, ``message`` is for a person, ``hint`` says the fix."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.message} ({self.code})"
        return f"{text}\n  fix: {self.hint}" if self.hint else text


class ConfigError(Os1Error):
    pass


class StoreError(Os1Error):
    pass


class ModelError(Os1Error):
    pass


class NotSetUpError(Os1Error):
    pass


class MailError(Os1Error):
    pass


class ActionError(Os1Error):
    """An action on the user's world (a plan, a step, an undo) could not go ahead; nothing was half-done silently."""
