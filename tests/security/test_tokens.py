"""Default, empty and short tokens are refused at start-up; setup writes random ones."""
from __future__ import annotations

import secrets
import subprocess

import pytest

from scripts.ensure_env import ensure
from tests.conftest import API_TOKEN, RASA_TOKEN, ROOT, VENV_BIN, free_port, stack_env

WEAK = ["", "change-me-rasa-token", "change-me-actions-token", "test-rasa-token", "kort-token-van-20-tk",
        "change-me-" + "x" * 40]


def run(args, env, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def weak_env(tmp_path, **tokens):
    port, internal = free_port(), free_port()
    return stack_env(tmp_path, BALIE_PORT=str(port), BALIE_INTERNAL_PORT=str(internal), **tokens)


@pytest.mark.parametrize("name", ["RASA_TOKEN", "BALIE_API_TOKEN"])
@pytest.mark.parametrize("value", WEAK)
def test_bot_service_refuses_to_start(tmp_path, name, value):
    result = run([str(VENV_BIN / "python"), "-m", "bot", "serve"], weak_env(tmp_path, **{name: value}), timeout=60)
    assert result.returncode != 0
    assert "Balie refuses to start" in result.stderr and name in result.stderr
    assert "make setup" in result.stderr


def test_action_server_refuses_a_known_default(tmp_path):
    env = weak_env(tmp_path, BALIE_API_TOKEN="change-me-actions-token")
    result = run([str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(free_port())], env)
    assert result.returncode != 0
    assert "BALIE_API_TOKEN is a known default value" in result.stdout + result.stderr


def test_rasa_is_not_started_with_a_weak_token(tmp_path):
    """ops/supervisord.conf runs this check before `rasa run` (`&&`)."""
    result = run([str(VENV_BIN / "python"), "-m", "bot.edge.tokens"], weak_env(tmp_path, RASA_TOKEN="change-me-rasa-token"))
    assert result.returncode != 0 and "RASA_TOKEN is a known default value" in result.stderr
    fine = run([str(VENV_BIN / "python"), "-m", "bot.edge.tokens"], weak_env(tmp_path, RASA_TOKEN=RASA_TOKEN,
                                                                               BALIE_API_TOKEN=API_TOKEN))
    assert fine.returncode == 0, fine.stderr


def test_first_setup_writes_random_tokens(tmp_path):
    example = ROOT / ".env.example"
    env_file = tmp_path / ".env"
    assert ensure(env_file, example) == ["RASA_TOKEN", "BALIE_API_TOKEN"]
    first = env_file.read_text()
    tokens = [line.split("=", 1)[1] for line in first.splitlines() if line.startswith(("RASA_TOKEN=", "BALIE_API_TOKEN="))]
    assert len(tokens) == 2 and tokens[0] != tokens[1] and all(len(t) >= 43 for t in tokens)
    assert env_file.stat().st_mode & 0o077 == 0  # readable by the owner only
    # Every other setting is copied as documented.
    assert first.count("\n") == example.read_text().count("\n")
    # Run again: nothing changes.
    assert ensure(env_file, example) == [] and env_file.read_text() == first


def test_setup_replaces_an_old_default_and_keeps_the_rest(tmp_path):
    env_file = tmp_path / ".env"
    strong = secrets.token_urlsafe(32)
    env_file.write_text(f"BALIE_PORT=9000\nRASA_TOKEN=change-me-rasa-token\nBALIE_API_TOKEN={strong}\n")
    assert ensure(env_file, ROOT / ".env.example") == ["RASA_TOKEN"]
    text = env_file.read_text()
    assert "BALIE_PORT=9000" in text and f"BALIE_API_TOKEN={strong}" in text and "change-me" not in text


def test_setup_moves_the_internal_url_off_the_public_port(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"RASA_TOKEN={secrets.token_urlsafe(32)}\nBALIE_API_TOKEN={secrets.token_urlsafe(32)}\n"
                        "BALIE_PORT=8000\nBALIE_INTERNAL_URL=http://127.0.0.1:8000\n")
    assert ensure(env_file, ROOT / ".env.example") == ["BALIE_INTERNAL_URL"]
    assert "BALIE_INTERNAL_URL=http://127.0.0.1:8001" in env_file.read_text()
