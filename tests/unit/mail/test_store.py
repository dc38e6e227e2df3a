"""The mail store: idempotent by Message-ID + content hash, scoped by user, searchable, threaded."""

from __future__ import annotations

from os1.mail.message import Cursor, RawMessage
from os1.mail.parse import parse
from os1.mail.store import SqliteMail, mail_of, split_query
from os1.store import SqliteStore
from tests.unit.mail.samples import message


def _item(raw: bytes, uid: str = "1", folder: str = "INBOX") -> tuple[RawMessage, object]:
    return RawMessage(uid, raw, folder, ("\\Seen",)), parse(raw)


async def _users(store: SqliteStore) -> tuple[SqliteMail, int, int]:
    me, other = await store.users.ensure("me"), await store.users.ensure("other")
    return mail_of(store), me.id, other.id


async def test_same_message_twice_is_one_row_and_a_reused_id_with_new_content_is_two(store: SqliteStore):
    mail, me, _ = await _users(store)
    assert await mail.upsert_many(me, "acct", [_item(message(1))]) == (1, 0)
    assert await mail.upsert_many(me, "acct", [_item(message(1), uid="9", folder="Archive")]) == (0, 1)
    assert await mail.count(me) == 1
    changed = message(1, body="A different body under the same Message-ID.")
    assert await mail.upsert_many(me, "acct", [_item(changed), _item(changed)]) == (1, 1)
    assert len(await mail.by_message_id(me, "<m1@example.com>")) == 2


async def test_rows_round_trip_and_are_scoped_by_user(store: SqliteStore):
    mail, me, other = await _users(store)
    raw = message(7, subject="Lunch plans", sender="Bob Stone <bob@stone.example>",
                  extra="Cc: Carol <carol@example.com>\nList-Id: <x.example>")
    await mail.upsert_many(me, "acct", [_item(raw, uid="42")])
    (item,) = await mail.recent(me)
    assert item.email == parse(raw)
    assert (item.account, item.folder, item.uid, item.flags) == ("acct", "INBOX", "42", ("\\Seen",))
    assert await mail.get(me, item.id) is not None
    assert await mail.get(other, item.id) is None
    assert await mail.recent(other) == [] and await mail.search(other, "lunch", 5) == []
    assert await mail.count(other) == 0


async def test_search_ranks_words_and_applies_filters(store: SqliteStore):
    mail, me, _ = await _users(store)
    items = [
        _item(message(1, subject="Quarterly budget review", body="The budget numbers are attached.",
                      sender="Dana <dana@corp.example>", to="me@home.example")),
        _item(message(2, subject="Weekend hiking", body="Shall we hike on Saturday? Budget is fine.",
                      sender="Eli <eli@friends.example>", to="me@home.example")),
        _item(message(3, subject="Newsletter", body="Nothing about money here.", sender="news@list.example",
                      to="everyone@list.example")),
    ]
    await mail.upsert_many(me, "acct", items)
    found = await mail.search(me, "budget", 10)
    assert [f.email.subject for f in found] == ["Quarterly budget review", "Weekend hiking"]
    assert [f.email.subject for f in await mail.search(me, "budgets from:eli", 10)] == ["Weekend hiking"]
    assert [f.email.subject for f in await mail.search(me, "from:Dana", 10)] == ["Quarterly budget review"]
    assert [f.email.subject for f in await mail.search(me, "to:everyone@list", 10)] == ["Newsletter"]
    assert [f.email.subject for f in await mail.search(me, 'subject:"weekend hik"', 10)] == ["Weekend hiking"]
    assert await mail.search(me, "from:100%_", 10) == []
    assert await mail.search(me, '" OR NEAR(', 10) == []  # FTS syntax in user text is just words
    assert split_query('lunch from:bob subject:"a b"') == ("lunch", [("from", "bob"), ("subject", "a b")])


async def test_thread_follows_in_reply_to_and_references(store: SqliteStore):
    mail, me, _ = await _users(store)
    root = message(1, subject="Trip", date="Mon, 02 Jun 2025 10:00:00 +0000")
    reply = message(2, subject="Re: Trip", extra="In-Reply-To: <m1@example.com>",
                    date="Mon, 02 Jun 2025 11:00:00 +0000")
    late = message(3, subject="Re: Re: Trip", extra="References: <m1@example.com> <m2@example.com>\n"
                   "In-Reply-To: <m2@example.com>", date="Mon, 02 Jun 2025 12:00:00 +0000")
    unrelated = message(4, subject="Other")
    await mail.upsert_many(me, "acct", [_item(late), _item(unrelated), _item(reply), _item(root)])
    for start in ("<m1@example.com>", "<m2@example.com>", "<m3@example.com>"):
        assert [t.email.subject for t in await mail.thread(me, start)] == ["Trip", "Re: Trip", "Re: Re: Trip"]
    assert [t.email.subject for t in await mail.thread(me, "<m4@example.com>")] == ["Other"]


async def test_cursors_folders_and_labels(store: SqliteStore):
    mail, me, other = await _users(store)
    assert await mail.cursor(me, "mbox:/a") == Cursor("mbox:/a", "")
    await mail.commit_cursor(me, Cursor("mbox:/a", "120"))
    await mail.upsert_many(me, "acct", [_item(message(1))], cursor=Cursor("mbox:/a", "240"))
    assert (await mail.cursor(me, "mbox:/a")).value == "240"
    assert (await mail.cursor(other, "mbox:/a")).value == ""
    (item,) = await mail.recent(me)
    await mail.set_folder(me, item.id, "Archive", "77")
    moved = await mail.get(me, item.id)
    assert moved is not None and (moved.folder, moved.uid) == ("Archive", "77")
    await mail.add_label(me, item.id, "newsletter", "has List-Id", 0.8)
    await mail.add_label(me, item.id, "personal", "corrected by the user", 1.0)
    label = await mail.label(me, item.id)
    assert label is not None and (label.category, label.reason) == ("personal", "corrected by the user")
    assert await mail.label(other, item.id) is None
