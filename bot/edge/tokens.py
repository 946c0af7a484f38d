"""The shared secrets between the processes: refuse to start with a weak or known one."""
from __future__ import annotations

# Every default that ever shipped or appears in the docs: a token equal to one of these
# is public knowledge.
KNOWN_DEFAULTS = {"change-me-rasa-token", "change-me-actions-token", "change-me", "secret", "token",
                  "test-rasa-token", "test-actions-token"}
# secrets.token_urlsafe(32) gives 43 characters; anything shorter than 32 was not generated.
MIN_LENGTH = 32


class WeakToken(SystemExit):
    """A token setting that must be changed before a service may start; str() says how."""


def problem(name: str, value: str) -> str | None:
    """Why a token is not acceptable, or None."""
    if not value:
        return f"{name} is empty"
    if value in KNOWN_DEFAULTS or value.lower().startswith("change-me"):
        return f"{name} is a known default value"
    if len(value) < MIN_LENGTH:
        return f"{name} is shorter than {MIN_LENGTH} characters"
    return None


def require_strong(settings, names=("RASA_TOKEN", "BALIE_API_TOKEN")) -> None:
    """Stop the process with a message that says what to do when a token is weak."""
    values = {"RASA_TOKEN": settings.rasa_token, "BALIE_API_TOKEN": settings.bot_api_token}
    problems = [p for p in (problem(name, values[name]) for name in names) if p]
    if problems:
        raise WeakToken(
            "Balie refuses to start: " + "; ".join(problems) + ".\n"
            "Run `make setup` (it writes random tokens into .env), or set them yourself with\n"
            "  python -c 'import secrets; print(secrets.token_urlsafe(32))'")


def main() -> None:
    """`python -m bot.edge.tokens`: exit non-zero when a token is weak (used before `rasa run`)."""
    from ..settings import settings

    require_strong(settings)


if __name__ == "__main__":
    main()
