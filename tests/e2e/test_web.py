"""The web app end to end, in headless Chromium against ``os1 serve`` with the embedded model: sign up, the setup
interview, a chat whose reply streams in, a fact told and then seen in the memories view once the background
worker has learned it, forgotten, log out; then a second user on a phone-sized screen who sees none of the
first user's memories or conversations. Screenshots of every screen at 1280×800 and 390×844."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import DESKTOP, PHONE, Served

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
PASSWORD = "a real password, long enough"
LEARN_S = 180  # the worker learns from a turn while no reply is being written
REPLY_MS = 180_000
SUFFIX = os.environ.get("OS1_E2E_SUFFIX", "")


def _answers(name: str) -> dict[str, str]:
    return {"What should I call you?": name, "social or anti-social": "Social, mostly",
            "What matters most": "finishing my letters", "your mother": "We are close"}


def sign_up(page: Page, base: str, username: str) -> None:
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Welcome to OS1")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Let’s begin")).to_be_visible(timeout=30_000)


def set_up(page: Page, name: str, shots: Path | None = None, prefix: str = "") -> str:
    for label, answer in _answers(name).items():
        page.get_by_label(re.compile(re.escape(label))).fill(answer)
    page.locator("#setup-form").get_by_label("female").check()
    if shots:
        page.screenshot(path=shots / f"{prefix}setup.png", full_page=True)
    page.get_by_role("button", name="Meet your companion").click()
    title = page.locator("#setup-done-title")
    expect(title).to_have_text(re.compile(r"^Meet \w+"), timeout=60_000)
    expect(title).to_be_focused()  # focus moves to what is new
    companion = title.inner_text().removeprefix("Meet ").strip()
    expect(page.locator("#setup-intro")).to_contain_text(companion)
    return companion


def say(page: Page, text: str) -> str:
    """Type a message, press Enter, wait for the reply to finish; the reply's text."""
    before = page.locator(".msg.assistant").count()
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")
    expect(page.locator(".msg.user").last).to_have_text(re.compile(re.escape(text)))
    done = page.locator(".msg.assistant:not(.streaming)")
    expect(done).to_have_count(before + 1, timeout=REPLY_MS)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    return done.last.locator(".text").inner_text()


def memory_card(page: Page, words: str, timeout_s: float = LEARN_S) -> Any:
    """The first memory card showing ``words``, reloading the list until the worker has learned it."""
    card = page.locator("#memory-list li.card", has_text=words)
    for _ in range(int(timeout_s)):
        page.get_by_role("button", name="Show").click()
        page.wait_for_timeout(1000)
        if card.count():
            return card.first
    listed = page.locator("#memory-list").inner_text()
    raise AssertionError(f"no memory with {words!r} after {timeout_s:.0f} s; the list shows: {listed}")


