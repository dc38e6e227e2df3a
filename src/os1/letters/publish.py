"""The email to a publisher, prepared and never sent: a ready ``.eml`` with the book attached. Sending needs the
mail capability and the user's explicit confirmation; until then the file says, in a header, that it is unsent."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from os1.errors import Os1Error


def publisher_email(to: str, pdf: Path, title: str, author: str, count: int, sender: str = "") -> EmailMessage:
    """A message to ``to`` with ``pdf`` attached, marked as an unsent draft."""
    if "@" not in to or any(c in to for c in "\r\n<>"):
        raise Os1Error("letters.bad_address", f"{to!r} is not an email address",
                       hint="e.g. --email-to editor@press.example")
    message = EmailMessage()
    message["To"] = to
    if sender:
        message["From"] = sender
    message["Subject"] = f"Manuscript submission: {title}"
    message["Date"] = formatdate(localtime=True)
    message["X-Unsent"] = "1"  # mail clients open it as a draft to send
    message["X-OS1-Status"] = "draft, not sent: sending needs the mail capability and your confirmation"
    sign = author or "the author"
    message.set_content(
        f"Dear editor,\n\nPlease find attached {title}, a collection of {count} letter{'s' if count != 1 else ''}"
        f" written over the years.\n\nThe letters are personal ones, each set on its own page in a handwritten "
        f"style. I would be glad to send the collection in another format, or to tell you more about it.\n\n"
        f"Thank you for your time.\n\nWith kind regards,\n{sign}\n")
    message.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return message


def write_email(message: EmailMessage, out: Path) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(bytes(message))
    except OSError as exc:
        raise Os1Error("letters.email_failed", f"cannot write {out}: {exc}") from exc
    return out
