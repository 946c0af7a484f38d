"""Property: no route of the bot service answers 5xx, whatever the path, query or JSON body.

Runs against the whole stack (Rasa up), so a 503 would be a real failure too. Every route of
both listeners is listed here; a test fails when the app grows a route this list lacks.
Examples are drawn deterministically (derandomize), so a failure reproduces in CI.
"""
from __future__ import annotations

import dataclasses

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import API_TOKEN, login

pytestmark = pytest.mark.servers

# (listener, method, path with {placeholders}) for every API route.
ROUTES = [
    ("public", "GET", "/health"),
    ("public", "POST", "/api/route"),
    ("public", "POST", "/api/conversations"),
    ("public", "GET", "/api/conversations/{conversation_id}/messages"),
    ("public", "POST", "/api/conversations/{conversation_id}/messages"),
    ("public", "POST", "/api/conversations/{conversation_id}/csat"),
    ("public", "GET", "/api/desk/cases"),
    ("public", "GET", "/api/desk/cases/{number}"),
    ("public", "GET", "/api/desk/departments"),
    ("public", "POST", "/api/desk/login"),
    ("public", "POST", "/api/desk/logout"),
    ("public", "GET", "/api/desk/handovers"),
    ("public", "GET", "/api/desk/me"),
    ("public", "GET", "/api/desk/handovers/{handover_id}"),
    ("public", "POST", "/api/desk/handovers/{handover_id}/claim"),
    ("public", "POST", "/api/desk/handovers/{handover_id}/messages"),
    ("public", "POST", "/api/desk/handovers/{handover_id}/release"),
    ("public", "POST", "/api/desk/handovers/{handover_id}/close"),
    ("public", "POST", "/api/desk/handovers/{handover_id}/transfer"),
    ("public", "POST", "/api/desk/handovers/{handover_id}/cases"),
    ("public", "GET", "/api/desk/handovers/{handover_id}/canned"),
    ("public", "GET", "/api/desk/review"),
    ("public", "POST", "/api/desk/review/assignments"),
    ("public", "GET", "/api/desk/review/export"),
    ("public", "GET", "/api/desk/canned"),
    ("public", "POST", "/api/desk/canned"),
    ("public", "PUT", "/api/desk/canned/{canned_id}"),
    ("public", "DELETE", "/api/desk/canned/{canned_id}"),
    ("public", "GET", "/api/desk/stats"),
    ("public", "GET", "/api/desk/stats.csv"),
    ("internal", "GET", "/api/internal/availability"),
    ("internal", "POST", "/api/internal/cases"),
    ("internal", "POST", "/api/internal/cases/lookup"),
    ("internal", "POST", "/api/internal/handovers"),
]
# Pages and sockets are not fuzzed with bodies; they are covered by the headers and socket tests.
NOT_FUZZED = {"/", "/desk", "/privacy", "/favicon.ico", "/api/desk/ws", "/api/conversations/{conversation_id}/ws",
              "/static/{path}"}

# Field names the API knows, so bodies reach the checks behind "is it an object".
FIELDS = ["text", "payload", "client_id", "username", "password", "department", "note", "outcome", "type",
          "product", "details", "email", "phone", "postcode", "number", "verification", "conversation_id",
          "queue", "summary", "facts", "reason", "idempotency_key", "channel", "code", "status", "score", "comment"]
NASTY = ["\ud800", "a\x00b", "²", "١٢٣", "9" * 30, "-1", "Z-2026-000001", "../../etc/passwd", "<script>x</script>",
         "' OR 1=1 --", "burgerzaken", "Paspoort", "/greet", "", " ", "\u202e", "😀" * 3]

texts = st.one_of(st.text(max_size=60), st.sampled_from(NASTY))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=False, allow_infinity=False), texts),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), children, max_size=4)),
    max_leaves=12,
)
bodies = st.one_of(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6), json_values)


