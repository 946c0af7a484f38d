"""The bot service on its own, as an attacker meets it: real process, real database, limits on.

Most security properties are the bot service's (edge, accounts, cases, retention), so these
tests start only that process, with Rasa pointing at a closed port: what needs the assistant
uses the `stack` fixture of tests/conftest.py instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

from tests.conftest import API_TOKEN, Process, free_port, stack_env, start_bot


@dataclass
class Service:
    """A running bot service: public and internal URL, its environment and log folder."""

    url: str
    internal_url: str
    env: Dict[str, str]
    log_dir: Path
    process: Process

    @property
    def service_headers(self) -> dict:
        return {"Authorization": f"Bearer {API_TOKEN}"}


def start_service(tmp: Path, **overrides) -> Service:
    """Start a bot service with rate limits on (unless overridden) and a dead Rasa URL."""
    tmp.mkdir(parents=True, exist_ok=True)
    internal_port = free_port()
    env = stack_env(tmp, RASA_URL=f"http://127.0.0.1:{free_port()}", ACTIONS_URL=f"http://127.0.0.1:{free_port()}",
                    BALIE_RATE_LIMITS="on", BALIE_INTERNAL_PORT=str(internal_port),
                    BALIE_INTERNAL_URL=f"http://127.0.0.1:{internal_port}")
    env.update({k: str(v) for k, v in overrides.items()})
    process, url = start_bot(env, tmp, port=free_port())
    return Service(url, env["BALIE_INTERNAL_URL"], {**env, "BALIE_PORT": url.rsplit(":", 1)[1]}, tmp, process)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """One bot service per test module, default limits."""
    running = start_service(tmp_path_factory.mktemp("security"))
    yield running
    running.process.stop()
