"""Chat with the running Balie in the terminal: `make shell` (start `make run` first).

Speaks the citizen chat API (docs/api.md, section 2) like the widget does, so a
maintainer tests the whole path: bot service, Rasa, actions, catalogue and case store.
Buttons are numbered: type the number to click one. Enter alone fetches new messages
(a clerk's answers during a handover). Ctrl-D, Ctrl-C or /stoppen ends the session.

    .venv/bin/python scripts/chat_shell.py [--url http://127.0.0.1:8000]
"""
from __future__ import annotations

import argparse
import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional
from urllib import error, request

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Not "stop": that is what a citizen types to stop a form, and it goes to Balie.
QUIT = {"/stoppen", "/quit"}
SENDER_NL = {"bot": "Balie", "system": "Balie (melding)", "clerk": "Medewerker"}


class ServiceDown(Exception):
    """The bot service does not answer."""


@dataclass
class Conversation:
    """One conversation with the bot service, as the widget holds it."""

    url: str
    id: str = ""
    token: str = ""
    last_seq: int = 0
    buttons: List[dict] = field(default_factory=list)

    def call(self, method: str, path: str, body: Optional[dict] = None) -> dict:
        """One JSON request; on a 4xx/5xx the body gets `failed` (its Dutch `message` is shown)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read() or b"{}")
        except error.HTTPError as exc:
            try:
                body = json.loads(exc.read() or b"{}")
            except ValueError:
                body = {}
            return {"messages": [], **body, "failed": body.get("message") or body.get("error") or str(exc)}
        except (error.URLError, ConnectionError, TimeoutError) as exc:
            raise ServiceDown(str(exc)) from exc

    def start(self) -> None:
        """Open a new conversation."""
        created = self.call("POST", "/api/conversations")
        self.id, self.token = created["id"], created["token"]

    def send(self, typed: str) -> List[str]:
        """Send what was typed (a button number clicks that button); the lines to show."""
        if typed.isdigit() and 1 <= int(typed) <= len(self.buttons):
            body = {"payload": self.buttons[int(typed) - 1]["payload"]}
        else:
            body = {"text": typed}
        reply = self.call("POST", f"/api/conversations/{self.id}/messages", {**body, "client_id": str(uuid.uuid4())})
        return self.show(reply)

    def poll(self) -> List[str]:
        """Messages that came in since the last one shown (a clerk's answers)."""
        return self.show(self.call("GET", f"/api/conversations/{self.id}/messages?after={self.last_seq}"))

    def show(self, reply: dict) -> List[str]:
        """The replies as lines, with numbered buttons; remembers the buttons offered last."""
        lines = [f"(!) {reply['failed']}"] if reply.get("failed") else []
        if reply.get("seq"):
            self.last_seq = max(self.last_seq, reply["seq"])
        for message in reply.get("messages", []):
            self.last_seq = max(self.last_seq, message.get("seq", 0))
            if message.get("sender") == "citizen":
                continue
            who = SENDER_NL.get(message.get("sender"), message.get("sender", "?"))
            if message.get("clerk_name"):
                who = f"{who} {message['clerk_name']}"
            lines.append(f"{who}: {message.get('text', '')}")
            if message.get("buttons"):
                self.buttons = message["buttons"]
                lines += [f"   [{n}] {b.get('title', '')}" for n, b in enumerate(self.buttons, start=1)]
        return lines


def default_url() -> str:
    """The bot service on this machine, from .env (BALIE_HOST, BALIE_PORT)."""
    from bot.settings import settings

    host = settings.host if settings.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    return f"http://{host}:{settings.port}"


def main(argv=None, read: Callable[[str], str] = input, write: Callable[[str], None] = print) -> int:
    """Run the conversation until the maintainer stops; 1 when Balie is not running."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="address of the bot service (default: from .env)")
    args = parser.parse_args(argv)
    conversation = Conversation((args.url or default_url()).rstrip("/"))
    try:
        health = conversation.call("GET", "/health")
        conversation.start()
    except ServiceDown:
        write(f"Balie draait niet op {conversation.url}. Start Balie eerst met `make run` in een ander "
              "venster. Zie je daar 'Starting Balie'? Draai dan opnieuw `make shell`.")
        return 1
    # /health answers 503 with the parts that are down (docs/api.md).
    down = health.get("down") or [part for part, state in health.items()
                                  if isinstance(state, str) and part != "status" and state != "ok"]
    if down:
        write(f"Let op: deze onderdelen werken nu niet: {', '.join(down)}. Balie antwoordt dan misschien niet.")
    write("Je praat met Balie, zoals een inwoner in de chat. Typ je vraag en druk op Enter.")
    write("Typ het nummer van een knop om die te kiezen. Alleen Enter haalt nieuwe berichten op. "
          "Stoppen: Ctrl-D of /stoppen.")
    while True:
        try:
            typed = read("Jij: ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return 0
        if typed.lower() in QUIT:
            return 0
        try:
            for line in conversation.send(typed) if typed else conversation.poll():
                write(line)
        except ServiceDown:
            write("Balie reageert niet meer. Draait `make run` nog?")
            return 1


if __name__ == "__main__":
    sys.exit(main())
