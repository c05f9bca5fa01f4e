"""Real loopback servers for the digest tests: a tiny SMTP server and a webhook receiver.

The SMTP server speaks just enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT) and keeps every message it accepted. Written on ``socketserver`` because ``smtpd`` is gone from
recent Pythons (and deprecated before that). Given a TLS context it also offers STARTTLS (RFC 3207) and
refuses AUTH and MAIL before it; given credentials it offers AUTH PLAIN and LOGIN (RFC 4954), records every
attempt and refuses MAIL until one succeeded. ``ThrowawayCa`` makes its certificates at test time.
"""

from __future__ import annotations

import base64
import email
import ipaddress
import json
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: Message
    tls: str | None = None  # the TLS version the message came over, None for plain text


@dataclass
class Login:
    mechanism: str
    username: str
    password: str
    accepted: bool
    tls: str | None


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpServer

    def handle(self) -> None:
        self.tls: str | None = None
        self.authenticated = False
        self.sender, self.recipients = "", []
        self._reply("220 localhost test SMTP")
        while line := self.rfile.readline():
            if not self._command(line.decode().rstrip("\r\n")):
                return

    def finish(self) -> None:
        super().finish()
        if self.tls:  # the TLS socket took over the accepted one, which the server closes
            self.connection.close()

    def _command(self, command: str) -> bool:
        """Answer one command; False ends the session."""
        verb = command.split(" ", 1)[0].upper()
        refusal = self._refusal(verb)
        if refusal:
            self._reply(refusal)
        elif verb == "EHLO":
            self._ehlo()
        elif verb == "STARTTLS":
            return self._starttls()
        elif verb == "AUTH":
            self._auth(command.split()[1:])
        elif verb == "MAIL":
            self.sender, self.recipients = command.split(":", 1)[1].strip().strip("<>"), []
            self._reply("250 OK")
        elif verb == "RCPT":
            self.recipients.append(command.split(":", 1)[1].strip().strip("<>"))
            self._reply("250 OK")
        elif verb == "DATA":
            self._reply("354 End data with <CR><LF>.<CR><LF>")
            self.server.mails.append(Mail(self.sender, self.recipients, self._read_data(), self.tls))
            self._reply("250 OK queued")
        elif verb == "QUIT":
            self._reply("221 Bye")
            return False
        else:  # HELO, RSET, NOOP
            self._reply("250 OK")
        return True

    def _refusal(self, verb: str) -> str | None:
        """What a relay that wants TLS, then a login, answers to a command sent too early."""
        if verb in ("AUTH", "MAIL") and self.server.tls and not self.tls:
            return "530 5.7.0 Must issue a STARTTLS command first"
        if verb == "MAIL" and self.server.credentials and not self.authenticated:
            return "530 5.7.0 Authentication required"
        if verb == "STARTTLS" and (not self.server.tls or self.tls):
            return "502 5.5.1 STARTTLS not offered"
        return None

    def _ehlo(self) -> None:
        features = ["localhost", "8BITMIME"]
        if self.server.tls and not self.tls:
            features.append("STARTTLS")
        if self.server.credentials and (self.tls or not self.server.tls):
            features.append("AUTH PLAIN LOGIN")
        for feature in features[:-1]:
            self._reply(f"250-{feature}")
        self._reply(f"250 {features[-1]}")

    def _starttls(self) -> bool:
        """Switch the connection to TLS; False (session over) when the client gave up on the handshake."""
        self._reply("220 2.0.0 Ready to start TLS")
        self.rfile.close()
        try:
            self.connection = self.server.tls.wrap_socket(self.connection, server_side=True)
        except OSError as error:  # ssl.SSLError included: the client refused our certificate
            self.server.tls_failures.append(type(error).__name__)
            return False
        self.tls = self.connection.version()
        self.rfile = self.connection.makefile("rb")
        self.authenticated = False  # RFC 3207: forget everything said before TLS
        return True

    def _auth(self, words: list[str]) -> None:
        mechanism = words[0].upper() if words else ""
        if mechanism == "PLAIN":
            _, username, password = _unbase64(words[1] if len(words) > 1 else self._challenge("")).split("\0", 2)
        elif mechanism == "LOGIN":
            username = _unbase64(words[1] if len(words) > 1 else self._challenge("VXNlcm5hbWU6"))
            password = _unbase64(self._challenge("UGFzc3dvcmQ6"))
        else:
            self._reply("504 5.5.4 Unrecognized authentication type")
            return
        self.authenticated = (username, password) == self.server.credentials
        self.server.logins.append(Login(mechanism, username, password, self.authenticated, self.tls))
        self._reply("235 2.7.0 Authentication successful" if self.authenticated else "535 5.7.8 Bad credentials")

    def _challenge(self, prompt: str) -> str:
        self._reply(f"334 {prompt}")
        return self.rfile.readline().decode().strip()

    def _read_data(self) -> Message:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return email.message_from_bytes(b"".join(lines))

    def _reply(self, text: str) -> None:
        self.connection.sendall(text.encode() + b"\r\n")


def _unbase64(text: str) -> str:
    return base64.b64decode(text).decode()


class SmtpServer(socketserver.ThreadingTCPServer):
    """Plain SMTP by default; ``tls`` (a server context) adds STARTTLS, ``credentials`` requires AUTH."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext | None = None, credentials: tuple[str, str] | None = None):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.tls, self.credentials = tls, credentials
        self.mails: list[Mail] = []
        self.logins: list[Login] = []
        self.tls_failures: list[str] = []
        self.port = self.server_address[1]


class ThrowawayCa:
    """A CA made for one test, its certificate in ``directory/ca.pem``; issues server certificates."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bridge throwaway test CA")])
        builder = _certificate(name, name, self.key.public_key()).add_extension(
            x509.BasicConstraints(ca=True, path_length=0), critical=True
        )
        self.cert = builder.add_extension(_key_usage(ca=True), critical=True).sign(self.key, hashes.SHA256())
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, names: tuple[str, ...] = LOOPBACK_NAMES) -> ssl.SSLContext:
        """A TLS server context whose certificate, signed by this CA, is valid for ``names``."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        builder = _certificate(subject, self.cert.subject, key.public_key())
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), False)
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(_key_usage(ca=False), critical=True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key())
        cert = builder.add_extension(authority, critical=False).sign(self.key, hashes.SHA256())
        cert_file, key_file = self.directory / f"{names[0]}.pem", self.directory / f"{names[0]}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context


def _certificate(subject: x509.Name, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    """A one-day certificate (valid from five minutes ago) with a random serial and a key identifier."""
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


@dataclass
class WebhookReceiver:
    """Records every JSON body POSTed to it; answers ``status``."""

    status: int = 200
    payloads: list[dict] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.paths.append(request.full_path)
        self.payloads.append(json.loads(request.get_data()))
        return Response("ok", status=self.status)(environ, start_response)

    def of(self, kind: str) -> list[dict]:
        return [payload for payload in self.payloads if payload["type"] == kind]


def serve_in_thread(server):
    """Start ``server.serve_forever`` in a daemon thread; returns a function that stops it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop


def start_webhook(receiver: WebhookReceiver):
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    return f"http://127.0.0.1:{server.server_port}", serve_in_thread(server)
