"""The console's vendored front-end library is exactly the npm package pinned in package.json."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "bot" / "static" / "desk" / "vendor"


def test_chart_js_is_the_pinned_npm_release_with_its_licence():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["chart.js"]
    folder = VENDOR / f"chart.js-{pinned}"
    assert folder.is_dir(), f"vendor folder for chart.js {pinned} missing: update both together"
    assert (folder / "LICENSE.md").read_text().startswith("The MIT License")
    vendored = (folder / "chart.umd.min.js").read_bytes()
    assert f"Chart.js v{pinned}".encode() in vendored[:200]
    installed = ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
    if not installed.exists():
        pytest.fail("node_modules missing: make test runs `npm ci` first")
    assert installed.read_bytes() == vendored, "the vendored copy differs from the pinned npm package"
    index = (ROOT / "bot" / "static" / "desk" / "index.html").read_text()
    assert f"/static/desk/vendor/chart.js-{pinned}/chart.umd.min.js" in index
