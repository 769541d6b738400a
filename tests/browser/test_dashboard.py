"""The dashboard in a real browser (Debian's Chromium via Playwright), with no internet.

Starts the dashboard server on a free port, waits for the page to render, steps it 20 times,
switches the world, resets, and checks that the network and charts rendered, that the date
advanced, and that the browser console shows no errors. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser


def rendered_images(page, selector: str = "img") -> list[str]:
    """``src`` of the images under ``selector`` that have actually loaded (non-zero size)."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.complete && e.naturalWidth > 0).map(e => e.src)"
    )


def wait_for_text(locator, pattern: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = locator.inner_text()
        if re.search(pattern, text):
            return text
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} did not appear; the text is {text!r}")


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Vuetify select labelled ``label``."""
    page.locator(".v-select").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def screenshot(page, name: str) -> None:
    """Keep a screenshot in test-artifacts/ (kept by CI as the test's artifact)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "test-artifacts"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def test_dashboard_renders_steps_switches_world_and_resets(dashboard_page):
    page, watch = dashboard_page
    step = page.get_by_role("button", name="Step")
    step.wait_for()
    date = page.locator(".spiral-date")
    start = wait_for_text(date, r"\d{4}Q[1-4]")
    page.wait_for_function("document.querySelectorAll('.spiral-network img').length > 0")
    assert rendered_images(page, ".spiral-network img"), "the network drawing did not render"
    charts_before = rendered_images(page)
    assert len(charts_before) >= 2, f"expected the network and a chart, got {len(charts_before)} images"

    for _ in range(20):
        step.click()
        page.wait_for_function("b => !b.disabled", arg=step.element_handle())
    end = wait_for_text(date, r"Date: 2005Q1")
    assert end != start, f"the date did not advance from {start!r}"
    page.wait_for_timeout(500)
    charts_after = rendered_images(page)
    assert set(charts_after) != set(charts_before), "the charts did not change after 20 steps"
    screenshot(page, "dashboard-after-20-steps.png")

    choose(page, "World", "realist")
    page.get_by_role("button", name="Reset").click()
    wait_for_text(page.locator(".spiral-world"), r"realist")
    wait_for_text(date, r"Date: 2000Q1")
    assert rendered_images(page, ".spiral-network img"), "the network vanished after reset"
    screenshot(page, "dashboard-after-reset.png")

    watch.assert_clean()


def test_bad_seed_shows_a_message_not_a_dead_page(dashboard_page):
    page, watch = dashboard_page
    page.get_by_role("button", name="Step").wait_for()
    seed = page.get_by_label("Seed")
    seed.fill("not-a-number")
    seed.press("Enter")
    page.get_by_role("button", name="Reset").click()
    message = wait_for_text(page.locator(".spiral-error"), r"seed")
    assert "not-a-number" in message
    # the page still works: it steps
    page.get_by_role("button", name="Step").click()
    wait_for_text(page.locator(".spiral-date"), r"Date: 2000Q2")
    screenshot(page, "dashboard-bad-seed.png")
    watch.assert_clean()
