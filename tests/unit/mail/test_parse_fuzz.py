"""Property: any bytes give an ``Email`` or a ``MailError``, never another exception (random bytes, and real
messages mutated: bytes flipped, cut, spliced, headers duplicated, boundaries broken)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from os1.errors import MailError
from os1.mail.message import Email
from os1.mail.parse import parse

SEEDS = [
    b"From: =?utf-8?b?w4lsaXNl?= <e@x.example>\nTo: a@b, \"c, d\" <c@d>\nSubject: =?iso-8859-1?q?caf=E9?=\n"
    b"Date: Tue, 1 Jul 2003 10:52:37 +0200\nMessage-ID: <s1@x>\nReferences: <a@x> <b@x>\n\nHello there.\n",
    b"From: a@b\nMessage-ID: <s2@x>\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"B\"\n\n"
    b"--B\nContent-Type: text/plain; charset=us-ascii\n\nplain \xe9\n--B\nContent-Type: text/html; charset=utf-8\n"
    b"Content-Transfer-Encoding: quoted-printable\n\n<p>Hi=3D<span style=3D\"display:none\">x</span></p>\n--B--\n",
    b"From: a@b\nContent-Type: multipart/mixed; boundary=Z\n\n--Z\nContent-Type: application/octet-stream; "
    b"name*=utf-8''na%C3%AFve.bin\nContent-Transfer-Encoding: base64\n\nAAEC!!\n--Z\nContent-Type: message/rfc822\n\n"
    b"Subject: inner\n\ninner body\n--Z--\n",
]

REAL = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "spamassassin" / "spam_1.mbox"


def _real_seeds(count: int = 40) -> list[bytes]:
    """The first messages of the shared SpamAssassin spam mbox when it is there (real, often broken, mail)."""
    if not REAL.exists():
        return []
    head = REAL.read_bytes()[:400_000].split(b"\nFrom ")[1:count + 1]
    return [m.partition(b"\n")[2] for m in head]


SEEDS += _real_seeds()


def _check(raw: bytes) -> None:
    try:
        result = parse(raw)
    except MailError as exc:
        assert exc.code == "mail.unparseable"
        return
    assert isinstance(result, Email)
    assert result.size == len(raw) and len(result.content_hash) == 64
    assert result.message_id.startswith("<")
    assert result.date is None or result.date.tzinfo is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes(raw: bytes) -> None:
    _check(raw)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from([b"=?utf-8?b?", b"?=", b"\n--B\n", b"\r\n", b"<", b"\x00",
                                                  b"Content-Type: multipart/mixed; boundary=", b"charset=\"",
                                                  b"=?x-bogus?q?=FF=FE?=", b"\n\n", b"; name*0*=", b"\xff\xfe"]))
        else:
            end = min(len(data), pos + draw(st.integers(1, 80)))
            data[pos:pos] = data[pos:end]
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_messages(raw: bytes) -> None:
    _check(raw)