def test_sign_up_set_up_chat_remember_forget_and_a_second_user_sees_nothing(served: Served, browser: Any,
                                                                             shots: Path) -> None:
    desk = browser.new_context(viewport=DESKTOP)
    page = desk.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None)
    frames: list[dict[str, Any]] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
        json.loads(payload)) if isinstance(payload, str) else None))

    page.goto(served.base + "/")
    expect(page.get_by_role("heading", name="Welcome to OS1")).to_be_visible()
    page.screenshot(path=shots / "desktop-1-login.png")
    sign_up(page, served.base, "theo" + SUFFIX)
    companion = set_up(page, "Theo", shots, "desktop-2-")
    page.screenshot(path=shots / "desktop-3-introduction.png")

    # chat: the opening, then a reply streamed in pieces
    page.get_by_role("link", name="Start talking").click()
    expect(page.get_by_label("Your message")).to_be_focused()
    expect(page.locator("#companion-name")).to_have_text(companion)
    expect(page.locator("#companion-stage")).to_have_text("new acquaintance")
    expect(page.locator("#companion-mood")).not_to_be_empty()
    expect(page.locator(".msg.assistant").first).to_contain_text("AI", timeout=60_000)  # the disclosure
    reply = say(page, "Hi! How are you today?")
    assert reply.strip()
    deltas = [f for f in frames if f.get("type") == "delta"]
    dones = [f for f in frames if f.get("type") == "done"]
    assert len(deltas) >= 2 and dones and "".join(d["text"] for d in deltas).strip() == dones[-1]["text"].strip()
    say(page, "My sister Amy lives in Lisbon.")
    page.screenshot(path=shots / "desktop-4-chat.png")
    # Escape stops a reply (barge-in by keyboard): the server says it was cut, and the page is ready again
    page.get_by_label("Your message").fill("Tell me a long story about the sea, please.")
    page.get_by_label("Your message").press("Enter")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Send")).to_be_enabled(timeout=60_000)
    assert [f for f in frames if f.get("type") == "done"][-1]["interrupted"] is True

    # the memory, learned in the background, then forgotten
    page.get_by_role("link", name="Memories").click()
    expect(page.get_by_role("heading", name="What it remembers")).to_be_focused()
    card = memory_card(page, "Amy")
    memory_id = card.get_attribute("data-memory-id")
    page.screenshot(path=shots / "desktop-5-memories.png", full_page=True)
    card.get_by_role("button", name=re.compile("^Forget")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("never learned again")
    page.screenshot(path=shots / "desktop-6-forget.png")
    dialog.get_by_role("button", name="Forget").click()
    expect(page.locator("#memories-status")).to_contain_text("Forgotten")
    expect(page.locator(f'#memory-list li[data-memory-id="{memory_id}"]')).to_have_count(0)
    assert page.request.get(f"{served.base}/api/memories/{memory_id}").status == 404
    kept = page.locator("#memory-list li.card", has_text="Your name is Theo").get_attribute("data-memory-id")

    # the other screens render (their screenshots are looked at)
    for n, (link, heading) in enumerate((("Mail & plans", "Mail & plans"), ("Timeline", re.compile("over time")),
                                         ("History", "Conversations"), ("Settings", "Settings")), start=7):
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_focused()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=shots / f"desktop-{n}-{link.split()[0].lower()}.png", full_page=True)
    page.get_by_role("link", name="Timeline").click()
    expect(page.locator("#timeline-chart svg > title")).to_contain_text(companion)
    page.get_by_role("link", name="History").click()
    page.get_by_role("button", name=re.compile("^Open")).first.click()
    expect(page.locator("#conversation-turns")).to_contain_text("Lisbon")  # theo's words are there to be seen

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Welcome to OS1")).to_be_visible()
    assert page.request.get(f"{served.base}/api/me").status == 401
    assert not errors, errors
    desk.close()

    # a second user, on a phone: none of theo's memories or conversations
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_up(page, served.base, "ana" + SUFFIX)
    page.screenshot(path=shots / "phone-1-setup.png", full_page=True)
    set_up(page, "Ana")
    page.get_by_role("link", name="Start talking").click()
    expect(page.locator(".msg.assistant").first).to_contain_text("AI", timeout=60_000)
    page.screenshot(path=shots / "phone-2-chat.png")
    page.get_by_role("link", name="Memories").click()
    expect(page.locator("#memories-status")).to_contain_text("memor")
    page.screenshot(path=shots / "phone-3-memories.png", full_page=True)
    listed = page.locator("#memory-list").inner_text()
    assert "Amy" not in listed and "Lisbon" not in listed and "Theo" not in listed
    page.get_by_label("Search").fill("Amy sister Lisbon")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#memories-status")).to_contain_text("0 memories")
    page.get_by_role("link", name="History").click()
    expect(page.locator("#conversation-list li")).to_have_count(1)  # her own, just begun
    page.get_by_role("button", name=re.compile("^Open")).click()
    expect(page.locator("#conversation-turns")).to_contain_text("Ana")
    page.screenshot(path=shots / "phone-4-history.png", full_page=True)
    assert "Lisbon" not in page.locator("main").inner_text()
    page.get_by_role("link", name="Timeline").click()
    expect(page.locator("#timeline-chart svg")).to_have_count(1)
    page.screenshot(path=shots / "phone-5-timeline.png", full_page=True)
    for url in ("/api/memories?include_ended=true", "/api/memories/search?q=Amy", "/api/conversations",
                "/api/memories/export"):
        body = page.request.get(served.base + url).text()
        assert "Amy" not in body and "Lisbon" not in body, url
    assert page.request.get(f"{served.base}/api/memories/{kept}").status == 404  # theo's, still there
    assert not errors, errors
    phone.close()


def test_pages_have_a_strict_policy_and_the_microphone_is_downsampled(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    response = page.goto(served.base + "/")
    assert response is not None
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["cache-control"] == "no-cache"
    # 48 kHz of a 440 Hz tone → 16 kHz pcm16 frames of 320 samples (20 ms), the same tone, at the same level
    result = page.evaluate("""async () => {
        const { Downsampler, toFloat } = await import('/web/js/pcm.js');
        const frames = [];
        const down = new Downsampler(48000, 16000, 320, (f) => frames.push(f));
        const input = new Float32Array(48000);
        for (let i = 0; i < input.length; i++) input[i] = 0.5 * Math.sin(2 * Math.PI * 440 * i / 48000);
        for (let i = 0; i < input.length; i += 128) down.push(input.subarray(i, i + 128));
        const out = frames.flatMap((f) => Array.from(toFloat(f)));
        let crossings = 0;
        for (let i = 1; i < out.length; i++) if ((out[i - 1] < 0) !== (out[i] < 0)) crossings++;
        down.muted = true;
        const before = frames.length;
        down.push(new Float32Array(960).fill(0.9));
        const silent = Array.from(new Int16Array(frames[before])).every((v) => v === 0);
        return { frames: before, bytes: frames[0].byteLength, peak: Math.max(...out), crossings, silent };
    }""")
    assert result["frames"] == 50 and result["bytes"] == 640  # one second: 50 frames of 20 ms
    assert 0.45 < result["peak"] <= 0.5
    assert abs(result["crossings"] - 880) <= 4  # 440 Hz: two zero crossings per period
    assert result["silent"]  # push-to-talk released: silence keeps flowing
    context.close()
