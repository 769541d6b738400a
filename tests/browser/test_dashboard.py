"""The dashboard in a real browser (Debian's Chromium via Playwright), with no internet.

Starts ``spiral dashboard`` on a free port, waits for the page to render, steps it 20 times, switches
the world, resets; checks that the network map and the charts rendered, that the date advanced, and
that the browser console shows no errors (conftest.ALLOWED_CONSOLE_ERRORS lists the exceptions and
why). Bad values must give a visible message, not a dead page. Screenshots go to ``test-artifacts/``.

It also measures how fast the page follows the model (``test_a_quarter_appears_fast``): the time from a
click on Step to the new quarter's label *and* a redrawn map and redrawn charts (median of 10 steps),
and the quarters per second of Play. The figures go to ``test-artifacts/dashboard-timing.json`` and
docs/performance.md ("Dashboard"); the test's bounds are loose (a shared 2-core machine) but fail the
~0.8-1.6 s per quarter the dashboard took before it drew in layers.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

import pytest

from sim.calendar import parse_quarter, quarter_label

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HISTORICAL_START = "1992Q1"
#: Bounds of the timing test: the targets are 300 ms per quarter and 3 quarters/s of Play; the bounds
#: leave room for a busy shared machine, and still fail the 0.8-1.6 s per quarter of drawing afresh.
STEP_BOUND_S = 0.6
PLAY_BOUND_QPS = 2.0


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


def steps_done(page) -> int:
    return int(re.search(r"quarter (\d+) of", page.locator(".spiral-steps").inner_text()).group(1))


#: True once the status says quarter ``n`` and the map and all four charts show new images.
REDRAWN = """([n, before]) => {
  const status = document.querySelector('.spiral-steps');
  if (!status || !status.innerText.includes('quarter ' + n + ' of')) return false;
  const shown = sel => Array.from(document.querySelectorAll(sel))
      .filter(e => e.complete && e.naturalWidth > 0).map(e => e.src);
  const now = shown('.spiral-map img').concat(shown('.spiral-chart img'));
  return now.length >= 5 && now.every(src => !before.includes(src));
}"""


def timed_step(page) -> tuple[float, float]:
    """Click Step; seconds until the new quarter's label, and until the label, map and charts are all new."""
    done = steps_done(page)
    before = page.eval_on_selector_all(".spiral-map img, .spiral-chart img", "els => els.map(e => e.src)")
    t0 = time.perf_counter()
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(f"() => (document.querySelector('.spiral-steps') || {{}}).innerText"
                           f"?.includes('quarter {done + 1} of')", polling="raf")
    t_label = time.perf_counter() - t0
    page.wait_for_function(REDRAWN, arg=[done + 1, before], polling="raf")
    return t_label, time.perf_counter() - t0


def play_rate(page, quarters: int = 24) -> float:
    """Quarters per second of Play, over ``quarters`` quarters after the first one shown."""
    page.get_by_role("button", name="▶").click()
    first = steps_done(page)
    page.wait_for_function(f"() => !document.querySelector('.spiral-steps').innerText.includes('quarter {first} of')",
                           polling="raf")
    start_q, t0 = steps_done(page), time.perf_counter()
    page.wait_for_function("q => Number(/quarter (\\d+) of/.exec(document.querySelector('.spiral-steps').innerText)[1])"
                           " >= q", arg=start_q + quarters, polling="raf", timeout=120_000)
    elapsed, end_q = time.perf_counter() - t0, steps_done(page)
    page.get_by_role("button", name="❚❚").click()
    return (end_q - start_q) / elapsed


def test_page_and_tab_are_named(dashboard_page):
    page, watch = dashboard_page
    wait_until_rendered(page)
    assert page.title() == "NATO–Russia security spiral"
    tabs = page.locator(".v-tab").all_inner_texts()
    assert [t.strip() for t in tabs] == ["REPLAY"] or [t.strip() for t in tabs] == ["Replay"], tabs
    watch.assert_clean()


def test_a_quarter_appears_fast(dashboard_page):
    page, watch = dashboard_page
    wait_until_rendered(page)
    timed_step(page)  # the first quarter draws the pictures' static layers
    times = [timed_step(page) for _ in range(10)]
    label = statistics.median(t for t, _ in times)
    full = statistics.median(t for _, t in times)
    rate = play_rate(page)
    figures = {"step_to_label_ms": [round(t * 1000) for t, _ in times],
               "step_to_redrawn_ms": [round(t * 1000) for _, t in times],
               "median_step_to_label_ms": round(label * 1000), "median_step_to_redrawn_ms": round(full * 1000),
               "play_quarters_per_second": round(rate, 2)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "dashboard-timing.json").write_text(json.dumps(figures, indent=1) + "\n")
    print(f"\ndashboard: step -> label {label * 1000:.0f} ms, step -> label, map and charts {full * 1000:.0f} ms "
          f"(medians of 10); Play {rate:.2f} quarters/s")
    assert full <= STEP_BOUND_S, f"a quarter took {full * 1000:.0f} ms to appear (median of 10): {figures}"
    assert rate >= PLAY_BOUND_QPS, f"Play ran {rate:.2f} quarters/s: {figures}"
    watch.assert_clean()
