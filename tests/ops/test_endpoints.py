"""Which endpoints file Rasa gets, and what Rasa reads from it (Rasa's own reader, no server)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import read_endpoint_config

from ops.supervise import ROOT, SettingsError, port_of, rasa_endpoints


def stores(tracker: str = "", lock: str = "") -> SimpleNamespace:
    return SimpleNamespace(rasa_tracker_store_url=tracker, rasa_lock_store_url=lock)


def test_without_store_settings_rasa_keeps_everything_in_memory(monkeypatch):
    assert rasa_endpoints(stores()) == ("endpoints.yml", {})
    monkeypatch.setenv("ACTIONS_URL", "http://127.0.0.1:5055")
    assert read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store") is None
    assert read_endpoint_config(str(ROOT / "endpoints.yml"), "lock_store") is None


def test_with_both_urls_rasa_gets_the_sql_tracker_store_and_the_redis_lock_store(monkeypatch):
    name, env = rasa_endpoints(stores("postgresql://postgres@127.0.0.1:5432/balie_rasa",
                                      "redis://:geheim@redis.example:6380/2"))
    assert name == "endpoints-scaled.yml"
    for key, value in {**env, "ACTIONS_URL": "http://127.0.0.1:5055"}.items():
        monkeypatch.setenv(key, value)
    tracker = read_endpoint_config(str(ROOT / name), "tracker_store")
    lock = read_endpoint_config(str(ROOT / name), "lock_store")
    assert (tracker.type, tracker.url) == ("SQL", "postgresql://postgres@127.0.0.1:5432/balie_rasa")
    assert (lock.type, lock.url) == ("redis", "redis.example")
    assert lock.kwargs == {"port": "6380", "db": "2", "password": "geheim"}


def test_the_lock_url_defaults_to_port_6379_database_0_and_no_password():
    _, env = rasa_endpoints(stores("postgresql://x/y", "redis://127.0.0.1"))
    assert (env["RASA_LOCK_STORE_PORT"], env["RASA_LOCK_STORE_DB"], env["RASA_LOCK_STORE_PASSWORD"]) == ("6379", "0", "")


@pytest.mark.parametrize("tracker, lock", [("postgresql://x/y", ""), ("", "redis://127.0.0.1:6379/1"),
                                           ("postgresql://x/y", "127.0.0.1:6379"),
                                           ("postgresql://x/y", "redis://127.0.0.1:6379/lock")])
def test_one_store_without_the_other_or_a_wrong_lock_url_is_refused(tracker, lock):
    with pytest.raises(SettingsError, match="RASA_"):
        rasa_endpoints(stores(tracker, lock))


def test_rasa_refuses_an_unset_variable_so_the_default_file_has_none(monkeypatch):
    """Why there are two files: `${VAR}` cannot fall back to in-memory when VAR is unset."""
    monkeypatch.setenv("ACTIONS_URL", "http://127.0.0.1:5055")
    monkeypatch.delenv("RASA_TRACKER_STORE_URL", raising=False)
    with pytest.raises(RasaException, match="RASA_TRACKER_STORE_URL"):
        read_endpoint_config(str(ROOT / "endpoints-scaled.yml"), "tracker_store")


def test_ports_come_from_the_url_settings():
    assert port_of("http://127.0.0.1:5005", "RASA_URL") == 5005
    with pytest.raises(SettingsError, match="ACTIONS_URL"):
        port_of("http://127.0.0.1", "ACTIONS_URL")
