"""The dashboard in a real browser (Debian's Chromium via Playwright), with no internet.

Starts ``spiral dashboard`` on a free port, waits for the page to render, steps it 20 times, switches
the world, resets; checks that the network map and the charts rendered, that the date advanced, and
that the browser console shows no errors (conftest.ALLOWED_CONSOLE_ERRORS lists the exceptions and
why). Bad values must give a visible message, not a dead page. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from sim.calendar import parse_quarter, quarter_label

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HISTORICAL_START = "1992Q1"


def rendered_images(page, selector: str) -> list[str]:
    """``src`` of the loaded images (non-zero natural size) under ``selector``."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.complete && e.naturalWidth > 0).map(e => e.src)"
    )


def wait_for_text(locator, pattern: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        if locator.count():
            text = " ".join(locator.all_inner_texts())
            if re.search(pattern, text):
                return text
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} did not appear; the text is {text!r}")


def wait_for_images(page, selector: str, count: int, timeout: float = 60.0) -> list[str]:
    deadline = time.monotonic() + timeout
    found: list[str] = []
    while time.monotonic() < deadline:
        found = rendered_images(page, selector)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} rendered images under {selector!r}, found {len(found)}")


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Vuetify select labelled ``label``."""
    page.locator(".v-select").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def step(page, times: int) -> None:
    """Click Step ``times`` times, each time waiting until the model reports the new quarter."""
    button = page.get_by_role("button", name="Step")
    done = int(re.search(r"quarter (\d+) of", page.locator(".spiral-steps").inner_text()).group(1))
    for _ in range(times):
        button.click()
        done += 1
        wait_for_text(page.locator(".spiral-steps"), rf"quarter {done} of")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until_rendered(page) -> None:
    page.get_by_role("button", name="Step").wait_for()
    wait_for_text(page.locator(".spiral-date"), r"\d{4}Q[1-4]")
    wait_for_images(page, ".spiral-map img", 1)
    wait_for_images(page, ".spiral-chart img", 4)


def test_dashboard_renders_steps_switches_world_and_resets(dashboard_page):
    page, watch = dashboard_page
    wait_until_rendered(page)
    assert page.locator(".spiral-date").inner_text().strip() == HISTORICAL_START
    charts_before = rendered_images(page, ".spiral-chart img")
    map_before = rendered_images(page, ".spiral-map img")

    step(page, 20)
    date = page.locator(".spiral-date").inner_text().strip()
    assert date == quarter_label(parse_quarter(HISTORICAL_START) + 19), f"after 20 steps the date is {date!r}"
    # the pictures were redrawn for the new quarter
    wait_for_images(page, ".spiral-chart img", 4)
    assert rendered_images(page, ".spiral-map img") != map_before, "the map did not change after 20 steps"
    charts_after = rendered_images(page, ".spiral-chart img")
    assert len(set(charts_after) - set(charts_before)) == 4, "not every chart changed after 20 steps"
    # the event log lists every event so far, scripted and emergent told apart
    header = page.locator(".spiral-log").inner_text()
    scripted, emergent = map(int, re.search(r"(\d+) scripted .*?(\d+) emergent", header).groups())
    assert scripted > 0, "the historical scenario's scripted events of 1992-1996 are missing from the log"
    assert page.locator(".spiral-log-table .spiral-scripted").count() == scripted
    assert page.locator(".spiral-log-table .spiral-emergent").count() == emergent
    screenshot(page, "dashboard-after-20-steps.png")

    choose(page, "World", "deterrence")
    choose(page, "Compare with", "world: security_dilemma")
    page.get_by_role("button", name="Reset").click()
    wait_for_text(page.locator(".spiral-world"), r"world deterrence")
    wait_for_text(page.locator(".spiral-steps"), r"quarter 0 of")
    wait_for_text(page.locator(".spiral-comparison"), r"world = security_dilemma")
    assert page.locator(".spiral-date").inner_text().strip() == HISTORICAL_START
    # untouched sliders leave every parameter at its default
    assert "overridden" not in page.locator(".spiral-params").inner_text()
    wait_until_rendered(page)
    step(page, 4)
    assert page.locator(".spiral-date").inner_text().strip() == "1992Q4"
    # Play runs on by itself until paused
    page.get_by_role("button", name="▶").click()
    wait_for_text(page.locator(".spiral-steps"), r"quarter (1[2-9]|[2-9]\d|1[0-3]\d) of", timeout=90)
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()
    page.wait_for_timeout(1500)  # a step already under way when Pause was clicked still finishes
    paused_at = page.locator(".spiral-steps").inner_text()
    page.wait_for_timeout(2000)
    assert page.locator(".spiral-steps").inner_text() == paused_at, "the model kept running after pause"
    screenshot(page, "dashboard-deterrence-vs-security-dilemma.png")

    assert not page.locator(".spiral-error").count(), page.locator(".spiral-error").all_inner_texts()
    watch.assert_clean()


def test_bad_values_show_a_message_not_a_dead_page(dashboard_page):
    page, watch = dashboard_page
    wait_until_rendered(page)
    seed = page.get_by_label("Seed")
    seed.fill("not-a-number")
    seed.press("Enter")
    others = page.get_by_label("Other parameters (name=value, ...)")
    others.fill("kappa=5, empaty=0.5")
    others.press("Enter")
    page.get_by_role("button", name="Reset").click()
    messages = wait_for_text(page.locator(".spiral-error"), r"kappa.*outside")
    assert "seed 'not-a-number' is not a whole number" in messages
    assert "unknown parameter 'empaty' (did you mean 'empathy'?)" in messages
    assert page.locator(".spiral-error").first.is_visible()
    step(page, 1)  # the page still works
    wait_for_images(page, ".spiral-map img", 1)
    screenshot(page, "dashboard-bad-values.png")
    watch.assert_clean()


def test_unknown_scenario_on_the_command_line_shows_a_message(open_dashboard):
    with open_dashboard("no_such_scenario") as (page, watch):
        wait_until_rendered(page)
        message = wait_for_text(page.locator(".spiral-error"), r"unknown scenario 'no_such_scenario'")
        assert "historical" in message
        assert page.locator(".spiral-date").inner_text().strip() == HISTORICAL_START
        screenshot(page, "dashboard-unknown-scenario.png")
        watch.assert_clean()
