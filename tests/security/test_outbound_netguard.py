"""The SSRF guard: IPv6 forms that carry a refused IPv4 address, every resolved address checked, the
connection made to the address that was checked (DNS rebinding), and unusable URLs refused when saved."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.clients import netguard
from portal.clients.notify import post_webhook
from portal.clients.openboxes import OpenBoxesClient, OpenBoxesUnsafeUrl
from portal.models import OpenBoxesConnection, Tenant
from portal.sync.digest import Message

NEVER = "never allowed"
PRIVATE = "private or loopback"
REBIND_NAME = "rebind.outbound.test"


@pytest.mark.parametrize(
    ("address", "with_private_allowed", "with_private_refused"),
    [
        ("169.254.169.254", NEVER, NEVER),
        ("64:ff9b::a9fe:a9fe", NEVER, NEVER),  # NAT64 of the metadata address
        ("64:ff9b:1::a9fe:a9fe", NEVER, NEVER),  # NAT64 local-use prefix
        ("2002:a9fe:a9fe::", NEVER, NEVER),  # 6to4
        ("::a9fe:a9fe", NEVER, NEVER),  # IPv4-compatible
        ("::ffff:a9fe:a9fe", NEVER, NEVER),  # IPv4-mapped
        ("2001:0:4136:e378:8000:63bf:5601:5601", NEVER, NEVER),  # Teredo, client 169.254.169.254
        ("64:ff9b::6464:64c8", NEVER, NEVER),  # NAT64 of Alibaba's metadata 100.100.100.200
        ("fd00:ec2::254", NEVER, NEVER),
        ("64:ff9b::a00:1", "", PRIVATE),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "", PRIVATE),  # 6to4 of 127.0.0.1
        ("::ffff:127.0.0.1", "", PRIVATE),
        ("::1", "", PRIVATE),
        ("93.184.215.14", "", ""),
        ("2606:4700:4700::1111", "", ""),
        ("64:ff9b::5db8:d70e", "", ""),  # NAT64 of a public address
    ],
)
def test_address_table(address, with_private_allowed, with_private_refused):
    parsed = ipaddress.ip_address(address)
    for allow_private, expected in ((True, with_private_allowed), (False, with_private_refused)):
        reason = netguard.unsafe_address_reason(parsed, allow_private)
        assert (expected in reason) if expected else reason == "", (address, allow_private, reason)


def fake_dns(monkeypatch, answers: list[str]) -> list[str]:
    """``REBIND_NAME`` resolves to ``answers`` in turn (the last one for ever after); other names as usual.

    Returns the list of answers given, to count how often the name was resolved.
    """
    real, given = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != REBIND_NAME:
            return real(host, port, *args, **kwargs)
        answer = answers[min(len(given), len(answers) - 1)]
        given.append(answer)
        family = socket.AF_INET6 if ":" in answer else socket.AF_INET
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (answer, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return given


def test_every_address_a_name_resolves_to_is_checked(monkeypatch):
    real = socket.getaddrinfo

    def two_answers(host, port, *args, **kwargs):
        if host != REBIND_NAME:
            return real(host, port, *args, **kwargs)
        good = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("93.184.215.14", port))
        bad = (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("64:ff9b::a9fe:a9fe", port, 0, 0))
        return [good, bad]

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)
    with pytest.raises(OpenBoxesUnsafeUrl, match="64:ff9b::a9fe:a9fe"):
        OpenBoxesClient(f"http://{REBIND_NAME}", "admin", "password", "1", allow_private_networks=True)


def test_the_openboxes_client_connects_to_the_address_it_checked(monkeypatch, ob):
    port = int(ob.url.rsplit(":", 1)[1])
    given = fake_dns(monkeypatch, ["127.0.0.1", "169.254.169.254"])
    facility = ob.info()["facilityId"]
    with OpenBoxesClient(
        f"http://{REBIND_NAME}:{port}", "admin", "password", facility, timeout=3, allow_private_networks=True
    ) as client:
        context = client.check()  # login, location, app context: several connections
    assert context.app_version and given == ["127.0.0.1"]  # resolved once; the rebound answer never used


@pytest.fixture
def outbound_hook_receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(
                {"host": self.headers["Host"], "body": self.rfile.read(int(self.headers["Content-Length"]))}
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


def test_the_digest_webhook_posts_to_the_address_it_checked(monkeypatch, app, outbound_hook_receiver):
    port, received = outbound_hook_receiver
    given = fake_dns(monkeypatch, ["127.0.0.1", "169.254.169.254"])
    message = Message(kind="failure_digest", subject="s", text="t", payload={"n": 1})
    assert post_webhook(message, f"http://{REBIND_NAME}:{port}/hook", tenant_id=None) is True
    assert given == ["127.0.0.1"]
    assert received[0]["host"] == f"{REBIND_NAME}:{port}" and json.loads(received[0]["body"]) == {"n": 1}


@pytest.mark.parametrize(
    "url", ["http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::]:8080", "http://[::a9fe:a9fe]/ob"]
)
def test_openboxes_settings_with_a_refused_address_are_not_saved(two_tenants, auth, db, url):
    auth.login("admin@acme.test")
    form = {"base_url": url, "username": "admin", "password": "password", "location_id": "1"}
    page = auth.post("/admin/openboxes/save", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Not saved: " in page and NEVER in page
    assert db.session.scalars(db.select(OpenBoxesConnection)).all() == []


@pytest.mark.parametrize("url", ["http://[64:ff9b::a9fe:a9fe]/hook", "https://[2001:0:4136:e378:8000:63bf:5601:5601]/"])
def test_a_webhook_with_a_refused_address_is_not_saved(two_tenants, auth, db, url):
    auth.login("admin@acme.test")
    form = {"digest_webhook_url": url}
    page = auth.post("/admin/preferences/digest/", data=form, follow_redirects=True).get_data(as_text=True)
    assert NEVER in page
    assert db.session.get(Tenant, two_tenants["acme"].id).digest_webhook_url is None


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    """A certificate for ``name`` and its key, as PEM files (the certificate is its own CA)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def outbound_tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 with a certificate for REBIND_NAME; answers the SNI name it was sent."""
    import ssl

    cert_file, key_file = self_signed(tmp_path, REBIND_NAME)
    seen: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, server_name, ctx: seen.append(server_name)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = self.headers["Host"].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert_file, seen
    server.shutdown()
    server.server_close()


def test_a_pinned_https_connection_keeps_host_sni_and_certificate_check(outbound_tls_server):
    import requests

    port, cert_file, seen = outbound_tls_server
    with requests.Session() as session:
        # The name is in no DNS: the request can only reach the server through the pinned address.
        netguard.pin(session, f"https://{REBIND_NAME}:{port}", ipaddress.ip_address("127.0.0.1"))
        answer = session.get(f"https://{REBIND_NAME}:{port}/", verify=cert_file, timeout=5)
        assert answer.text == f"{REBIND_NAME}:{port}" and seen == [REBIND_NAME]

    with requests.Session() as session:
        netguard.pin(session, f"https://other.outbound.test:{port}", ipaddress.ip_address("127.0.0.1"))
        with pytest.raises(requests.exceptions.SSLError, match="(?i)hostname"):  # a trusted certificate, other name
            session.get(f"https://other.outbound.test:{port}/", verify=cert_file, timeout=5)
