"""Raw message bytes to an ``Email``, robustly: any bytes give an ``Email`` (with ``problems`` saying what was
repaired) or a ``MailError`` with code ``mail.unparseable``, never another exception.

Headers are decoded from their raw form (RFC 2047, 8-bit bytes in any charset), so one malformed header cannot
stop a message; the body is read with the stdlib ``email`` package (``policy.default``, then ``compat32`` when the
default policy raises)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email import policy as email_policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime

from os1.errors import MailError
from os1.mail.html import html_to_text
from os1.mail.message import Address, Attachment, Email

MAX_TEXT = 200_000  # characters of body text kept
MAX_HTML = 1_000_000  # characters of HTML read (a bigger body is cut before it is turned into text)
MAX_HEADER = 2_000
KEPT_HEADERS = frozenset({"list-id", "list-unsubscribe", "list-unsubscribe-post", "list-post", "precedence",
                          "auto-submitted", "return-path", "x-mailer", "user-agent", "importance", "x-priority",
                          "priority", "delivered-to", "authentication-results", "x-auto-response-suppress",
                          "feedback-id", "x-campaign", "content-type", "sender", "organization"})
KEPT_PREFIXES = ("x-spam", "x-mailchimp", "x-ms-exchange-organization-scl")
_MSGID = re.compile(r"<[^<>\s]+>")
_SURROGATE = re.compile("[\udc80-\udcff]")


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text from bytes in the declared charset, else UTF-8, else cp1252 (latin-1 for cp1252's gaps) with
    replacement. Returns the text and a problem when the declared charset did not work."""
    declared = (charset or "").strip().strip('"').lower() or None
    for candidate in (declared, "utf-8"):
        if candidate is None:
            continue
        try:
            return data.decode(candidate), (None if candidate == declared or declared is None
                                            else f"charset {declared!r} failed, read as utf-8")
        except (LookupError, UnicodeError, ValueError, TypeError):
            continue
    problem = f"charset {declared!r} failed, read as cp1252" if declared else "undeclared 8-bit text read as cp1252"
    try:
        return data.decode("cp1252", errors="replace"), problem
    except (LookupError, UnicodeError):  # pragma: no cover - cp1252 with errors="replace" cannot fail
        return data.decode("latin-1"), problem


def decode_header_value(value: str) -> tuple[str, str | None]:
    """A raw header value (RFC 2047 encoded words, or 8-bit bytes kept as surrogates) as text."""
    problem = None
    if _SURROGATE.search(value):  # raw 8-bit bytes the parser kept as surrogates
        value, problem = decode_bytes(value.encode("utf-8", "surrogateescape"), "utf-8")
    if "=?" not in value:
        return " ".join(value.split()), problem
    try:
        parts = decode_header(value)
    except (ValueError, IndexError, LookupError, UnicodeError, AssertionError):
        return " ".join(value.split()), "undecodable encoded words"
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            text, bad = decode_bytes(chunk, charset)
            problem = problem or (f"header {bad}" if bad else None)
            out.append(text)
        else:
            out.append(chunk)
    return " ".join("".join(out).split()), problem


class _Headers:
    """The message's raw headers, decoded on demand; problems collected."""

    def __init__(self, msg: Message) -> None:
        self.raw: list[tuple[str, str]] = [(str(k).lower(), str(v)) for k, v in msg.raw_items()]
        self.problems: list[str] = []

    def all(self, name: str) -> list[str]:
        out = []
        for key, value in self.raw:
            if key == name:
                text, problem = decode_header_value(value)
                if problem and problem not in self.problems:
                    self.problems.append(problem)
                out.append(text)
        return out

    def first(self, name: str) -> str:
        values = self.all(name)
        return values[0] if values else ""

    def addresses(self, name: str) -> tuple[Address, ...]:
        """Split before decoding, so an encoded display name holding a comma stays one name."""
        values = [v if not _SURROGATE.search(v) else decode_bytes(v.encode("utf-8", "surrogateescape"), None)[0]
                  for k, v in self.raw if k == name]
        if not values:
            return ()
        try:
            pairs = getaddresses([" ".join(v.split()) for v in values])
        except (ValueError, IndexError, TypeError):
            self.problems.append(f"bad {name} header")
            return ()
        out = []
        for display, addr in pairs:
            if display or addr:
                out.append(Address(decode_header_value(display)[0], decode_header_value(addr)[0].strip().lower()))
        return tuple(out)


def _message_id(value: str) -> str:
    found = _MSGID.search(value)
    return found.group(0) if found else (f"<{value.strip()}>" if value.strip() and " " not in value.strip() else "")


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _kept_headers(headers: _Headers) -> tuple[tuple[str, str], ...]:
    kept: list[tuple[str, str]] = []
    for key, _ in headers.raw:
        if (key in KEPT_HEADERS or key.startswith(KEPT_PREFIXES)) and all(k != key for k, _ in kept):
            kept.extend((key, v[:MAX_HEADER]) for v in headers.all(key)[:5])
    received = sum(1 for key, _ in headers.raw if key == "received")
    if received:
        kept.append(("received-count", str(received)))
    return tuple(kept)


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return b""


