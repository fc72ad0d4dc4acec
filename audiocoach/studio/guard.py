"""Who may talk to the studio: only pages it served itself, at its own address.

The studio writes files, so another web site open in the same browser must not reach it: a
request whose Host is not the studio's (a DNS-rebinding page) or whose Origin is another site's
is refused before any route runs, and on an address other than loopback every request needs
the token printed with the studio's URL.
"""

from __future__ import annotations

import json
import secrets
from typing import Iterable
from urllib.parse import parse_qs

from starlette.datastructures import Headers

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TOKEN_HEADER = "x-studio-token"


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def own_hosts(host: str, port: int, also: Iterable[str] = ()) -> list[str]:
    """The Host headers a browser sends to reach the studio on host:port."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    if not is_loopback(host) and host not in ("0.0.0.0", "::"):
        names.add(f"[{host}]" if ":" in host else host)
    names.update(also)
    return sorted(f"{name}:{port}" for name in names)


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Guard:
    """ASGI middleware: 403 for a foreign Host or Origin, or a missing token where one is needed."""

    def __init__(self, app, hosts: Iterable[str], token: str | None):
        self.app = app
        self.hosts = {host.lower() for host in hosts}
        self.origins = {f"http://{host}" for host in self.hosts}
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"problems": [{"message": refusal, "fix": "open the address the "
                                         "studio printed", "field": None, "line": None,
                                         "col": None}]}).encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def refusal(self, scope) -> str | None:
        """Why the request is refused, or None."""
        headers = Headers(scope=scope)
        if headers.get("host", "").lower() not in self.hosts:
            return "this studio answers only at its own address"
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return "a page of another site may not use the studio"
        if self.token is not None:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = headers.get(TOKEN_HEADER) or (query.get("token") or [""])[0]
            if not secrets.compare_digest(given.encode(), self.token.encode()):
                return "the studio's token is missing or wrong"
        return None
