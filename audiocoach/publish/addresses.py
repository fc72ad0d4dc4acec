"""The addresses of a shared folder's files: relative links, and the folder's web address."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from audiocoach.errors import AudiocoachError, Kind, Problem


def href(name: str) -> str:
    """A file of the folder as a relative URL: spaces, `#`, `?`, `&`, `%` and letters beyond
    ASCII percent-encoded (as UTF-8), so that a browser asks for exactly that file."""
    return quote(name, safe="")


def url(base_url: str | None, name: str) -> str:
    return base_url + href(name) if base_url else href(name)


def web_address(text: str) -> str:
    """`--base-url` as the absolute URL of a folder: http(s), a host, a path ending in `/`, and
    what a URL may not hold as it is (spaces, letters beyond ASCII) percent-encoded."""
    def wrong(message: str, fix: str = "write it like https://example.org/stretches/"):
        return AudiocoachError(Problem(message, fix, field="--base-url"), Kind.USAGE)

    parts = urlsplit(text.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise wrong(f"{text} is not a web address", "start it with https://")
    if parts.query or parts.fragment:
        raise wrong(f"{text} has a query or fragment (`?`, `#`); a folder's address has neither")
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError) as error:
        raise wrong(f"{text} has no valid host and port: {error}") from None
    if not host:
        raise wrong(f"{text} names no host")
    user, at, _ = parts.netloc.rpartition("@")
    netloc = (quote(user, safe="%:!$&'()*+,;=-._~") + at + (f"[{host}]" if ":" in host else host)
              + (f":{port}" if port is not None else ""))
    path = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", parts.path)  # a lone % is a percent sign
    path = quote(path, safe="/%!$&'()*+,;=:@-._~")
    return f"{parts.scheme.lower()}://{netloc}{path.rstrip('/')}/"
