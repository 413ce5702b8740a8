"""Judge stage, redaction: secrets are cut out of any server text before it reaches an audit,
a cassette or the terminal. A server, a proxy or a gateway may echo the request's headers
or its key back in an error, and that text is then written wherever the error goes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"
SECRET_HEADERS = ("authorization", "api-key", "x-api-key")  # how clients send a key
_PATTERNS = (
    # Header lines and JSON fields: Authorization: Bearer …, "api-key": "…", x-api-key=…
    re.compile(
        r"(?i)((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic|token)?\s*)"
        r"[^\s\"',;}]+"
    ),
    re.compile(r"(?i)((?:x-)?api[-_]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',;}&]+"),
    re.compile(r"(?i)(\bbearer\s+)[^\s\"',;}]+"),
    # OpenAI-style keys, and the user information of a URL (https://user:secret@host).
    re.compile(r"()\bsk-[A-Za-z0-9_-]{8,}"),
    re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+(@)"),
)


def header_secrets(headers: Mapping[str, str]) -> list[str]:
    """The secrets a request's headers carry, to redact from what comes back."""
    return [v for k, v in headers.items() if k.lower() in SECRET_HEADERS and v]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret, and anything shaped like one, replaced."""
    for secret in sorted({s.strip() for s in secrets}, key=len, reverse=True):
        bare = secret.removeprefix("Bearer ").strip()
        for value in {secret, bare}:
            if len(value) >= 4:  # a very short "key" would redact ordinary words
                text = text.replace(value, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(_replace, text)
    return text


def _replace(match: re.Match[str]) -> str:
    after = match.group(2) if (match.lastindex or 0) >= 2 else ""
    return match.group(1) + REDACTED + after
