"""Screenshots of the widget on the demo page, for the README (docs/screenshots/).

Needs a running Balie (`make run`); drives Debian's headless Chromium:
`.venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000]`.
"""
from __future__ import annotations

import argparse
import time
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import Widget, new_browser, wait_until  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def shoot(url: str, name: str, width: int, height: int) -> None:
    driver = new_browser(width, height)
    try:
        driver.get(url + "/")
        widget = Widget(driver)
        driver.save_screenshot(str(OUT / f"{name}-closed.png"))
        widget.open()
        widget.send("ik wil een vergunning")
        wait_until(lambda: len(widget.quick_replies()) >= 3, 60, "buttons")
        next(b for b in widget.quick_replies() if b.text == "Evenementenvergunning").click()
        widget.wait_for_bot("Vergunningen")
        time.sleep(1)  # let the opening animation and scrolling settle
        driver.save_screenshot(str(OUT / f"{name}-open.png"))
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    shoot(args.url, "desktop", 1280, 800)
    shoot(args.url, "mobile-360", 360, 740)
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
