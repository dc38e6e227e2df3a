"""Small messages for the mail tests, as the bytes a source would give."""

from __future__ import annotations


def message(n: int = 1, subject: str | None = None, body: str = "", msgid: str | None = "default",
            sender: str = "Alice <alice@example.com>", to: str = "me@example.com", extra: str = "",
            date: str = "Mon, 02 Jun 2025 10:00:00 +0200") -> bytes:
    """A plain-text message; ``msgid=None`` leaves the Message-ID out, "default" makes one from ``n``."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject if subject is not None else f'Message {n}'}"]
    if date:
        lines.append(f"Date: {date}")
    if msgid is not None:
        lines.append(f"Message-ID: {f'<m{n}@example.com>' if msgid == 'default' else msgid}")
    if extra:
        lines.append(extra.strip("\n"))
    lines += ["Content-Type: text/plain; charset=utf-8", "", body or f"Body of message {n}.", ""]
    return "\n".join(lines).encode("utf-8")
