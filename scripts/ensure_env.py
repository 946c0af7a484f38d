"""Create `.env` from `.env.example` on first setup, with random tokens.

Also replaces an empty or known default token in an existing `.env` (older checkouts
shipped `change-me-…`), and leaves every other line as the maintainer wrote it.
Run by `make setup`; safe to run again.
"""
from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.edge.tokens import problem  # noqa: E402

TOKENS = ("RASA_TOKEN", "BALIE_API_TOKEN")


def ensure(env_file: Path, example: Path) -> list:
    """Write random tokens where needed; returns the names that were (re)generated."""
    text = env_file.read_text() if env_file.exists() else example.read_text()
    changed = []
    for name in TOKENS:
        pattern = re.compile(rf"^{name}=(.*)$", re.MULTILINE)
        match = pattern.search(text)
        value = match.group(1).strip().strip('"\'') if match else ""
        if problem(name, value) is None:
            continue
        line = f"{name}={secrets.token_urlsafe(32)}"
        text = pattern.sub(line, text) if match else text.rstrip("\n") + f"\n{line}\n"
        changed.append(name)
    text, moved = _internal_url_moved(text)
    if moved:
        changed.append("BALIE_INTERNAL_URL")
    if changed or not env_file.exists():
        env_file.write_text(text)
        env_file.chmod(0o600)
    return changed


def _setting(text: str, name: str, default: str) -> str:
    match = re.search(rf"^{name}=(.*)$", text, re.MULTILINE)
    return match.group(1).strip().strip('"\'') if match and match.group(1).strip() else default


def _internal_url_moved(text: str) -> tuple:
    """Older .env files point BALIE_INTERNAL_URL at the public port; the internal API has its own now."""
    public_port = _setting(text, "BALIE_PORT", "8000")
    internal_port = _setting(text, "BALIE_INTERNAL_PORT", "8001")
    pattern = re.compile(r"^BALIE_INTERNAL_URL=(.*)$", re.MULTILINE)
    match = pattern.search(text)
    if not match or not re.search(rf":{re.escape(public_port)}/?$", match.group(1).strip().strip('"\'')):
        return text, False
    return pattern.sub(f"BALIE_INTERNAL_URL=http://127.0.0.1:{internal_port}", text), True


if __name__ == "__main__":
    names = ensure(ROOT / ".env", ROOT / ".env.example")
    if names:
        print(f".env: updated {', '.join(names)} (random tokens; the internal API's own port)")
