"""Public ids are opaque strings; inside, rows have integer keys."""

from __future__ import annotations

from app.core.errors import ProblemError

_MAX_ID = 2**63 - 1


def parse_id(value: str, *, error: ProblemError) -> int:
    """The integer key of a public id, or `error` raised for anything that cannot be one."""
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise error
    number = int(value)
    if not 0 < number <= _MAX_ID:
        raise error
    return number
