"""Real loopback servers for the digest tests: a tiny SMTP server and a webhook receiver.

The SMTP server speaks just enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT) and keeps every message it accepted. Written on ``socketserver`` because ``smtpd`` is gone from
recent Pythons (and deprecated before that).
"""

from __future__ import annotations

import email
import json
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import Message

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: Message


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self._reply("220 localhost test SMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode().rstrip("\r\n")
            verb = command[:4].upper()
            if verb == "EHLO":
                self._reply("250-localhost")
                self._reply("250 8BITMIME")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                self.server.mails.append(Mail(sender, recipients, self._read_data()))
                self._reply("250 OK queued")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:  # HELO, RSET, NOOP
                self._reply("250 OK")

    def _read_data(self) -> Message:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return email.message_from_bytes(b"".join(lines))

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.mails: list[Mail] = []
        self.port = self.server_address[1]


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
