"""Measure how long a second `make run` takes until GET /health answers 200.

Starts `make run` (model already trained), polls /health, stops it with SIGINT (as
Ctrl-C does) and checks all three services are gone. Repeats N times and writes
reports/startup.md with the median. Run: `.venv/bin/python scripts/bench_startup.py`.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 180


def one_start(port: int) -> tuple[float, float, str]:
    # `make run` reads the settings as bot/settings.py does, so the port is the one in the settings.
    started = time.monotonic()
    proc = subprocess.Popen(["make", "run"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        while time.monotonic() - started < TIMEOUT_S:
            if proc.poll() is not None:
                raise RuntimeError(f"make run exited early:\n{proc.stdout.read()[-2000:]}")
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.25)
        else:
            raise RuntimeError("no healthy start within the timeout")
        ready = time.monotonic() - started
    finally:
        stop_started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
        stopped = time.monotonic() - stop_started
    retrained = "rasa train" in output and "Nothing changed" not in output
    return ready, stopped, "retrained" if retrained else "no retraining"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=None, help="default: BALIE_PORT from .env")
    args = parser.parse_args()
    if args.port is None:
        sys.path.insert(0, str(ROOT))
        from bot.settings import settings

        args.port = settings.port
    results = [one_start(args.port) for _ in range(args.runs)]
    ready = [r[0] for r in results]
    lines = [
        "# Startup benchmark",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores by `scripts/bench_startup.py`:",
        "`make run` with an up-to-date venv and model, until `GET /health` answers 200; then SIGINT (Ctrl-C).",
        "",
        "| run | seconds to healthy | seconds to stop | training |",
        "|---|---|---|---|",
        *[f"| {i + 1} | {r[0]:.1f} | {r[1]:.1f} | {r[2]} |" for i, r in enumerate(results)],
        "",
        f"Median seconds to healthy: **{statistics.median(ready):.1f}** (target: under 60).",
    ]
    out = ROOT / "reports" / "startup.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    if statistics.median(ready) >= 60:
        sys.exit(1)


if __name__ == "__main__":
    main()
