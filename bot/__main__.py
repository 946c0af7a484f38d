"""`python -m bot`: run the bot service."""
from __future__ import annotations

import argparse
import logging

from .settings import settings


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Balie bot service")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the web service (default)")
    clerk = sub.add_parser("clerk", help="manage clerk accounts").add_subparsers(dest="clerk_command", required=True)
    add = clerk.add_parser("add", help="add a clerk; the password is read from standard input")
    add.add_argument("username")
    add.add_argument("--name", help="first name shown to citizens (default: from the username)")
    purge = sub.add_parser("purge", help="delete conversations, messages and handovers past the retention period")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    audit = sub.add_parser("audit", help="the audit log of logins and opened transcripts")
    audit.add_argument("audit_command", choices=["export"])
    audit.add_argument("--since", help="first day (YYYY-MM-DD), default 30 days ago")
    audit.add_argument("--until", help="last day (YYYY-MM-DD), default today")
    audit.add_argument("--output", help="CSV file to write (default: standard output)")
    args = parser.parse_args(argv)
    if args.command == "clerk":
        return _clerk_add(args.username, args.name)
    if args.command == "purge":
        from .retention import main as purge_main

        return purge_main(args)
    if args.command == "audit":
        from .desk.audit import main as audit_main

        return audit_main(args)
    if args.command in (None, "serve"):
        from .app import create_app
        from .edge.tokens import require_strong

        require_strong(settings)

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app = create_app()
        print(f"Balie bot service: {settings.public_url}/ (demo page), {settings.public_url}/desk (clerk console)", flush=True)
        app.run(host=settings.host, port=settings.port, access_log=False, single_process=True) \
            if _supports_single_process() else app.run(host=settings.host, port=settings.port, access_log=False, workers=1)


def _clerk_add(username: str, name) -> None:
    """Add a clerk. No default password ships: it is read from standard input."""
    import getpass
    import sys

    from .db import connect
    from .desk.sessions import ClerkError, ClerkStore

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            sys.exit("Passwords do not match.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        clerk = ClerkStore(connect(settings.database_url), settings.session_hours).add(username, password, name)
    except ClerkError as exc:
        sys.exit(f"Cannot add clerk: {exc}")
    print(f"Clerk '{clerk.username}' added (shown to citizens as {clerk.display_name}).")


def _supports_single_process() -> bool:
    import inspect

    from sanic import Sanic

    return "single_process" in inspect.signature(Sanic.run).parameters


if __name__ == "__main__":
    main()
