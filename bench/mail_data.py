"""Readers for the labelled mail data the triage bench and trainer use, and a parse adapter: ``os1.mail.parse``
when it exists, else a small stdlib parser that fills the same ``Email`` value (bench only)."""

from __future__ import annotations

import csv
import email
import email.policy
import email.utils
import hashlib
import html
import json
import mailbox
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from os1.mail.message import Address, Email

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KEPT_HEADERS = ("list-id", "list-unsubscribe", "list-post", "precedence", "auto-submitted", "x-spam-flag",
                "x-spam-status", "return-path", "x-mailer", "user-agent", "content-type", "feedback-id",
                "x-auto-response-suppress")


def parser() -> Callable[[bytes], Email]:
    """The project's parser if the mail core has one, else the stdlib adapter below."""
    try:
        from os1.mail.parse import parse
    except ImportError:
        print("mail_data: os1.mail.parse not found, using the stdlib adapter", file=sys.stderr)
        return parse_stdlib
    from os1.errors import Os1Error

    def robust(raw: bytes) -> Email:
        try:
            return parse(raw)
        except Os1Error:  # unparseable: keep the item (its label stays aligned) with the adapter's reading
            return parse_stdlib(raw)

    return robust


def _addresses(values: list[str]) -> tuple[Address, ...]:
    out = []
    for name, addr in email.utils.getaddresses([str(v) for v in values]):
        if name or addr:
            out.append(Address(name.strip().strip('"'), addr.strip().lower()))
    return tuple(out)


def _html_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</h\d>", "\n", markup)
    return html.unescape(re.sub(r"(?s)<[^>]*>", " ", markup))


def _payload_text(part: email.message.Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "latin-1"
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("latin-1", "replace")


def _body(msg: email.message.Message) -> tuple[str, bool]:
    plain, markup = "", ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart" or part.get_filename():
            continue
        if ctype == "text/plain" and not plain:
            plain = _payload_text(part)
        elif ctype == "text/html" and not markup:
            markup = _payload_text(part)
    if plain.strip() or not markup:
        return plain, False
    return _html_text(markup), True


def parse_stdlib(raw: bytes) -> Email:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    text, from_html = _body(msg)
    try:
        date = email.utils.parsedate_to_datetime(str(msg.get("date", "")))
        date = date if date.tzinfo else None
    except (TypeError, ValueError, IndexError):
        date = None
    headers = [(k, str(msg.get(k, ""))) for k in KEPT_HEADERS if msg.get(k) is not None]
    headers.append(("received-count", str(len(msg.get_all("received") or []))))
    sender = _addresses(msg.get_all("from") or [])
    return Email(
        message_id=str(msg.get("message-id", "")).strip(), content_hash=hashlib.sha256(raw).hexdigest(),
        subject=" ".join(str(email.header.make_header(email.header.decode_header(str(msg.get("subject", "")))))
                         .split()) if msg.get("subject") else "",
        sender=sender[0] if sender else Address("", ""), to=_addresses(msg.get_all("to") or []),
        cc=_addresses(msg.get_all("cc") or []), reply_to=_addresses(msg.get_all("reply-to") or []),
        date=date, in_reply_to=str(msg.get("in-reply-to", "")).strip(), text=text, html=from_html,
        headers=tuple(headers), size=len(raw))


def spamassassin(folder: Path) -> Iterator[tuple[bytes, bool, str]]:
    """(raw bytes, is spam, group) for every message listed in ``labels.csv``, in its order."""
    boxes: dict[str, mailbox.mbox] = {}
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            box = boxes.setdefault(row["mbox_file"], mailbox.mbox(folder / row["mbox_file"], create=False))
            raw = box.get_bytes(int(row["index_in_mbox"]))
            yield raw, row["label"] == "spam", row["group"]


def email_intent(path: Path) -> Iterator[tuple[str, bool]]:
    """(sentence, asks for action) per line of ``Yes|No<TAB>sentence``."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            label, _, sentence = line.rstrip("\n").partition("\t")
            if label in ("Yes", "No") and sentence.strip():
                yield sentence.strip(), label == "Yes"


def enron_categories(path: Path) -> Iterator[tuple[bytes, int, list[str]]]:
    """(raw message, coarse genre folder 1-8, category codes) per line of the jsonl."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            codes = [label["category"] for label in row["labels"]]
            yield row["raw_message"].encode("utf-8", "replace"), int(row["folder"]), codes


def folds(keys: list[str], k: int = 5) -> list[int]:
    """A deterministic fold per item, from a hash of its key (Message-ID or text): no item is in two folds."""
    return [int(hashlib.sha1(key.encode("utf-8", "replace")).hexdigest(), 16) % k for key in keys]
