"""The HTTP edge against the real bot service: internal listener, CSRF, WebSocket origin,
headers, rate limits and the client address behind a proxy."""
from __future__ import annotations

import asyncio
import json
import subprocess

import pytest
import requests
import websockets

from tests.conftest import ROOT, VENV_BIN
from tests.security.conftest import start_service

PASSWORD = "een-lang-wachtwoord"
EVIL = "http://evil.example"


def add_clerk(service, username: str) -> None:
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "clerk", "add", username], input=PASSWORD + "\n",
                   text=True, cwd=ROOT, env=service.env, check=True, capture_output=True)


def cookie_session(service, username: str) -> requests.Session:
    """A browser-like session: logged in through the console's login, holding the cookie."""
    add_clerk(service, username)
    session = requests.Session()
    response = session.post(f"{service.url}/api/desk/login", json={"username": username, "password": PASSWORD},
                            headers={"Origin": service.url}, timeout=30)
    assert response.status_code == 200, response.text
    assert session.cookies.get("balie_desk")
    return session


# ---------- internal API on its own listener ----------

INTERNAL_ROUTES = [("GET", "/api/internal/availability"), ("POST", "/api/internal/cases"),
                   ("POST", "/api/internal/cases/lookup"), ("POST", "/api/internal/handovers")]


@pytest.mark.parametrize("method,path", INTERNAL_ROUTES)
def test_internal_api_is_not_served_on_the_public_port(service, method, path):
    """Even with the right service token, the public port does not know these routes."""
    response = requests.request(method, f"{service.url}{path}", json={}, headers=service.service_headers, timeout=10)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("method,path", INTERNAL_ROUTES)
