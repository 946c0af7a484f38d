"""`make shell` (scripts/chat_shell.py) against a fake bot service that speaks the chat API of docs/api.md."""
from __future__ import annotations

import importlib.util
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_module():
    spec = importlib.util.spec_from_file_location("chat_shell", ROOT / "scripts" / "chat_shell.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["chat_shell"] = module  # dataclasses look their module up there
    write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no scripts/__pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = write_bytecode
    return module


shell = _load_module()
BUTTONS = [{"title": "Paspoort", "payload": '/choose_product{"product": "paspoort"}'},
           {"title": "Identiteitskaart", "payload": '/choose_product{"product": "identiteitskaart"}'}]


class FakeBot(BaseHTTPRequestHandler):
    """Just enough of the bot service: health, a conversation, messages with buttons, a clerk."""

    received: list = []

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/health":
            return self._json(200, {"status": "ok", "rasa": "ok", "actions": "ok", "database": "ok"})
        assert self.headers["Authorization"] == "Bearer secret"
        self._json(200, {"messages": [{"seq": 5, "sender": "clerk", "clerk_name": "Sam", "text": "Ik help je.", "buttons": []}]})

    def do_POST(self):  # noqa: N802
        if self.path == "/api/conversations":
            return self._json(201, {"id": "c1", "token": "secret"})
        assert self.path == "/api/conversations/c1/messages" and self.headers["Authorization"] == "Bearer secret"
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeBot.received.append(body)
        if "payload" in body:
            return self._json(200, {"seq": 3, "messages": [{"seq": 4, "sender": "bot", "text": "Over je id-kaart.", "buttons": []}]})
        if body["text"] == "te lang":
            return self._json(400, {"error": "text is longer than 1000 characters", "message": "Je bericht is te lang."})
        self._json(200, {"seq": 1, "messages": [{"seq": 2, "sender": "bot", "text": "Bedoel je een van deze?", "buttons": BUTTONS}]})

    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture
def bot_url():
    FakeBot.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def converse(url: str, typed: list) -> tuple:
    lines, answers = [], iter(typed)

    def read(prompt):
        try:
            return next(answers)
        except StopIteration:
            raise EOFError

    return shell.main(["--url", url], read=read, write=lines.append), lines


def test_a_number_clicks_that_button_and_enter_fetches_a_clerks_answer(bot_url):
    status, lines = converse(bot_url, ["mijn id kaart is weg", "2", "", "te lang"])
    assert status == 0
    assert FakeBot.received[0]["text"] == "mijn id kaart is weg"
    assert FakeBot.received[1]["payload"] == BUTTONS[1]["payload"]  # "2" is the second button
    assert all(len(body["client_id"]) == 36 for body in FakeBot.received)
    assert "Balie: Bedoel je een van deze?" in lines and "   [2] Identiteitskaart" in lines
    assert "Balie: Over je id-kaart." in lines
    assert "Medewerker Sam: Ik help je." in lines
    assert "(!) Je bericht is te lang." in lines  # the service's Dutch message


def test_stopping_sends_nothing(bot_url):
    status, _ = converse(bot_url, ["/stoppen", "nog iets"])
    assert status == 0 and FakeBot.received == []


def test_a_stopped_balie_is_explained_in_dutch():
    status, lines = converse("http://127.0.0.1:9", [])
    assert status == 1 and "make run" in lines[0]
