"""`make run` under supervisord: a killed process comes back, the others keep serving, Ctrl-C stops all.

The stack starts as `make run` starts it (`python -m ops.supervise`), on free ports, with Rasa's
SQL tracker store on a fresh PostgreSQL database and its Redis lock store on the local Redis
(RASA_TRACKER_STORE_URL, RASA_LOCK_STORE_URL): the same start checks the scale-out stores.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import pytest
import redis
import requests
import sqlalchemy as sa

from tests.conftest import MODEL, ROOT, VENV_BIN, free_port, stack_env
from tests.fakes import fresh_postgres

pytestmark = pytest.mark.servers

# Rasa's lock store database on the local Redis; keys are `lock:<conversation id>`, so nothing collides.
LOCK_DB = 1
PROGRAMS = ("rasa", "actions", "bot")


@dataclass
class Supervised:
    """A stack under `python -m ops.supervise`: its URLs, folders and the launcher process."""

    bot_url: str
    tracker_store_url: str
    tmp: Path
    launcher: subprocess.Popen
    pids: Dict[str, int] = field(default_factory=dict)

    def ctl(self, *args: str) -> str:
        """supervisorctl against this stack's control socket."""
        socket_url = f"unix://{self.tmp / 'run' / 'supervisor.sock'}"
        return subprocess.run([str(VENV_BIN / "supervisorctl"), "-s", socket_url, *args],
                              capture_output=True, text=True, timeout=30).stdout.strip()

    def pid(self, name: str) -> int:
        return int(self.ctl("pid", name))

    def log(self, name: str) -> str:
        return (self.tmp / "log" / f"{name}.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def supervised(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test`, which trains it first")
    tmp = tmp_path_factory.mktemp("supervised")
    with fresh_postgres("balie_rasa_tracker") as tracker_store_url:
        rasa_port, actions_port, bot_port, internal_port = free_port(), free_port(), free_port(), free_port()
        env = stack_env(tmp, RASA_URL=f"http://127.0.0.1:{rasa_port}", ACTIONS_URL=f"http://127.0.0.1:{actions_port}",
                        BALIE_PORT=str(bot_port), BALIE_PUBLIC_URL=f"http://127.0.0.1:{bot_port}",
                        BALIE_INTERNAL_PORT=str(internal_port), BALIE_INTERNAL_URL=f"http://127.0.0.1:{internal_port}",
                        BALIE_ALWAYS_OPEN="true", REDIS_URL="", RASA_TRACKER_STORE_URL=tracker_store_url,
                        RASA_LOCK_STORE_URL=f"redis://127.0.0.1:6379/{LOCK_DB}")
        with (tmp / "terminal.log").open("w") as terminal:
            launcher = subprocess.Popen([str(VENV_BIN / "python"), "-m", "ops.supervise", "--log-dir", str(tmp / "log"),
                                         "--run-dir", str(tmp / "run")], cwd=ROOT, env=env, stdout=terminal,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        stack = Supervised(f"http://127.0.0.1:{bot_port}", tracker_store_url, tmp, launcher)
        try:
            wait_healthy(stack, 240)
            stack.pids = {name: stack.pid(name) for name in PROGRAMS}
            yield stack
        finally:
            _stop(stack)


def wait_healthy(stack: Supervised, timeout_s: float) -> None:
    """Until /health answers 200; a process that supervisord gave up on fails at once, with its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{stack.bot_url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        fatal = [line.split()[0] for line in stack.ctl("status").splitlines() if "FATAL" in line]
        if fatal:
            pytest.fail(f"supervisord gave up on {fatal}: {stack.log(fatal[0])[-2000:]}")
        time.sleep(1)
    pytest.fail(f"no healthy stack after {timeout_s}s: {stack.ctl('status')}")


def _stop(stack: Supervised) -> None:
    """Ctrl-C as a terminal sends it; whatever is left after a minute is killed."""
    if stack.launcher.poll() is None:
        os.killpg(stack.launcher.pid, signal.SIGINT)
        try:
            stack.launcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.launcher.pid, signal.SIGKILL)
    # supervisord puts each process in its own process group: end any survivor by its pid.
    for pid in stack.pids.values():
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def new_conversation(stack: Supervised) -> tuple:
    body = requests.post(f"{stack.bot_url}/api/conversations", timeout=10).json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def say(stack: Supervised, conversation: tuple, text: str, timeout: float = 60) -> requests.Response:
    conversation_id, headers = conversation
    return requests.post(f"{stack.bot_url}/api/conversations/{conversation_id}/messages", json={"text": text},
                         headers=headers, timeout=timeout)


class RedisCommands(threading.Thread):
    """Every command the local Redis receives (MONITOR) until `stop()`."""

    def __init__(self):
        super().__init__(daemon=True)
        self.client = redis.Redis(host="127.0.0.1", port=6379, decode_responses=True)
        self.marker = f"balie-test-stop-{uuid.uuid4().hex}"
        self.commands: List[dict] = []
        self.ready = threading.Event()

    def run(self) -> None:
        with self.client.monitor() as monitor:
            self.ready.set()
            for command in monitor.listen():
                if self.marker in command["command"]:
                    return
                self.commands.append(command)

    def stop(self) -> List[dict]:
        self.client.echo(self.marker)
        self.join(timeout=10)
        return self.commands


def test_a_message_is_kept_in_postgresql_and_locked_in_redis(supervised):
    rasa_args = Path(f"/proc/{supervised.pids['rasa']}/cmdline").read_bytes().split(b"\0")
    assert rasa_args[rasa_args.index(b"--endpoints") + 1] == b"endpoints-scaled.yml"
    conversation = new_conversation(supervised)
    watch = RedisCommands()
    watch.start()
    assert watch.ready.wait(10)
    reply = say(supervised, conversation, "hallo")
    commands = watch.stop()
    assert reply.status_code == 200 and reply.json()["messages"], reply.text

    # Rasa took the conversation's ticket lock in Redis database LOCK_DB.
    lock_key = f"lock:{conversation[0]}"
    on_lock = [c for c in commands if lock_key in c["command"]]
    assert on_lock and {int(c["db"]) for c in on_lock} == {LOCK_DB}, commands[-20:]

    # ...and stored the turn in its SQL tracker store on PostgreSQL.
    engine = sa.create_engine(supervised.tracker_store_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT type_name, data FROM events WHERE sender_id = :id ORDER BY id"),
                            {"id": conversation[0]}).all()
    engine.dispose()
    kinds = [row.type_name for row in rows]
    assert "user" in kinds and "bot" in kinds, kinds
    assert any('"text": "hallo"' in row.data for row in rows if row.type_name == "user")


def test_a_killed_action_server_comes_back_while_the_bot_service_keeps_answering(supervised):
    killed = supervised.pids["actions"]
    os.kill(killed, signal.SIGKILL)
    started = time.monotonic()

    # The bot service answers at once, never a hang and never silence: a question that needs a
    # custom action (Rasa then answers with an empty list) gets the Dutch "not reachable, call us".
    conversation = new_conversation(supervised)
    reply = say(supervised, conversation, "wanneer wordt het grofvuil opgehaald", timeout=30)
    answered_s = time.monotonic() - started
    assert reply.status_code in (200, 503), reply.text
    if reply.status_code == 503:
        assert "niet bereikbaar" in reply.json()["message"]
    else:
        texts = [m["text"] for m in reply.json()["messages"] if m["sender"] == "bot"]
        assert texts and "niet bereikbaar" in texts[-1] and "bel" in texts[-1], reply.text
    assert answered_s < 15

    # /health answers all along: first with the action server down, then ok again.
    states = []
    while time.monotonic() - started < 90:
        health = requests.get(f"{supervised.bot_url}/health", timeout=5)
        assert health.status_code in (200, 503)
        states.append(health.json()["actions"])
        if health.status_code == 200:
            break
        time.sleep(0.5)
    back_s = time.monotonic() - started
    assert "down" in states and states[-1] == "ok", states
    assert supervised.pid("actions") not in (0, killed)
    # Rasa and the bot service kept running: same processes as before.
    assert supervised.pid("rasa") == supervised.pids["rasa"] and supervised.pid("bot") == supervised.pids["bot"]
    supervisord_log = supervised.log("supervisord")
    assert "exited: actions (terminated by SIGKILL; not expected)" in supervisord_log
    # The conversation goes on after the restart.
    again = say(supervised, conversation, "hallo")
    assert again.status_code == 200 and again.json()["messages"], again.text
    print(f"while down: {reply.status_code} {reply.json().get('messages')} after {answered_s:.1f} s; "
          f"action server healthy again after {back_s:.1f} s")
    supervised.pids["actions"] = supervised.pid("actions")


def test_the_terminal_shows_each_process_and_ctrl_c_stops_all(supervised):
    os.killpg(supervised.launcher.pid, signal.SIGINT)
    assert supervised.launcher.wait(timeout=60) == 0
    assert not [name for name, pid in supervised.pids.items() if alive(pid)]
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(supervised.bot_url.rsplit(":", 1)[1]))) != 0
    terminal = (supervised.tmp / "terminal.log").read_text(errors="replace")
    for name in PROGRAMS:
        assert f"\n{name:<7} | " in terminal, name
    assert "exited: actions (terminated by SIGKILL; not expected)" in terminal
