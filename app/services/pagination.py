"""Opaque keyset cursors.

A cursor carries the position of the last row served and a fingerprint of the filters it was made
for, so a cursor reused with other filters is refused instead of silently skipping rows. It is not
signed: a client that forges one only moves its own position in a result it may read anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from app.core.errors import InvalidCursorError
from app.services.ids import parse_id


def _fingerprint(filters: dict[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(position: dict[str, Any], *, fingerprint: dict[str, Any]) -> str:
    payload = {"p": position, "f": _fingerprint(fingerprint)}
    raw = json.dumps(payload, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, fingerprint: dict[str, Any]) -> dict[str, Any]:
    if len(cursor) > 512:
        raise InvalidCursorError("the cursor is not one this service issued")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        position = payload["p"]
        filters = payload["f"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidCursorError("the cursor is not one this service issued") from None
    if not isinstance(position, dict) or filters != _fingerprint(fingerprint):
        raise InvalidCursorError("the cursor was issued for other filters; start again without it")
    return position


def position_id(position: dict[str, Any]) -> int:
    """The row id in a cursor's position. Cursors are not signed, so a position may have been edited:
    anything but an id this service could have issued is refused here, not sent to the database."""
    value = position.get("i")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidCursorError("the cursor is not one this service issued")
    return parse_id(str(value), error=InvalidCursorError("the cursor is not one this service issued"))
