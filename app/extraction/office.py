"""A guarded view of app.reference.office_holders for the extractor.

The table tells who "President Putin" is and who "the Prime Minister" was on a given day. The
extractor must never fail because the table is missing, incomplete or raising on odd input, so
every call here is wrapped, and an unavailable table simply answers nothing.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from types import ModuleType
from typing import Any


@lru_cache(maxsize=1)
def _module() -> ModuleType | None:
    try:
        from app.reference import office_holders
    except Exception:  # noqa: BLE001 - any import problem means "no table"
        return None
    return office_holders


def terms_for_name(name: str, on: datetime.date | None) -> list[Any]:
    module = _module()
    if module is None or not name:
        return []
    try:
        return list(module.terms_for_name(name, on=on))
    except Exception:  # noqa: BLE001
        return []


def holders_by_title(country: str, title: str, on: datetime.date | None) -> list[Any]:
    module = _module()
    if module is None or on is None or not country or not title:
        return []
    try:
        return list(module.holders_by_title(country=country, title=title, on=on))
    except Exception:  # noqa: BLE001
        return []


def warm_up() -> None:
    """Build the table's indexes now rather than on the first readout that needs them."""
    terms_for_name("Warm Up", None)
    holders_by_title("US", "President", datetime.date(2000, 1, 1))
