"""`python -m bot`: run the bot service."""
from __future__ import annotations

import argparse
import logging

from .settings import settings


def main(argv=None) -> None:
    from .desk.sessions import CLERK, ROLES

    parser = argparse.ArgumentParser(prog="python -m bot", description="Balie bot service")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the web service (default)")
    clerk = sub.add_parser("clerk", help="manage clerk accounts").add_subparsers(dest="clerk_command", required=True)
    add = clerk.add_parser("add", help="add a clerk; the password is read from standard input")
    add.add_argument("username")
    add.add_argument("--name", help="first name shown to citizens (default: from the username)")
    add.add_argument("--role", default=CLERK, choices=ROLES,
                     help=f"what the account may do in the console (default: {CLERK}; docs/beheer.md, Rollen)")
    clerk.add_parser("list", help="list clerks: name, role, created, disabled, live sessions, last login")
    set_role = clerk.add_parser("set-role", help="give an account another role (from its next request)")
    set_role.add_argument("username")
    set_role.add_argument("role", choices=ROLES)
    for command, text in (("disable", "the clerk can no longer log in; their sessions end"),
                          ("enable", "a disabled clerk may log in again"),
                          ("reset-password", "a new password, read from standard input; their sessions end")):
        clerk.add_parser(command, help=text).add_argument("username")
    logout_all = clerk.add_parser("logout-all", help="end the sessions of one clerk, or of all clerks")
    logout_all.add_argument("username", nargs="?")
    purge = sub.add_parser("purge", help="delete conversations, messages and handovers past the retention period")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    audit = sub.add_parser("audit", help="the audit log of logins and opened transcripts")
    audit.add_argument("audit_command", choices=["export"])
    audit.add_argument("--since", help="first day (YYYY-MM-DD), default 30 days ago")
    audit.add_argument("--until", help="last day (YYYY-MM-DD), default today")
    audit.add_argument("--output", help="CSV file to write (default: standard output)")
    review = sub.add_parser("review", help="the questions Balie did not understand well (the beheerder's review list)")
    review.add_argument("--days", type=int, default=7, help="the last N days, today included (default 7)")
    review.add_argument("--export", metavar="FILE",
                        help="also write the assignments (those not yet in data/nlu/) as NLU YAML to FILE")
    args = parser.parse_args(argv)
    if args.command == "clerk":
        return _clerk(args)
    if args.command == "purge":
        from .retention import main as purge_main

        return purge_main(args)
    if args.command == "audit":
        from .desk.audit import main as audit_main

        return audit_main(args)
    if args.command == "review":
        return _review(args)
    if args.command in (None, "serve"):
        from .app import create_app
        from .edge.tokens import require_strong

        require_strong(settings)

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app = create_app()
        print(f"Balie bot service: {settings.public_url}/ (demo page), {settings.public_url}/desk (clerk console)", flush=True)
        app.run(host=settings.host, port=settings.port, access_log=False, single_process=True) \
            if _supports_single_process() else app.run(host=settings.host, port=settings.port, access_log=False, workers=1)


def _read_password() -> str:
    """A password from standard input: asked twice on a terminal, else the first line."""
    import getpass
    import sys

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            sys.exit("Passwords do not match.")
        return password
    return sys.stdin.readline().rstrip("\n")


