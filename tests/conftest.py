"""Shared fixtures: the real Rasa server, action server and bot service, started once.

Servers run on their own ports with their own SQLite file, so tests never touch a
running `make run`. Everything is stopped at the end of the session.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "balie.tar.gz"
# Random per test run: the services refuse short or known tokens (bot/edge/tokens.py).
RASA_TOKEN = secrets.token_urlsafe(32)
API_TOKEN = secrets.token_urlsafe(32)


_handed_out: set = set()


def free_port() -> int:
    """A free TCP port on 127.0.0.1, never one this test run handed out before."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def wait_for(url: str, timeout_s: float, ok=lambda r: r.status_code == 200) -> None:
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            response = requests.get(url, timeout=2)
            if ok(response):
                return
            last = response.status_code
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {timeout_s}s (last: {last})")


@dataclass
class Stack:
    """URLs and environment of a running Balie stack."""

    bot_url: str
    rasa_url: str
    actions_url: str
    env: Dict[str, str]
    log_dir: Path
    processes: list = None

    @property
    def internal_url(self) -> str:
        """The bot service's internal API (its own listener, for the action server)."""
        return self.env["BALIE_INTERNAL_URL"]

    def restart_bot(self) -> None:
        """Stop the bot service and start it again on the same port and database."""
        bot = next(p for p in self.processes if p.name == "bot")
        bot.stop()
        port = int(self.bot_url.rsplit(":", 1)[1])
        new, _ = start_bot(self.env, self.log_dir, name="bot", port=port)
        self.processes[self.processes.index(bot)] = new


class Process:
    """A child process with its output in a log file, stopped on close."""

    def __init__(self, name: str, args, env, log_dir: Path):
        self.name = name
        self.log = (log_dir / f"{name}.log").open("a")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def stack_env(tmp: Path, **overrides) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({
        "RASA_TOKEN": RASA_TOKEN,
        "BALIE_API_TOKEN": API_TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp / 'balie.db'}",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SANIC_HOST": "127.0.0.1",
        "BALIE_HOST": "127.0.0.1",
        "BALIE_ALLOWED_ORIGINS": "https://www.voorbeeld.example",
        # The functional tests send many requests from one address; tests/security/ turns them on.
        "BALIE_RATE_LIMITS": "off",
        # The route fuzzer sends hundreds of wrong logins from 127.0.0.1; the throttle has its own tests.
        "BALIE_LOGIN_FREE_ATTEMPTS": "100000",
        "BALIE_LOGIN_LOCKOUT_AFTER": "100000",
    })
    env.update(overrides)
    return env


def start_bot(env: Dict[str, str], log_dir: Path, name: str = "bot",
              port: Optional[int] = None) -> tuple[Process, str]:
    """Start a bot service with the given environment; returns (process, url)."""
    # A restart (port given) keeps both listeners' ports; a new bot service gets its own.
    internal_port = (env.get("BALIE_INTERNAL_PORT") if port else None) or str(free_port())
    if not port:
        env = {**env, "BALIE_INTERNAL_URL": f"http://127.0.0.1:{internal_port}"}
    port = port or free_port()
    # A public URL given by the test (e.g. https behind a proxy) stays; else this port's.
    public_url = env.get("BALIE_PUBLIC_URL") if env.get("BALIE_PUBLIC_URL", "").startswith("https://") else None
    env = {**env, "BALIE_PORT": str(port), "BALIE_PUBLIC_URL": public_url or f"http://127.0.0.1:{port}",
           "BALIE_INTERNAL_PORT": internal_port,
           "BALIE_INTERNAL_URL": env.get("BALIE_INTERNAL_URL") or f"http://127.0.0.1:{internal_port}"}
    proc = Process(name, [str(VENV_BIN / "python"), "-m", "bot", "serve"], env, log_dir)
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/static/demo/favicon.svg", 60)
    wait_for(f"{env['BALIE_INTERNAL_URL']}/api/internal/availability", 30, ok=lambda r: r.status_code == 401)
    return proc, url


def start_stack(tmp: Path, **overrides):
    """Start Rasa, actions and bot service; yields a Stack and stops them afterwards."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test`, which trains it first")
    rasa_port, actions_port, bot_port, internal_port = free_port(), free_port(), free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    actions_url = f"http://127.0.0.1:{actions_port}"
    env = stack_env(tmp, RASA_URL=rasa_url, ACTIONS_URL=actions_url, BALIE_PORT=str(bot_port),
                    BALIE_INTERNAL_PORT=str(internal_port),
                    BALIE_INTERNAL_URL=f"http://127.0.0.1:{internal_port}", **overrides)
    processes = [
        Process("actions", [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions",
                            "--port", str(actions_port)], env, tmp),
        Process("rasa", [str(VENV_BIN / "rasa"), "run", "--enable-api", f"--auth-token={RASA_TOKEN}",
                         "--interface", "127.0.0.1", "--port", str(rasa_port), "--model", str(MODEL),
                         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"], env, tmp),
    ]
    try:
        wait_for(f"{actions_url}/health", 120)
        wait_for(f"{rasa_url}/status?token={RASA_TOKEN}", 240,
                 ok=lambda r: r.status_code == 200 and r.json().get("model_file"))
        bot, bot_url = start_bot(env, tmp, port=bot_port)
        processes.append(bot)
        yield Stack(bot_url, rasa_url, actions_url, env, tmp, processes)
    finally:
        for proc in reversed(processes):
            proc.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    """Rasa, actions and bot service, as `make run` starts them, on free ports.

    BALIE_ALWAYS_OPEN: handovers are tested at any time of day; closed hours have their own stack.
    """
    yield from start_stack(tmp_path_factory.mktemp("stack"), BALIE_ALWAYS_OPEN="true")


@pytest.fixture
def conversation(stack):
    """A new citizen conversation: (id, headers)."""
    response = requests.post(f"{stack.bot_url}/api/conversations", timeout=10)
    assert response.status_code == 201
    body = response.json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def say(stack: Stack, conversation, text: Optional[str] = None, payload: Optional[str] = None,
        **extra) -> requests.Response:
    """Send a citizen message through the bot service."""
    conversation_id, headers = conversation
    body = {"text": text} if payload is None else {"payload": payload}
    body.update(extra)
    return requests.post(f"{stack.bot_url}/api/conversations/{conversation_id}/messages",
                         json=body, headers=headers, timeout=60)


def login(stack: Stack, username: str, password: str = "een-lang-wachtwoord", role: Optional[str] = None) -> dict:
    """Add a clerk (through the CLI, as a maintainer would) and log in; returns auth headers.

    `role`: medewerker (the CLI's default), beheerder or teamleider.
    """
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "clerk", "add", username,
                    *(["--role", role] if role else [])],
                   input=password + "\n", text=True, cwd=ROOT, env=stack.env, check=False,
                   capture_output=True)
    response = requests.post(f"{stack.bot_url}/api/desk/login",
                             json={"username": username, "password": password}, timeout=30)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