@pytest.fixture(scope="module")
def world(stack):
    """Real ids to put in paths: a conversation, its token, a handover, a clerk."""
    clerk = login(stack, "fuzz.klerk")  # first: a handover is only queued while a clerk is available
    conversation = requests.post(f"{stack.bot_url}/api/conversations", timeout=10).json()
    handover = requests.post(f"{stack.internal_url}/api/internal/handovers", timeout=10,
                             headers={"Authorization": f"Bearer {API_TOKEN}"},
                             json={"conversation_id": conversation["id"], "reason": "fuzz"})
    assert handover.status_code == 200 and handover.json()["status"] == "queued", handover.text
    handovers = requests.get(f"{stack.bot_url}/api/desk/handovers", timeout=10, headers=clerk).json()["handovers"]
    return {
        "conversation_id": conversation["id"],
        "conversation_token": conversation["token"],
        "handover_id": str(max(h["id"] for h in handovers)),
        "number": "Z-2026-000001",
        "clerk": clerk,
        # The statistics are for the team lead: fuzzed past the role check with this account.
        "lead": login(stack, "fuzz.lead", role="teamleider"),
        # The review list and the canned responses are the beheerder's.
        "maintainer": login(stack, "fuzz.beheer", role="beheerder"),
        "canned_id": "1",
    }


def test_every_api_route_is_fuzzed():
    from bot.app import create_app
    from bot.settings import settings as current

    app = create_app(dataclasses.replace(current, database_url="sqlite://", internal_port=current.port + 1),
                     name="fuzz_inventory")
    for listener, served in (("public", app), ("internal", app.ctx.internal_app)):
        served.router.finalize()
        paths = {"/" + r.path.replace("<conversation_id:str>", "{conversation_id}")
                 .replace("<handover_id:str>", "{handover_id}").replace("<number:str>", "{number}")
                 .replace("<canned_id:str>", "{canned_id}")
                 .replace("<__file_uri__:path>", "{path}")
                 for r in served.router.routes if not r.name.split(".")[-1].startswith("site_")}
        listed = {path for where, _, path in ROUTES if where == listener}
        assert paths - listed - NOT_FUZZED == set(), listener


@pytest.mark.parametrize("listener,method,path", ROUTES, ids=[f"{m} {p}" for _, m, p in ROUTES])
def test_no_route_answers_5xx(stack, world, listener, method, path):
    base = stack.bot_url if listener == "public" else stack.internal_url
    session = requests.Session()

    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(path_value=st.one_of(st.just(None), texts), query=st.dictionaries(st.sampled_from(["after", "status",
           "conversation", "from", "to"]) | texts, texts, max_size=3), body=bodies,
           auth=st.sampled_from(["none", "own", "wrong"]))
    def check(path_value, query, body, auth):
        filled = path
        try:
            for name in ("conversation_id", "handover_id", "number", "canned_id"):
                value = world[name] if path_value is None else path_value
                filled = filled.replace("{" + name + "}", requests.utils.quote(value, safe=""))
        except UnicodeEncodeError:
            return  # a lone surrogate cannot be put in a URL at all: nothing would reach us
        headers = {}
        if auth == "own":
            if listener == "internal":
                headers["Authorization"] = f"Bearer {API_TOKEN}"
            elif path.startswith("/api/conversations/"):
                headers["Authorization"] = f"Bearer {world['conversation_token']}"
            elif path.startswith("/api/desk/stats"):
                headers.update(world["lead"])
            elif path.startswith(("/api/desk/review", "/api/desk/canned")):
                headers.update(world["maintainer"])
            elif path.startswith("/api/desk"):
                headers.update(world["clerk"])
        elif auth == "wrong":
            headers["Authorization"] = "Bearer " + "x" * 43
        try:
            response = session.request(method, base + filled, params=query, json=body if method in ("POST", "PUT") else None,
                                       headers=headers, timeout=60)
        except UnicodeEncodeError:
            return  # the client library cannot even send this (lone surrogate in a URL): nothing reached us
        assert response.status_code < 500, (method, filled, query, body, response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert response.json()["code"], response.text

    check()
