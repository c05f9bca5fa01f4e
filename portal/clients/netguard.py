"""Which network addresses the bridge may call (SSRF guard for configured URLs), and connecting only there.

Used by the OpenBoxes client for its base URL and by the failure digest for webhook URLs. A host name is
resolved once: every address it resolves to is checked, and the connection then goes to a checked address
(:class:`PinnedAdapter`), so a DNS answer that changes between the check and the connection (rebinding)
cannot lead the request anywhere else. The Host header, TLS SNI and certificate check keep the host name.
"""

from __future__ import annotations

import ipaddress
import socket

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Refused whatever the configuration: link-local (cloud metadata lives there), unspecified, multicast,
# reserved, broadcast, and metadata endpoints that sit outside link-local.
ALWAYS_BLOCKED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "168.63.129.16/32",  # Azure host services
        "::/128",
        "fe80::/10",
        "ff00::/8",
        "fd00:ec2::254/128",  # AWS IPv6 metadata
    )
)
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: private in practice
# IPv6 prefixes whose last 32 bits are an IPv4 address a translator or the kernel will reach for us.
IPV4_TAIL_PREFIXES = tuple(
    ipaddress.ip_network(net)
    for net in (
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local-use prefix
        "::/96",  # IPv4-compatible (deprecated, still routed by some stacks)
    )
)


class UnsafeAddress(ValueError):
    """A host resolves to an address the bridge refuses to call; ``address`` and ``reason`` say which and why."""

    def __init__(self, host: str, address: Address, reason: str) -> None:
        super().__init__(f"{host} resolves to {address}, {reason}")
        self.host, self.address, self.reason = host, address, reason


def resolve(host: str, port: int) -> list[Address]:
    """Every address the host name resolves to (zone ids dropped).

    Raises:
        socket.gaierror, UnicodeError: The name does not resolve (or cannot be encoded).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def checked_address(host: str, port: int, allow_private: bool) -> Address:
    """Resolve ``host`` once, check every address it resolves to, and return the one to connect to.

    Raises:
        socket.gaierror, UnicodeError: The name does not resolve.
        UnsafeAddress: One of its addresses is refused (one bad answer refuses the host).
    """
    addresses = resolve(host, port)
    for address in addresses:
        if reason := unsafe_address_reason(address, allow_private):
            raise UnsafeAddress(host, address, reason)
    return addresses[0]


def unsafe_address_reason(address: Address, allow_private: bool) -> str:
    """Why the address is refused, or "" when it may be called.

    An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4, Teredo, IPv4-compatible) is judged by
    the IPv4 addresses it carries as well as by itself.
    """
    candidates = (address, *embedded_ipv4(address))
    if any(_in_any(candidate, ALWAYS_BLOCKED) for candidate in candidates):
        return "a link-local, metadata, multicast or unspecified address that is never allowed"
    if not allow_private and any(_is_private(candidate) for candidate in candidates):
        return "a private or loopback address (not allowed by this installation's configuration)"
    return ""


def embedded_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (none for IPv4 or plain IPv6 addresses)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if any(address in prefix for prefix in IPV4_TAIL_PREFIXES) and address not in (
        ipaddress.IPv6Address("::"),
        ipaddress.IPv6Address("::1"),
    ):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [ipv4 for ipv4 in found if ipv4 is not None]


def _in_any(address: Address, networks) -> bool:
    return any(address in network for network in networks if network.version == address.version)


def _is_private(address: Address) -> bool:
    return address.is_private or address.is_loopback or address in SHARED_ADDRESS_SPACE


# --- connecting to the checked address ------------------------------------------------------------------


class _PinnedConnection:
    """Mixin: open the TCP connection to ``pinned_address`` while ``host`` stays the name (Host, SNI, cert)."""

    pinned_address: str = ""

    def _new_conn(self):
        name = self._dns_host
        self._dns_host = self.pinned_address  # only for the socket; restored before TLS reads self.host
        try:
            return super()._new_conn()
        finally:
            self._dns_host = name


class PinnedAdapter(HTTPAdapter):
    """A requests adapter whose connections all go to one checked address (mount it on that host's URL)."""

    def __init__(self, address: Address, **kwargs) -> None:
        self.address = str(address)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        pinned = {"pinned_address": self.address}
        http = type("PinnedHTTPConnection", (_PinnedConnection, HTTPConnection), pinned)
        https = type("PinnedHTTPSConnection", (_PinnedConnection, HTTPSConnection), pinned)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("PinnedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("PinnedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }


def pin(session, origin: str, address: Address) -> None:
    """Send every request of ``session`` (one session per configured ``origin``) to ``address`` only.

    The adapter is mounted for every http(s) URL, not just ``origin``'s spelling: requests sends an
    international or percent-encoded host name in another form (punycode, decoded), which a prefix
    mount for the original spelling would miss and resolve again. The session stops reading proxy
    settings from the environment: a proxy would choose the address itself.
    """
    session.trust_env = False
    for prefix in ("http://", "https://"):
        if (previous := session.adapters.get(prefix)) is not None:
            previous.close()
        session.mount(prefix, PinnedAdapter(address))
