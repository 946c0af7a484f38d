"""The client's address, believing X-Forwarded-For only from trusted proxies."""
from __future__ import annotations

import ipaddress
from functools import lru_cache

from sanic import Request


@lru_cache(maxsize=16)
def _networks(trusted: tuple) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def parse_trusted(trusted: tuple) -> tuple:
    """Check BALIE_TRUSTED_PROXIES at start-up; a wrong entry stops the service with its text."""
    try:
        return _networks(trusted)
    except ValueError as exc:
        raise SystemExit(f"BALIE_TRUSTED_PROXIES: {exc} (use IP addresses or CIDR ranges, comma-separated)")


def _is_trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request) -> str:
    """The address the request came from.

    The peer address, unless the peer is a trusted proxy: then the right-most address in
    X-Forwarded-For that is not itself a trusted proxy (a client can write anything to the
    left of what its proxies appended, so the left-most entry is never believed).
    """
    peer = request.conn_info.client_ip if request.conn_info else ""
    networks = _networks(request.app.ctx.settings.trusted_proxies)
    if not networks or not _is_trusted(peer, networks):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _is_trusted(address, networks):
            return address[:64]
    return peer