def _params(part: Message, name: str) -> tuple[str, dict[str, str]]:
    """A header's value (lower-case, no parameters) and parameters (RFC 2231 and 2047 decoded), the header read
    once: with ``policy.default`` each read parses it again, which is most of a message's parsing time."""
    header = part.get(name)
    if header is None:
        return "", {}
    parsed = getattr(header, "params", None)  # policy.default gives a parsed header
    if parsed is not None:
        value = getattr(header, "content_type", None) or getattr(header, "content_disposition", None) or ""
        return str(value).lower(), {str(k).lower(): str(v) for k, v in parsed.items()}
    pairs = part.get_params(header=name) or [("", "")]
    params = {str(k).lower(): str(collapse_rfc2231_value(v)) for k, v in pairs[1:]}
    return str(pairs[0][0]).lower(), params


def _content_type(part: Message) -> tuple[str, dict[str, str]]:
    value, params = _params(part, "content-type")
    if value.count("/") != 1:  # missing or invalid: the part's default (as ``get_content_type`` does)
        return (part.get_default_type() if not value else "text/plain"), params
    return value, params


def _walk(msg: Message, problems: list[str]) -> tuple[str, bool, tuple[Attachment, ...]]:
    """The body text (plain preferred, else HTML as text), whether it came from HTML, and the attachments."""
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype, params = _content_type(part)
        disposition, dparams = _params(part, "content-disposition")
        filename = decode_header_value(dparams.get("filename") or params.get("name", ""))[0]
        if disposition == "attachment" or filename or not ctype.startswith("text/"):
            attachments.append(Attachment(filename, ctype, len(_payload(part))))
            continue
        charset = params.get("charset")
        if ctype == "text/plain" and plain is None:
            text, problem = decode_bytes(_payload(part), charset)
            plain = text
            _note(problems, problem)
        elif ctype == "text/html" and html is None:
            text, problem = decode_bytes(_payload(part)[: MAX_HTML * 2], charset)
            html = text[:MAX_HTML]
            _note(problems, problem)
        elif ctype not in ("text/plain", "text/html"):  # text/calendar, text/vcard...: listed, not read as body
            attachments.append(Attachment(filename, ctype, len(_payload(part))))
    if plain is not None and (plain.strip() or html is None):
        return plain, False, tuple(attachments)
    if html is not None:
        seen = html_to_text(html)
        if seen.hidden_removed:
            problems.append("hidden text removed")
        return seen.text, True, tuple(attachments)
    return "", False, tuple(attachments)


def _note(problems: list[str], problem: str | None) -> None:
    if problem and problem not in problems:
        problems.append(problem)


def _defects(msg: Message) -> list[str]:
    names: list[str] = []
    for part in msg.walk():
        for defect in getattr(part, "defects", []):
            name = type(defect).__name__
            if name not in names:
                names.append(name)
    return [f"broken MIME: {', '.join(names[:6])}"] if names else []


def _body(raw: bytes, problems: list[str]) -> tuple[Message, str, bool, tuple[Attachment, ...]]:
    """Parse with ``policy.default``; when it raises, again with ``compat32``."""
    found: list[str] = []
    try:
        msg: Message = BytesParser(policy=email_policy.default).parsebytes(raw)
        text, from_html, attachments = _walk(msg, found)
    except Exception:  # noqa: BLE001 - the default policy raises many kinds of error on hostile mail
        found = ["read with the compat32 policy"]
        msg = BytesParser(policy=email_policy.compat32).parsebytes(raw)
        text, from_html, attachments = _walk(msg, found)
    problems.extend(found)
    return msg, text, from_html, attachments


def parse(raw: bytes, max_text: int = MAX_TEXT) -> Email:
    """An ``Email`` from a message's bytes. Raises ``MailError`` (``mail.unparseable``) and nothing else."""
    if not raw or not raw.strip():
        raise MailError("mail.unparseable", "the message is empty")
    try:
        return _parse(raw, max_text)
    except MailError:
        raise
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - junk bytes must never stop a sync
        raise MailError("mail.unparseable", f"cannot parse the message: {type(exc).__name__}: {exc}"[:300]) from exc


def _parse(raw: bytes, max_text: int) -> Email:
    problems: list[str] = []
    digest = content_hash(raw)
    msg, text, from_html, attachments = _body(raw, problems)
    headers = _Headers(msg)
    if not headers.raw:
        problems.append("no headers")
    message_id = _message_id(headers.first("message-id"))
    if not message_id:
        message_id = f"<{digest[:32]}@os1.synthesized>"
        problems.append("no Message-ID")
    date_value = headers.first("date")
    date = _date(date_value)
    if date is None:
        problems.append("bad Date" if date_value else "no Date")
    if len(text) > max_text:
        text = text[:max_text]
        problems.append("truncated")
    senders = headers.addresses("from") or headers.addresses("sender")
    subject, to, cc = headers.first("subject"), headers.addresses("to"), headers.addresses("cc")
    reply_to, in_reply_to = headers.addresses("reply-to"), _message_id(headers.first("in-reply-to"))
    references = tuple(_MSGID.findall(" ".join(headers.all("references"))))[-50:]
    kept = _kept_headers(headers)
    problems.extend(_defects(msg))
    problems.extend(p for p in dict.fromkeys(headers.problems) if p not in problems)
    return Email(
        message_id=message_id, content_hash=digest, subject=subject, sender=senders[0] if senders else Address("", ""),
        to=to, cc=cc, reply_to=reply_to, date=date, in_reply_to=in_reply_to, references=references, text=text,
        html=from_html, headers=kept, attachments=attachments, size=len(raw), problems=tuple(problems),
    )
