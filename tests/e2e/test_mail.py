"""Her desk in the browser: a user's mail (synced from a Maildir into the server's store, as `os1 mail sync`
does) is briefed, a cleanup plan is approved in part with its checkboxes, applied, and undone from the plans
list after a confirmation."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from os1.mail.maildir import MaildirSource
from os1.mail.store import SqliteMail
from os1.mail.sync import sync
from os1.store import SqliteStore, open_store

from .conftest import DESKTOP, PHONE, Served
from .test_web import SUFFIX, set_up, sign_up

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
MAIL = [("Amy <amy@example.com>", "Saturday?", "Are we still on for dinner on Saturday? Can you book by Friday?", ""),
        ("Garden Weekly <news@garden.example>", "Ten bulbs to plant now", "This week: tulips.", "garden"),
        ("Tech Digest <digest@tech.example>", "The week in gadgets", "Phones, phones, phones.", "tech"),
        ("Cook Club <club@cook.example>", "Soup season", "Five soups for November.", "cook")]


def maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    for n, (sender, subject, body, news) in enumerate(MAIL, start=1):
        lists = f"List-Id: <{news}.example>\nList-Unsubscribe: <mailto:leave@{news}.example>\n" if news else ""
        (root / "new" / f"170000{n}.e2e{n}").write_bytes(
            (f"From: {sender}\nTo: mia@example.com\nSubject: {subject}\nDate: Sun, 22 Nov 2026 0{n}:00:00 +0000\n"
             f"Message-ID: <e2e-{n}@example.com>\n{lists}Content-Type: text/plain; charset=utf-8\n\n{body}\n").encode())
    return root


def off_loop(coro: Any) -> Any:
    """Run a coroutine on a thread of its own (Playwright's sync API keeps an event loop on this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=60)


async def _sync(db: Path, user_id: int, box: Path) -> int:
    store = await open_store(db)
    assert isinstance(store, SqliteStore)
    try:
        return (await sync(MaildirSource(box), SqliteMail(store.runner), user_id, "local")).added
    finally:
        await store.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_briefing_then_a_cleanup_approved_in_part_and_undone(served: Served, browser: Any, shots: Path,
                                                             tmp_path: Path, viewport: dict[str, int]) -> None:
    size = "phone" if viewport == PHONE else "desktop"
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_up(page, served.base, f"mia{size}{SUFFIX}")
    set_up(page, "Mia")
    user_id = page.request.get(served.base + "/api/me").json()["user_id"]
    assert off_loop(_sync(served.home / "os1.db", user_id, maildir(tmp_path / "Maildir"))) == len(MAIL)

    page.get_by_role("link", name="Mail & plans").click()
    expect(page.locator("#briefing")).to_contain_text("Amy", timeout=30_000)
    page.get_by_role("button", name="Propose a cleanup").click()
    review = page.locator("#plan-review form")
    expect(review.get_by_role("checkbox")).not_to_have_count(0)
    steps = review.locator("ul input[type=checkbox]")
    count = steps.count()
    assert count == 3 and "Saturday" not in review.inner_text()  # what needs her stays in the inbox
    expect(page.locator("#plan-review-title")).to_be_focused()
    steps.first.uncheck()
    page.screenshot(path=shots / f"{size}-mail-plan.png", full_page=True)
    review.get_by_role("button", name="Approve selected").click()
    expect(page.locator("#cleanup-text")).to_contain_text(f"Done: {count - 1} of {count - 1} changes")
    plan = page.locator("#plan-list li.card").first
    expect(plan).to_contain_text("applied")
    expect(plan).to_contain_text("1 declined")
    page.screenshot(path=shots / f"{size}-mail-applied.png", full_page=True)
    folders = [m["folder"] for m in _folders(served, page)]
    assert folders.count("Archive") == count - 1

    plan.get_by_role("button", name="Undo").click()
    page.get_by_role("dialog").get_by_role("button", name="Undo").click()
    expect(page.locator("#plans-status")).to_contain_text("Undone")
    expect(page.locator("#plan-list li.card").first).to_contain_text("undone")
    assert {m["folder"] for m in _folders(served, page)} == {"INBOX"}
    assert not errors, errors
    context.close()


def _folders(served: Served, page: Any) -> list[dict[str, Any]]:
    """The user's messages and their folders, read from the store the server writes."""
    user_id = page.request.get(served.base + "/api/me").json()["user_id"]

    async def read() -> list[dict[str, Any]]:
        store = await open_store(served.home / "os1.db")
        assert isinstance(store, SqliteStore)
        try:
            return [{"subject": m.email.subject, "folder": m.folder}
                    for m in await SqliteMail(store.runner).recent(user_id, 50)]
        finally:
            await store.close()

    return off_loop(read())
