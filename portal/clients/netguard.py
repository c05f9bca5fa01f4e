"""Which network addresses the bridge may call (SSRF guard for configured URLs).

Used by the OpenBoxes client for its base URL and by the failure digest for webhook URLs.
"""

from __future__ import annotations

import ipaddress
import socket

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


def resolve(host: str, port: int) -> list[Address]:
    """Every address the host name resolves to (zone ids dropped).

    Raises:
        socket.gaierror, UnicodeError: The name does not resolve (or cannot be encoded).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def unsafe_address_reason(address: Address, allow_private: bool) -> str:
    """Why the address is refused, or "" when it may be called."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in ALWAYS_BLOCKED if network.version == address.version):
        return "a link-local, metadata, multicast or unspecified address that is never allowed"
    private = address.is_private or address.is_loopback or address in SHARED_ADDRESS_SPACE
    if private and not allow_private:
        return "a private or loopback address (not allowed by this installation's configuration)"
    return ""
