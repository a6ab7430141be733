"""API keys: created and revoked from the command line, checked on every request that needs one.

A key reads `rdk_<prefix>_<secret>`. The prefix finds the row; the whole key is compared by its
SHA-256 hash in constant time. The secrets are long random tokens, so a fast hash is enough
(there is nothing to brute-force that a slow hash would protect).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import ConflictError, NotFoundError
from app.models import ApiKey
from app.models.api_key import KeyScope
from app.models.base import utcnow

KEY_PREFIX = "rdk"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, *, name: str, scope: KeyScope) -> tuple[ApiKey, str]:
    """Store a new key and answer it with its secret, which is never shown again."""
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(name=name, scope=scope.value, prefix=prefix, key_hash=_hash(key))
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"a key named {name!r} exists already") from None
    return row, key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def revoke_key(session: Session, *, name: str) -> ApiKey:
    row = session.scalars(select(ApiKey).where(ApiKey.name == name)).first()
    if row is None:
        raise NotFoundError(f"no key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
    return row


def authenticate(session: Session, *, key: str) -> ApiKey | None:
    """The live key matching `key`, or None for a malformed, unknown or revoked one."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(key) > 200:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
    if row is None or not hmac.compare_digest(row.key_hash, _hash(key)) or row.revoked_at is not None:
        return None
    return row
