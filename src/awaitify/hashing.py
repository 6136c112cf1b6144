"""BLAKE2b without loading OpenSSL.

``import hashlib`` loads OpenSSL's libcrypto (several milliseconds on every run, warm runs
included, which must finish in well under a tenth of a second); BLAKE2 is built into
CPython, so it is taken from there directly.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a CPython built without its own BLAKE2
    from hashlib import blake2b

__all__ = ["blake2b", "content_digest"]


def content_digest(data: bytes) -> bytes:
    """The hash a file's bytes are cached under."""
    return blake2b(data, digest_size=16).digest()
