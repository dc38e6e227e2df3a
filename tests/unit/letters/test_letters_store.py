"""The manuscript: letters keep every version, undo adds one, favourites, clients' other names, one user's
letters are never another's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from os1.errors import StoreError
from os1.letters.base import Source
from os1.letters.service import Desk
from os1.letters.store import letters_of
from tests.pgserver import raw_rows
from tests.unit.letters.conftest import T0


async def test_a_revision_adds_a_version_and_never_changes_an_older_one(desk: Desk):
    letter = await desk.letters.create(desk.user_id, "Ana", "birthday", "drafted", "Dear Ana,\n\nHi.\n", T0,
                                       (Source("memory", 4, "Ana loves figs."),))
    v2 = await desk.letters.revise(desk.user_id, letter.id, "Dear Ana,\n\nHello.\n", "edited", T0)
    versions = await desk.letters.versions(desk.user_id, letter.id)
    assert [(v.number, v.body, v.change, v.parent) for v in versions] == [
        (1, "Dear Ana,\n\nHi.\n", "drafted", None), (2, "Dear Ana,\n\nHello.\n", "edited", 1)]
    assert v2.sources == (Source("memory", 4, "Ana loves figs."),)  # provenance carries over an edit
    current = await desk.letters.get(desk.user_id, letter.id)
    assert current is not None and current.body == "Dear Ana,\n\nHello.\n" and current.current.number == 2


async def test_undo_goes_back_as_a_new_version_and_walks_further_back(desk: Desk):
    letter = await desk.letters.create(desk.user_id, "Ana", "", "drafted", "one\n", T0)
    await desk.letters.revise(desk.user_id, letter.id, "two\n", "edited", T0)
    await desk.letters.revise(desk.user_id, letter.id, "three\n", "edited", T0)
    first_undo = await desk.letters.undo(desk.user_id, letter.id, T0)
    assert first_undo is not None and first_undo.body == "two\n" and first_undo.number == 4
    second_undo = await desk.letters.undo(desk.user_id, letter.id, T0)
    assert second_undo is not None and second_undo.body == "one\n"
    assert await desk.letters.undo(desk.user_id, letter.id, T0) is None  # at the first version's text
    bodies = [v.body for v in await desk.letters.versions(desk.user_id, letter.id)]
    assert bodies == ["one\n", "two\n", "three\n", "two\n", "one\n"]  # nothing was lost


async def test_favourites_and_the_book_order(desk: Desk):
    later = await desk.letters.create(desk.user_id, "Ben", "", "drafted", "b\n", T0, written_on=T0)
    earlier = await desk.letters.create(desk.user_id, "Ana", "", "drafted", "a\n", T0,
                                        written_on=T0 - timedelta(days=40))
    await desk.letters.create(desk.user_id, "Cy", "", "drafted", "c\n", T0)
    for letter in (later, earlier):
        assert await desk.letters.set_favourite(desk.user_id, letter.id, True)
    favourites = await desk.letters.browse(desk.user_id, favourites=True)
    assert [x.id for x in favourites] == [earlier.id, later.id]  # oldest first
    assert [x.id for x in await desk.letters.many(desk.user_id, [later.id, earlier.id])] == [later.id, earlier.id]


async def test_a_client_is_found_by_any_of_their_names(desk: Desk):
    client = await desk.letters.client(desk.user_id, "Margaret  Hale", T0)
    assert client is not None and client.name == "Margaret Hale"
    await desk.letters.add_note(desk.user_id, client.id, "name", "Maggie", T0)
    again = await desk.letters.client(desk.user_id, "maggie")
    assert again is not None and again.id == client.id
    assert await desk.letters.client(desk.user_id, "Nobody") is None  # not created without a time


async def test_another_users_letters_are_never_seen_or_changed(desk: Desk, store):
    mine = await desk.letters.create(desk.user_id, "Ana", "", "drafted", "mine\n", T0)
    other = await store.users.ensure("someone-else")
    assert await desk.letters.get(other.id, mine.id) is None
    assert await desk.letters.browse(other.id) == []
    assert not await desk.letters.set_favourite(other.id, mine.id, True)
    with pytest.raises(StoreError):
        await desk.letters.revise(other.id, mine.id, "theirs\n", "edited", T0)
    assert await desk.letters.versions(other.id, mine.id) == []


async def test_the_letters_tables_come_from_the_appended_migration(tmp_path: Path, desk: Desk, store):
    names = [r[0] for r in raw_rows(store, "SELECT name FROM schema_migrations ORDER BY version")]
    assert "letters" in names
    with pytest.raises(StoreError):
        letters_of(object())
