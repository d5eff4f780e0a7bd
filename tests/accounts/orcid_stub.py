"""A local stand-in for ORCID's OAuth endpoints and public API (no network in tests).

``/oauth/authorize`` answers like orcid.org after the person clicks "Authorize": a
redirect to ``redirect_uri`` with a one-time code and the state it was given.
``/oauth/token`` trades that code (with the right client id and secret) for a token and
the person's iD, and ``/v3.0/<iD>/record`` serves their public record (ORCID's JSON).
Every request is kept in ``requests_seen`` for the tests to inspect.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


class OrcidStub:
    def __init__(self, *, orcid: str, given: str, family: str, client_id: str, secret: str):
        self.orcid, self.given, self.family = orcid, given, family
        self.client_id, self.secret = client_id, secret
        self.codes: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.requests_seen: list[tuple[str, str, dict]] = []
        self.fail_token = False
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: dict | None = None, headers: dict | None = None):
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                stub.requests_seen.append(
                    ("GET", url.path, query | {"_accept": self.headers.get("Accept", "")})
                )
                if url.path == "/oauth/authorize":
                    if (
                        query.get("client_id") != stub.client_id
                        or query.get("response_type") != "code"
                    ):
                        return self._send(400, {"error": "invalid_request"})
                    code = secrets.token_hex(8)
                    stub.codes[code] = query["redirect_uri"]
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query.get("state", "")})
                    )
                    return self._send(302, None, {"Location": target})
                if url.path == f"/v3.0/{stub.orcid}/record":
                    return self._send(200, stub.record())
                return self._send(404, {"error": "not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                stub.requests_seen.append(("POST", self.path, form))
                if self.path != "/oauth/token" or stub.fail_token:
                    return self._send(500, {"error": "server_error"})
                ok = (
                    form.get("client_id") == stub.client_id
                    and form.get("client_secret") == stub.secret
                    and form.get("grant_type") == "authorization_code"
                    and stub.codes.pop(form.get("code", ""), None) == form.get("redirect_uri")
                )
                if not ok:
                    return self._send(400, {"error": "invalid_grant"})
                token = secrets.token_hex(8)
                stub.tokens.add(token)
                return self._send(200, {
                    "access_token": token, "token_type": "bearer", "refresh_token": "r",
                    "expires_in": 631138518, "scope": "/authenticate",
                    "name": f"{stub.given} {stub.family}", "orcid": stub.orcid,
                })  # fmt: skip

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def record(self) -> dict:
        return {
            "orcid-identifier": {
                "uri": f"https://orcid.org/{self.orcid}", "path": self.orcid, "host": "orcid.org",
            },
            "person": {
                "name": {
                    "given-names": {"value": self.given}, "family-name": {"value": self.family},
                },
                "emails": {"email": []},
            },
        }  # fmt: skip

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
