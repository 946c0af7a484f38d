"""`python -m ops.supervise` (`make run`): Rasa, the action server and the bot service under supervisord.

supervisord (ops/supervisord.conf) restarts a process that crashes while the others keep
serving. Each process logs to `<log dir>/<name>.log`; this launcher shows those logs in the
terminal with the process name in front, as honcho did, next to supervisord's own lines
(spawned, exited, gave up). Ctrl-C stops all three.

The settings come from the environment and `.env` (bot/settings.py; the environment wins).
supervisord only expands variables of its own environment, so this module derives what the
configuration needs (SUPERVISE_*) and the variables endpoints-scaled.yml reads.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Tuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "ops" / "supervisord.conf"
PROGRAMS = ("rasa", "actions", "bot")
# How often the terminal view looks for new log lines.
TAIL_INTERVAL_S = 0.2


class SettingsError(SystemExit):
    """A setting the supervised processes cannot start with; str() names it."""


def port_of(url: str, name: str) -> int:
    """The port of a service URL setting (RASA_URL, ACTIONS_URL), where the local process listens."""
    parsed = urlsplit(url)
    try:
        port = parsed.port
    except ValueError:
        port = None
    if parsed.scheme not in ("http", "https") or port is None:
        raise SettingsError(f"{name} must be a URL with a port, e.g. http://127.0.0.1:5005, not {url!r}")
    return port


def rasa_endpoints(settings) -> Tuple[str, Dict[str, str]]:
    """Which endpoints file Rasa starts with, and the variables it needs.

    Neither store set: endpoints.yml (in memory, the default). Both set: endpoints-scaled.yml
    with the SQL tracker store and the Redis lock store. One without the other is refused: a
    shared tracker store without a shared lock lets two Rasa servers write one conversation at once.
    """
    tracker, lock = settings.rasa_tracker_store_url, settings.rasa_lock_store_url
    if not tracker and not lock:
        return "endpoints.yml", {}
    if not (tracker and lock):
        raise SettingsError("Set both RASA_TRACKER_STORE_URL and RASA_LOCK_STORE_URL, or neither (.env.example).")
    parsed = urlsplit(lock)
    database = parsed.path.strip("/") or "0"
    if parsed.scheme != "redis" or not parsed.hostname or not database.isdigit():
        raise SettingsError(f"RASA_LOCK_STORE_URL must look like redis://host:6379/1, not {lock!r}")
    return "endpoints-scaled.yml", {
        "RASA_TRACKER_STORE_URL": tracker,
        "RASA_LOCK_STORE_HOST": parsed.hostname,
        "RASA_LOCK_STORE_PORT": str(parsed.port or 6379),
        "RASA_LOCK_STORE_DB": database,
        "RASA_LOCK_STORE_PASSWORD": parsed.password or "",
    }


def supervisor_env(settings, log_dir: Path, run_dir: Path) -> Dict[str, str]:
    """The environment of supervisord (and so of its processes) for these settings."""
    endpoints, store_env = rasa_endpoints(settings)
    return {
        **os.environ,
        **store_env,
        "SUPERVISE_BIN": str(Path(sys.executable).parent),
        "SUPERVISE_LOG_DIR": str(log_dir),
        "SUPERVISE_RUN_DIR": str(run_dir),
        "SUPERVISE_RASA_PORT": str(port_of(settings.rasa_url, "RASA_URL")),
        "SUPERVISE_ACTIONS_PORT": str(port_of(settings.actions_url, "ACTIONS_URL")),
        "SUPERVISE_RASA_ENDPOINTS": endpoints,
    }


class Tail(threading.Thread):
    """Prints new lines of the processes' log files with the process name in front."""

    def __init__(self, log_dir: Path, names=PROGRAMS):
        super().__init__(daemon=True)
        self.files = {name: log_dir / f"{name}.log" for name in names}
        # Start at the current end: earlier runs' lines stay in the file, not on the terminal.
        self.offsets = {name: (path.stat().st_size if path.exists() else 0) for name, path in self.files.items()}
        self.width = max(len(name) for name in names)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.poll()
            self.stopping.wait(TAIL_INTERVAL_S)
        self.poll()

    def poll(self) -> None:
        for name, path in self.files.items():
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            if size < self.offsets[name]:  # rotated by supervisord: start the new file from the top
                self.offsets[name] = 0
            if size == self.offsets[name]:
                continue
            with path.open("rb") as handle:
                handle.seek(self.offsets[name])
                data = handle.read()
            # Only whole lines; a half-written one waits for the next poll.
            complete = data[:data.rfind(b"\n") + 1]
            self.offsets[name] += len(complete)
            for line in complete.decode("utf-8", "replace").splitlines():
                print(f"{name:<{self.width}} | {line}", flush=True)


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.supervise", description=__doc__.splitlines()[0])
    parser.add_argument("--log-dir", type=Path, default=ROOT / "var" / "log", help="default: var/log")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "var" / "run",
                        help="pid file and control socket (default: var/run)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bot.edge.tokens import require_strong
    from bot.settings import settings

    # Checked once here with a clear message, instead of three processes failing their starts.
    require_strong(settings)
    env = supervisor_env(settings, args.log_dir.resolve(), args.run_dir.resolve())
    args.log_dir.mkdir(parents=True, exist_ok=True)
    args.run_dir.mkdir(parents=True, exist_ok=True)

    tail = Tail(args.log_dir)
    tail.start()
    supervisord = subprocess.Popen([str(Path(sys.executable).parent / "supervisord"), "--nodaemon",
                                    "--configuration", str(CONFIG)], cwd=ROOT, env=env)

    def stop(signum, _frame):
        # Ctrl-C reaches supervisord too (same process group); a SIGTERM to this launcher alone must.
        if supervisord.poll() is None:
            supervisord.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = supervisord.wait()
    time.sleep(TAIL_INTERVAL_S)
    tail.stopping.set()
    tail.join(timeout=2)
    return code


if __name__ == "__main__":
    sys.exit(main())
