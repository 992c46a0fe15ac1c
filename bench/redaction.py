"""Secrets never in evidence: passwords and keys in a configuration are replaced before it is
recorded, signed or printed.

A redacted value keeps a short SHA-256 fingerprint, so a report still shows *which* secret was used
(two campaigns with the same password show the same fingerprint) without showing the secret.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

SECRET_KEY = re.compile(r"(password|passphrase|secret|token|private_key|api_key|credential)", re.IGNORECASE)
"""Configuration keys whose values are secrets (matched anywhere in the key, any case)."""


def fingerprint(secret: str) -> str:
    """The first 16 hex digits of the SHA-256 of ``secret``."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def redacted(value: Any) -> str:
    """The recorded stand-in for a secret value."""
    return f"<redacted sha256:{fingerprint(str(value))}>" if value not in (None, "") else "<redacted>"


def redact_secrets(data: Any) -> Any:
    """A deep copy of ``data`` (mappings, lists, scalars) with the value of every secret key replaced
    by :func:`redacted`; everything else unchanged."""
    if isinstance(data, dict):
        return {key: (redacted(value) if isinstance(key, str) and SECRET_KEY.search(key)
                      and not isinstance(value, (dict, list)) else redact_secrets(value))
                for key, value in data.items()}
    if isinstance(data, list):
        return [redact_secrets(item) for item in data]
    return data
