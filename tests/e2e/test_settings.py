"""Your own settings in the web app, end to end in headless Chromium against ``os1 serve``: sign up, set up, change
the crisis country and the reply length, save each group, reload and find them kept; a value out of range is
caught before it is sent; the next conversation's crisis reply names the chosen country's service; a second user
on a phone-sized screen sees the service's settings, not the first user's; reset goes back to the service's.
Screenshots at 1280×800 and 390×844."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import DESKTOP, PHONE, Served
from .test_web import SUFFIX, set_up, sign_up

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def open_settings(page: Page) -> None:
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_focused()
    expect(page.get_by_label("Crisis services for")).not_to_have_value("")  # filled from GET /api/settings


def watch(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None)
    return errors


def new_user_at_settings(browser: Any, served: Served, viewport: dict, name: str) -> tuple[Any, Page, list[str]]:
    """A new user in their own browser context, signed up and set up, on the settings screen showing the
    service's values; returns the context, the page and the page's errors."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors = watch(page)
    sign_up(page, served.base, name.lower() + SUFFIX)
    set_up(page, name)
    open_settings(page)
    expect(page.get_by_label("Crisis services for")).to_have_value("US")
    expect(page.get_by_label("Reply length (sentences)")).to_have_value("3")
    return context, page, errors


def test_change_save_reload_and_a_second_user_does_not_see_them(served: Served, browser: Any, shots: Path) -> None:
    desk, page, errors = new_user_at_settings(browser, served, DESKTOP, "Sara")
    expect(page.locator("#pref-model-sentences-hint")).to_contain_text("From 1 to 8")
    expect(page.get_by_label("Model")).to_be_disabled()  # the service offers one backend: shown, read-only

    # a value out of range is caught in the page, with focus on it
    page.get_by_label("Reply length (sentences)").fill("9")
    page.get_by_role("button", name="Save replies").click()
    expect(page.locator("#model-status")).to_contain_text("from 1 to 8")
    expect(page.get_by_label("Reply length (sentences)")).to_be_focused()

    page.get_by_label("Crisis services for").select_option("GB")
    page.get_by_role("button", name="Save care").click()
    expect(page.locator("#care-status")).to_contain_text("Saved")
    page.get_by_label("Reply length (sentences)").fill("2")
    page.get_by_role("button", name="Save replies").click()
    expect(page.locator("#model-status")).to_contain_text("Saved")
    expect(page.locator("#pref-care-country-hint")).to_contain_text("Your own setting")
    page.screenshot(path=shots / "desktop-settings-saved.png", full_page=True)

    page.reload()  # still on #/settings: the screen is drawn again from the server's answer
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    expect(page.get_by_label("Crisis services for")).to_have_value("GB")
    expect(page.get_by_label("Reply length (sentences)")).to_have_value("2")

    # the next conversation uses them: a crisis reply names the chosen country's service
    page.get_by_role("link", name="Chat").click()
    page.get_by_label("Your message").fill("I want to kill myself")
    page.get_by_label("Your message").press("Enter")
    care = page.locator(".msg.assistant", has_text="Samaritans")
    expect(care).to_be_visible(timeout=60_000)
    assert "988" not in care.inner_text()
    expect(page.get_by_role("button", name="Send")).to_be_enabled(timeout=60_000)

    # a second user, on a phone: the service's settings, none of the first user's
    phone, other, other_errors = new_user_at_settings(browser, served, PHONE, "Omar")
    expect(other.locator("#pref-care-country-hint")).to_contain_text("This service’s setting")
    other.screenshot(path=shots / "phone-settings.png", full_page=True)
    phone.close()

    # back to the service's settings
    open_settings(page)
    page.get_by_role("button", name="Reset to defaults").click()
    page.get_by_role("dialog").get_by_role("button", name="Reset").click()
    expect(page.locator("#reset-status")).to_contain_text("Back to this service")
    expect(page.get_by_label("Crisis services for")).to_have_value("US")
    expect(page.get_by_label("Reply length (sentences)")).to_have_value("3")
    desk.close()
    assert not errors and not other_errors, errors + other_errors