def test_internal_api_needs_the_service_token(service, method, path):
    url = f"{service.internal_url}{path}"
    assert requests.request(method, url, json={}, timeout=10).status_code == 401
    wrong = requests.request(method, url, json={}, headers={"Authorization": "Bearer " + "x" * 43}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["code"] == "token_invalid"


def test_internal_listener_binds_loopback_only(service):
    """BALIE_INTERNAL_HOST defaults to 127.0.0.1: the port is not open on other interfaces."""
    port = service.internal_url.rsplit(":", 1)[1]
    listening = subprocess.run(["ss", "-Htln", f"sport = :{port}"], capture_output=True, text=True).stdout
    assert listening.strip(), "internal listener not found"
    assert all(" 127.0.0.1:" in line for line in listening.strip().splitlines()), listening


def test_public_site_does_not_serve_the_internal_routes_under_other_spellings(service):
    for path in ("/api/internal/", "/api//internal/cases", "/API/INTERNAL/cases", "/api/internal/../internal/cases"):
        response = requests.post(f"{service.url}{path}", json={}, headers=service.service_headers, timeout=10)
        assert response.status_code in (404, 405), path


# ---------- cross-site requests ----------

def test_cross_origin_text_plain_post_with_the_cookie_is_refused(service):
    """The attack from the penetration test: a form-like POST from another site sends the cookie."""
    session = cookie_session(service, "csrf.een")
    response = session.post(f"{service.url}/api/desk/logout", data=json.dumps({}),
                            headers={"Origin": EVIL, "Content-Type": "text/plain"}, timeout=10)
    assert response.status_code == 403 and response.json()["code"] == "cross_site"
    # The session is untouched: the forged logout did nothing.
    assert session.get(f"{service.url}/api/desk/me", timeout=10).status_code == 200


@pytest.mark.parametrize("headers,code", [
    ({"Origin": EVIL, "Content-Type": "application/json"}, "cross_site"),
    ({"Origin": "http://127.0.0.1:1", "Content-Type": "application/json"}, "cross_site"),  # another port
    ({"Sec-Fetch-Site": "same-site", "Content-Type": "application/json"}, "cross_site"),  # sibling subdomain
    ({"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, "cross_site"),
    ({"Content-Type": "text/plain"}, "json_required"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, "json_required"),
    ({}, "json_required"),
])
def test_cookie_authenticated_desk_posts_must_be_same_origin_json(service, headers, code):
    session = cookie_session(service, f"csrf.{abs(hash(json.dumps(headers))) % 10**8}")
    response = session.post(f"{service.url}/api/desk/handovers/1/claim", data="{}", headers=headers, timeout=10)
    assert response.status_code in (403, 415)
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_same_origin_json_post_passes_the_guard(service):
    session = cookie_session(service, "csrf.twee")
    response = session.post(f"{service.url}/api/desk/handovers/999999/claim", json={},
                            headers={"Origin": service.url, "Sec-Fetch-Site": "same-origin"}, timeout=10)
    assert response.status_code == 404  # past the guard, into the handler: no such handover


def test_login_from_another_origin_is_refused(service):
    add_clerk(service, "csrf.drie")
    response = requests.post(f"{service.url}/api/desk/login", json={"username": "csrf.drie", "password": PASSWORD},
                             headers={"Origin": EVIL}, timeout=30)
    assert response.status_code == 403 and "set-cookie" not in {k.lower() for k in response.headers}


async def _desk_socket(url: str, cookie: str, origin: str | None) -> dict:
    headers = {"Cookie": f"balie_desk={cookie}"}
    if origin:
        headers["Origin"] = origin
    async with websockets.connect(url, extra_headers=headers, open_timeout=10) as ws:
        return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))


def test_desk_websocket_refuses_another_origin(service):
    session = cookie_session(service, "ws.een")
    cookie = session.cookies.get("balie_desk")
    ws_url = service.url.replace("http://", "ws://") + "/api/desk/ws"
    refused = asyncio.run(_desk_socket(ws_url, cookie, EVIL))
    assert refused["type"] == "error" and refused["code"] == "cross_site"
    accepted = asyncio.run(_desk_socket(ws_url, cookie, service.url))
    assert accepted["type"] == "hello"


# ---------- headers ----------

@pytest.mark.parametrize("path", ["/", "/desk", "/privacy", "/api/desk/me", "/static/widget/balie-widget.js"])
def test_security_headers(service, path):
    headers = requests.get(f"{service.url}{path}", timeout=10).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_no_store_on_desk_and_conversation_responses(service):
    conversation = requests.post(f"{service.url}/api/conversations", timeout=10)
    body = conversation.json()
    messages = requests.get(f"{service.url}/api/conversations/{body['id']}/messages",
                            headers={"Authorization": f"Bearer {body['token']}"}, timeout=10)
    for response in (conversation, messages, requests.get(f"{service.url}/api/desk/me", timeout=10),
                     requests.get(f"{service.url}/desk", timeout=10)):
        assert response.headers["Cache-Control"] == "no-store", response.url


def test_hsts_when_served_over_https(tmp_path):
    """Behind a TLS proxy (BALIE_PUBLIC_URL https://…) every response carries HSTS."""
    https = start_service(tmp_path, BALIE_PUBLIC_URL="https://balie.voorbeeld.example")
    try:
        headers = requests.get(f"{https.url}/", timeout=10).headers
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        https.process.stop()


# ---------- rate limits ----------

def test_conversations_per_address_are_limited(tmp_path):
    service = start_service(tmp_path, BALIE_LIMIT_CONVERSATIONS_PER_HOUR=3)
    try:
        statuses = [requests.post(f"{service.url}/api/conversations", timeout=10).status_code for _ in range(3)]
        assert statuses == [201, 201, 201]
        refused = requests.post(f"{service.url}/api/conversations", timeout=10)
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
        assert "Wacht even" in refused.json()["message"]
    finally:
        service.process.stop()


def test_messages_per_conversation_are_limited_and_the_widget_can_read_retry_after(tmp_path):
    service = start_service(tmp_path, BALIE_LIMIT_MESSAGES_PER_MINUTE=2)
    try:
        body = requests.post(f"{service.url}/api/conversations", timeout=10).json()
        url = f"{service.url}/api/conversations/{body['id']}/messages"
        headers = {"Authorization": f"Bearer {body['token']}", "Origin": "https://www.voorbeeld.example"}
        first = [requests.post(url, json={"text": f"vraag {i}"}, headers=headers, timeout=30).status_code
                 for i in range(2)]
        assert all(status != 429 for status in first)  # 503: Rasa is not running here; stored anyway
        refused = requests.post(url, json={"text": "nog een vraag"}, headers=headers, timeout=10)
        assert refused.status_code == 429
        assert refused.headers["Access-Control-Allow-Origin"] == "https://www.voorbeeld.example"
        assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
        # Another conversation has its own budget.
        other = requests.post(f"{service.url}/api/conversations", timeout=10).json()
        response = requests.post(f"{service.url}/api/conversations/{other['id']}/messages", json={"text": "hoi"},
                                 headers={"Authorization": f"Bearer {other['token']}"}, timeout=30)
        assert response.status_code != 429
    finally:
        service.process.stop()


def test_route_per_address_is_limited(tmp_path):
    service = start_service(tmp_path, BALIE_LIMIT_ROUTE_PER_MINUTE=2)
    try:
        statuses = [requests.post(f"{service.url}/api/route", json={"text": "paspoort"}, timeout=30).status_code
                    for _ in range(3)]
        assert statuses[:2] == [503, 503] and statuses[2] == 429  # 503: no Rasa here
    finally:
        service.process.stop()


def test_forwarded_for_counts_only_behind_a_trusted_proxy(tmp_path):
    """Spoofed X-Forwarded-For does not buy a fresh budget; behind a trusted proxy it names the client."""
    direct = start_service(tmp_path / "direct", BALIE_LIMIT_CONVERSATIONS_PER_HOUR=2)
    try:
        statuses = [requests.post(f"{direct.url}/api/conversations", headers={"X-Forwarded-For": f"10.0.0.{i}"},
                                  timeout=10).status_code for i in range(3)]
        assert statuses == [201, 201, 429]
    finally:
        direct.process.stop()
    proxied = start_service(tmp_path / "proxied", BALIE_LIMIT_CONVERSATIONS_PER_HOUR=2,
                            BALIE_TRUSTED_PROXIES="127.0.0.1/32")
    try:
        def create(client: str) -> int:
            # A client may prepend anything; the proxy appends the address it saw.
            return requests.post(f"{proxied.url}/api/conversations",
                                 headers={"X-Forwarded-For": f"1.2.3.4, {client}"}, timeout=10).status_code
        assert [create("192.0.2.10") for _ in range(3)] == [201, 201, 429]
        assert create("192.0.2.11") == 201
    finally:
        proxied.process.stop()


def test_rate_limits_switch_off(tmp_path):
    service = start_service(tmp_path, BALIE_RATE_LIMITS="off", BALIE_LIMIT_CONVERSATIONS_PER_HOUR=1)
    try:
        statuses = {requests.post(f"{service.url}/api/conversations", timeout=10).status_code for _ in range(5)}
        assert statuses == {201}
    finally:
        service.process.stop()
