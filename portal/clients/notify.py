"""Notifications leaving the bridge: email by SMTP and JSON by webhook.

SMTP logs in only over STARTTLS with a verified certificate (the system's CAs plus ``SMTP_CA_FILE``).
A webhook's host must resolve only to addresses we may call, and the post goes to the address just
checked (pinned), never to a second DNS answer. Logs name the tenant and the webhook's host only:
webhook paths and queries often carry a secret, and SMTP replies may quote credentials.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from email.message import EmailMessage
from urllib.parse import urlsplit

import requests
from flask import current_app

from portal.clients.netguard import Address, UnsafeAddress, checked_address, pin
from portal.sync import digest as compose
from portal.sync.digest import Message

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_SECONDS = 10
SMTP_TIMEOUT_SECONDS = 10
CLEARTEXT_LOGIN_REFUSED = "SMTP_USERNAME is set but SMTP_STARTTLS is off: the password would cross unencrypted"


def send_email(message: Message, recipients: list[str], tenant_id: int | None) -> bool:
    """Send by SMTP (STARTTLS with a verified certificate unless turned off); False and a warning on any error.

    The warning names the error type and the tenant only: never the password, nor the server's reply.
    """
    config = current_app.config
    if config["SMTP_USERNAME"] and not config["SMTP_STARTTLS"]:
        log.warning("digest: email %s for tenant=%s not sent: %s", message.kind, tenant_id, CLEARTEXT_LOGIN_REFUSED)
        return False
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=smtp_tls_context(config["SMTP_CA_FILE"]))
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(_email(message, recipients, config["SMTP_FROM"]))
    except (OSError, smtplib.SMTPException) as error:  # OSError includes ssl.SSLError (a failed certificate check)
        log.warning("digest: email %s for tenant=%s not sent: %s", message.kind, tenant_id, type(error).__name__)
        return False
    return True


def smtp_tls_context(ca_file: str) -> ssl.SSLContext:
    """The system's trusted CAs, plus ``ca_file`` when set; the certificate and host name are always checked."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _email(message: Message, recipients: list[str], sender: str) -> EmailMessage:
    """The digest as a plain-text email."""
    email = EmailMessage()
    # One line: a tenant name holding a line break must not break the header (EmailMessage refuses it).
    email["Subject"], email["From"], email["To"] = " ".join(message.subject.split()), sender, ", ".join(recipients)
    email.set_content(message.text)
    return email


def post_webhook(message: Message, url: str, tenant_id: int | None) -> bool:
    where = compose.webhook_host(url)
    try:
        address = refuse_unsafe_webhook(url)
        with requests.Session() as session:
            pin(session, url_origin(url), address)  # connect to the address just checked, not a new DNS answer
            response = session.post(url, json=message.payload, timeout=WEBHOOK_TIMEOUT_SECONDS, allow_redirects=False)
    except (ValueError, requests.RequestException) as error:
        # Our own refusals name only the host; requests' errors (some are ValueErrors) may quote the whole URL.
        ours = isinstance(error, ValueError) and not isinstance(error, requests.RequestException)
        reason = str(error) if ours else type(error).__name__
        log.warning("digest: webhook %s to %s for tenant=%s failed: %s", message.kind, where, tenant_id, reason)
        return False
    if not 200 <= response.status_code < 300:
        log.warning(
            "digest: webhook %s to %s for tenant=%s answered %s", message.kind, where, tenant_id, response.status_code
        )
        return False
    return True


def url_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def refuse_unsafe_webhook(url: str) -> Address:
    """The address to post to; ValueError unless the URL is http(s) and its host resolves only to addresses we
    may call.

    Same rule as the OpenBoxes client (``portal.clients.netguard``): link-local and metadata addresses never;
    private and loopback ones only where ``OPENBOXES_ALLOW_PRIVATE_NETWORKS`` allows them (development).
    """
    compose.check_webhook_url(url)
    parts = urlsplit(url)
    allow_private = current_app.config["OPENBOXES_ALLOW_PRIVATE_NETWORKS"]
    try:
        return checked_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), allow_private)
    except (socket.gaierror, UnicodeError):
        raise ValueError(f"The webhook host {parts.hostname} could not be resolved: check the URL") from None
    except UnsafeAddress as unsafe:
        raise ValueError(f"The webhook host {parts.hostname} is {unsafe.reason}: use a public URL") from None
