"""Intuit OAuth 2 token bookkeeping: codes, access tokens, rotating refresh tokens, revocation."""

from __future__ import annotations

import secrets

from .clock import now
from .options import SandboxOptions
from .store import State

# Intuit access tokens are long JWE strings; long values catch columns sized for short tokens.
JWE_HEADER = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIiwia2lkIjoic2FuZGJveCJ9.."


class OAuthError(Exception):
    """An RFC 6749 error answer of the token endpoint."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.status = error, description, status

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


class TokenService:
    """All token state lives in ``State.tokens`` keyed by the token value."""

    def __init__(self, state: State, options: SandboxOptions) -> None:
        self.state, self.options = state, options

    def issue_code(self, realm: str, client_id: str, redirect_uri: str, scope: str) -> str:
        code = "AB11" + secrets.token_urlsafe(36)
        data = {"kind": "code", "realm": realm, "client_id": client_id, "redirect_uri": redirect_uri}
        data.update(scope=scope, expires_at=now() + self.options.code_lifetime, used=False, family=None)
        self.state.put_token(code, data)
        return code

    def exchange_code(self, code: str, redirect_uri: str | None, client_id: str, hard: bool) -> dict:
        """A code works once; a second exchange fails and revokes what the first one issued."""
        with self.state.lock:
            data = self.state.tokens.get(code)
            if data is None or data["kind"] != "code" or data["client_id"] != client_id:
                raise OAuthError("invalid_grant", "Invalid authorization code")
            if data["used"]:
                self.revoke_family(data["family"])
                raise OAuthError("invalid_grant", "Authorization code has already been used")
            if data["expires_at"] < now():
                raise OAuthError("invalid_grant", "Authorization code has expired")
            if redirect_uri != data["redirect_uri"]:
                raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
            family = secrets.token_hex(8)
            self.state.put_token(code, {**data, "used": True, "family": family})
            hard_at = now() + self.options.refresh_token_hard_lifetime
            return self._issue_pair(data["realm"], client_id, family, hard_at, hard)

    def refresh(self, refresh_token: str, client_id: str, hard: bool) -> dict:
        """Rotate: the presented refresh token is dead as soon as its successor exists."""
        with self.state.lock:
            data = self.state.tokens.get(refresh_token)
            if data is None or data["kind"] != "refresh" or data["client_id"] != client_id:
                raise OAuthError("invalid_grant", "Incorrect or invalid refresh token")
            if min(data["expires_at"], data["hard_expires_at"]) < now():
                raise OAuthError("invalid_grant", "Token has been expired or revoked")
            self.state.drop_token(refresh_token)
            return self._issue_pair(data["realm"], client_id, data["family"], data["hard_expires_at"], hard)

    def realm_of(self, token: str | None) -> str | None:
        data = self.state.tokens.get(token or "")
        return data["realm"] if data else None

    def _issue_pair(self, realm: str, client_id: str, family: str, hard_at: float, hard: bool) -> dict:
        self._prune()
        issued = now()
        access = JWE_HEADER + secrets.token_urlsafe(600)
        refresh = "AB11" + secrets.token_urlsafe(36)
        base = {"realm": realm, "client_id": client_id, "family": family}
        access_at = issued + self.options.access_token_lifetime
        self.state.put_token(access, {**base, "kind": "access", "expires_at": access_at})
        refresh_at = min(issued + self.options.refresh_token_lifetime, hard_at)
        refresh_data = {**base, "kind": "refresh", "expires_at": refresh_at, "hard_expires_at": hard_at}
        self.state.put_token(refresh, refresh_data)
        answer = {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": self.options.access_token_lifetime,
            "refresh_token": refresh,
            "x_refresh_token_expires_in": max(0, round(refresh_at - issued)),
        }
        if hard:
            answer["x_refresh_token_hard_expires_in"] = max(0, round(hard_at - issued))
        return answer

    def issue_for(self, realm: str) -> dict:
        """Mint a connection without the consent dance (control API; tests, demo, benchmark)."""
        with self.state.lock:
            hard_at = now() + self.options.refresh_token_hard_lifetime
            return self._issue_pair(realm, self.options.client_id, secrets.token_hex(8), hard_at, True)

    def check_access(self, token: str) -> tuple[str | None, str]:
        """(realm, "") for a live access token, else (None, why it was refused)."""
        data = self.state.tokens.get(token)
        if data is None or data["kind"] != "access":
            return None, "Token invalid or revoked"
        if data["expires_at"] < now():
            return None, "Token expired"
        return data["realm"], ""

    def revoke(self, token: str) -> None:
        """Revoking either token disconnects the app from that company (the whole family goes)."""
        data = self.state.tokens.get(token)
        if data is not None and data.get("family"):
            self.revoke_family(data["family"])

    def revoke_family(self, family: str | None) -> None:
        with self.state.lock:
            for value, data in list(self.state.tokens.items()):
                if family and data.get("family") == family and data["kind"] != "code":
                    self.state.drop_token(value)

    def revoke_realm(self, realm: str | None) -> int:
        with self.state.lock:
            doomed = [v for v, d in self.state.tokens.items() if realm in (None, d["realm"])]
            for value in doomed:
                self.state.drop_token(value)
            return len(doomed)

    def expire(self, realm: str | None, kind: str, token: str | None = None) -> int:
        """Make matching access or refresh tokens expired now."""
        with self.state.lock:
            hits = 0
            for value, data in list(self.state.tokens.items()):
                if data["kind"] == kind and realm in (None, data["realm"]) and token in (None, value):
                    self.state.put_token(value, {**data, "expires_at": now() - 1})
                    hits += 1
            return hits

    def _prune(self) -> None:
        """Forget access tokens that expired long ago so long benchmarks don't grow memory."""
        cutoff = now() - 86_400
        for value, data in list(self.state.tokens.items()):
            if data["kind"] in ("access", "code") and data["expires_at"] < cutoff:
                self.state.drop_token(value)
