"""Who is at the other end of a request: the portal's loopback-only doors.

The address is the socket's peer, never a header the client writes. A request that came
through a reverse proxy carries forwarding headers; the proxy itself may be on loopback,
so such a request never counts as loopback (the public would get through the proxy).
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Network, IPv6Network

from sanic import Request

FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
Network = IPv4Network | IPv6Network


def networks(text: str, name: str = "MAPBOT_INTERNAL_NETWORKS") -> tuple[Network, ...]:
    """`10.1.0.0/16, 192.168.5.7` -> networks; a mistake stops the portal at start."""
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False)
                     for part in text.split(",") if part.strip())
    except ValueError as problem:
        raise ValueError(f"{name}: {problem}") from None


def peer_ip(request: Request) -> str:
    """The socket peer's address (tests without a socket replace this)."""
    return request.ip


def is_local(request: Request, allowed: tuple[Network, ...] = ()) -> bool:
    """True when the request came straight (no proxy) from loopback, or from one of the
    `allowed` networks."""
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(peer_ip(request))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is loopback too
    if mapped is not None:
        address = mapped
    return address.is_loopback or any(address in network for network in allowed)
