"""Sending one message over SMTP with the stdlib ``smtplib`` on a worker thread (SSL, STARTTLS or plain for a
server on this machine; a timeout on the socket and on the await). Only the mechanism: asking the user first is
the caller's job (the consent flow is built around it, elsewhere)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from os1.errors import MailError

SECURITY = ("ssl", "starttls", "plain")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 0  # 0 = 465 for ssl, 587 for starttls, 25 for plain
    user: str = ""  # empty = no login
    password: str = field(default="", repr=False)
    security: str = "starttls"
    timeout_s: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587}.get(self.security, 25)


def _send(message: EmailMessage, smtp: SmtpSettings) -> dict[str, tuple[int, bytes]]:
    context = smtp.ssl_context or ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.effective_port, timeout=smtp.timeout_s, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.effective_port, timeout=smtp.timeout_s)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password)
        return client.send_message(message)


async def send(message: EmailMessage, smtp: SmtpSettings) -> None:
    """Deliver ``message`` to the SMTP server. Raises ``MailError`` when it was not accepted for every
    recipient (``mail.smtp_refused``), on login failure, timeout, or any connection error."""
    if smtp.security not in SECURITY:
        raise MailError("mail.smtp_security", f"unknown SMTP security {smtp.security!r}",
                        hint=f"use one of: {', '.join(SECURITY)}")
    try:
        refused = await asyncio.wait_for(asyncio.to_thread(_send, message, smtp), smtp.timeout_s + 5)
    except TimeoutError as exc:
        raise MailError("mail.smtp_timeout", f"the SMTP server did not answer in {smtp.timeout_s}s") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError("mail.smtp_login", f"SMTP login refused for {smtp.user}",
                        hint="check the user and password (an app password for Gmail/Outlook)") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError("mail.smtp_refused", f"every recipient was refused: {', '.join(exc.recipients)}") from exc
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise MailError("mail.smtp", f"SMTP error with {smtp.host}: {exc}") from exc
    if refused:
        raise MailError("mail.smtp_refused", f"some recipients were refused: {', '.join(refused)}",
                        hint="the message went to the others")
