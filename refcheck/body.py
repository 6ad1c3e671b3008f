"""Reading an HTTP response body within a byte budget: Content-Encoding gzip/deflate decoded here,
incrementally, so neither a huge body nor a compression bomb is ever held in memory beyond the budget."""

from __future__ import annotations

import zlib

import httpx

ACCEPT_ENCODING = "gzip, deflate"  # what `BodyDecoder` reads; asked for explicitly


class BodyTooLarge(Exception):
    """The body is longer than the budget (as declared, or once decoded)."""


class BodyDecoder:
    """Content-Encoding identity/gzip/deflate, inflating at most `limit` bytes in total."""

    def __init__(self, encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if any(c not in ("gzip", "x-gzip", "deflate") for c in codings) or len(codings) > 1:
            raise ValueError(f"content-encoding {encoding!r} not supported")
        self._zlib = zlib.decompressobj(47) if codings else None  # 47: gzip or zlib header, detected
        self.remaining = limit
        self.truncated = False

    def decode(self, data: bytes) -> bytes:
        if self.remaining <= 0:
            self.truncated = True
            return b""
        if self._zlib is None:
            out = data[: self.remaining]
            if len(out) < len(data):
                self.truncated = True
        else:
            out = self._zlib.decompress(data, self.remaining)
            if self._zlib.unconsumed_tail:
                self.truncated = True
        self.remaining -= len(out)
        return out


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """A streamed response's whole body, decoded; `BodyTooLarge` past `limit` bytes, `ValueError` for
    a Content-Encoding not read here."""
    declared = (response.headers.get("content-length") or "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"{int(declared)} bytes declared")
    decoder = BodyDecoder(response.headers.get("content-encoding"), limit)
    parts: list[bytes] = []
    async for chunk in response.aiter_raw():
        parts.append(decoder.decode(chunk))
        if decoder.truncated:
            raise BodyTooLarge(f"more than {limit} bytes")
    return b"".join(parts)