def _clerk(args) -> None:
    """`python -m bot clerk ...`: manage clerk accounts. No default password ships: it is read from stdin.

    Every change is written to the audit log with the operating-system user who made it.
    """
    import getpass
    import sys

    from .db import connect
    from .desk import audit
    from .desk.sessions import ClerkError, ClerkNotFound, ClerkStore
    from .desk.throttle import LoginThrottle, ThrottlePolicy, account_key

    engine = connect(settings.database_url)
    store = ClerkStore(engine, settings.session_hours, settings.session_idle_minutes)
    command = args.clerk_command
    if command == "list":
        return _clerk_list(store)
    try:
        operator = getpass.getuser()
    except (KeyError, OSError):
        operator = "unknown"

    def log(event: str, clerk, detail: str = "") -> None:
        audit.record(engine, event, clerk_id=clerk.id if clerk else None, username=clerk.username if clerk else None,
                     address=audit.CLI, detail=f"by {operator}" + (f"; {detail}" if detail else ""))

    try:
        if command == "add":
            clerk = store.add(args.username, _read_password(), args.name, role=args.role)
            log(audit.CLERK_ADDED, clerk, f"role {clerk.role}")
            print(f"Clerk '{clerk.username}' added as {clerk.role} (shown to citizens as {clerk.display_name}).")
        elif command == "set-role":
            before = store.get(args.username).role
            store.set_role(args.username, args.role)
            log(audit.ROLE_CHANGED, store.get(args.username), f"{before} -> {args.role}")
            print(f"Clerk '{args.username}' is now {args.role} (was {before}).")
        elif command == "disable":
            ended = store.disable(args.username)
            log(audit.CLERK_DISABLED, store.get(args.username), f"{_sessions(ended)} ended")
            print(f"Clerk '{args.username}' disabled; {_sessions(ended)} ended.")
        elif command == "enable":
            store.enable(args.username)
            log(audit.CLERK_ENABLED, store.get(args.username))
            print(f"Clerk '{args.username}' enabled.")
        elif command == "reset-password":
            store.get(args.username)  # before the password is asked for
            ended = store.set_password(args.username, _read_password())
            # The clerk may have locked themselves out: the new password works at once.
            LoginThrottle(engine, ThrottlePolicy.from_settings(settings)).clear([account_key(args.username)])
            log(audit.PASSWORD_RESET, store.get(args.username), f"{_sessions(ended)} ended")
            print(f"Password of '{args.username}' reset; {_sessions(ended)} ended.")
        elif command == "logout-all":
            ended = store.end_sessions(args.username)
            log(audit.SESSIONS_ENDED, store.get(args.username) if args.username else None, f"{_sessions(ended)} ended")
            print(f"{_sessions(ended)} ended" + (f" for '{args.username}'." if args.username else " for all clerks."))
    except ClerkNotFound:
        sys.exit(f"No clerk '{args.username}'.")
    except ClerkError as exc:
        sys.exit(f"Cannot {command} clerk: {exc}")


def _sessions(count: int) -> str:
    """"1 session", "3 sessions"."""
    return "1 session" if count == 1 else f"{count} sessions"


def _clerk_list(store) -> None:
    """One line per clerk, columns aligned; times in UTC."""
    def moment(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else "-"

    rows = [("username", "name", "role", "created", "disabled", "sessions", "last login")]
    rows += [(a.username, a.display_name, a.role, moment(a.created_at), "yes" if a.disabled_at else "no",
              str(a.live_sessions), moment(a.last_login_at)) for a in store.accounts()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"{len(rows) - 1} clerk{'' if len(rows) == 2 else 's'} (times in UTC).")


def _review(args) -> None:
    """`python -m bot review [--days N] [--export FILE]`: the review list from the database in .env.

    For the beheerder (`make review`), so in Dutch. Texts are masked as in the console.
    """
    import sys
    from datetime import datetime, timedelta, timezone

    from .db import connect
    from .insights import review
    from .insights.events import local_day

    if not 1 <= args.days <= review.MAX_RANGE_DAYS:
        sys.exit(f"--days moet tussen 1 en {review.MAX_RANGE_DAYS} liggen.")
    engine = connect(settings.database_url)
    last = local_day(datetime.now(timezone.utc))
    first = last - timedelta(days=args.days - 1)
    items = review.review_list(engine, first, last)
    print(f"Leervragen van {first.isoformat()} tot en met {last.isoformat()}: {len(items)} "
          f"{'vraag' if len(items) == 1 else 'vragen'} die Balie niet (goed) begreep.")
    rows = [("aantal", "wat er gebeurde", "Balie dacht aan", "toegewezen aan", "vraag")]
    for item in items:
        assigned = item.assignment.nlu_intent if item.assignment else "-"
        rows.append((str(item.count), review.OUTCOMES_NL.get(item.outcome, item.outcome),
                     item.guessed_product or "-", assigned, item.text))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) + "  " + row[4])
    if args.export:
        exported = review.export_yaml(review.assignments(engine), known=review.known_examples())
        with open(args.export, "w", encoding="utf-8") as handle:
            handle.write(exported)
        count = sum(1 for line in exported.splitlines() if line.startswith("    - "))
        print(f"{count} {'voorbeeld' if count == 1 else 'voorbeelden'} geschreven naar {args.export} "
              "(alleen wat nog niet in data/nlu/ staat). Lees ze na en zet ze in data/nlu/ (zie docs/beheer.md).")


def _supports_single_process() -> bool:
    import inspect

    from sanic import Sanic

    return "single_process" in inspect.signature(Sanic.run).parameters


if __name__ == "__main__":
    main()
