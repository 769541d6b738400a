"""Screenshot an HTML file or URL with Playwright and Debian's Chromium (for docs pictures).

    .venv/bin/python scripts/screenshot.py runs/historical/report.html docs/img/report.png --width 1400 --height 2200
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("out")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1800)
    ap.add_argument("--full", action="store_true", help="the full page")
    ap.add_argument("--wait", type=int, default=1500, help="ms to wait after load")
    a = ap.parse_args(argv)
    url = a.target if "://" in a.target else Path(a.target).resolve().as_uri()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = b.new_page(viewport={"width": a.width, "height": a.height})
        page.goto(url)
        page.wait_for_timeout(a.wait)
        page.screenshot(path=a.out, full_page=a.full)
        b.close()
    print(a.out)


if __name__ == "__main__":
    sys.exit(main())
