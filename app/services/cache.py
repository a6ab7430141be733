"""Cached aggregates, valid while the data have not changed.

Aggregates over every matching event (who talks to whom, the timeline, counts per country and
topic) read many rows; dashboards ask for the same ones again and again. Each answer is kept in
this process with the `data_version` it was computed at; one primary-key read tells whether any
write committed since (in this replica or another), in which case it is computed afresh. Nothing
else is kept between requests.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DataVersion

T = TypeVar("T")

_MAX_ENTRIES = 512
_entries: OrderedDict[Hashable, tuple[int, object]] = OrderedDict()
_lock = threading.Lock()
# One computation per key at a time: requests arriving while it runs wait for its answer instead
# of all computing the same aggregate at once.
_computing: dict[Hashable, threading.Lock] = {}


def data_version(session: Session) -> int:
    return session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    key = (session.get_bind().url.render_as_string(), key)  # one process may serve more than one database
    version = data_version(session)
    hit = _lookup(key, version)
    if hit is not None:
        return hit[0]  # type: ignore[return-value]
    with _lock:
        computing = _computing.setdefault(key, threading.Lock())
    with computing:
        hit = _lookup(key, version)
        if hit is not None:
            return hit[0]  # type: ignore[return-value]
        value = compute()
        with _lock:
            _entries[key] = (version, value)
            _entries.move_to_end(key)
            while len(_entries) > _MAX_ENTRIES:
                _computing.pop(_entries.popitem(last=False)[0], None)
    return value


def _lookup(key: Hashable, version: int) -> tuple[object] | None:
    with _lock:
        entry = _entries.get(key)
        if entry is None or entry[0] != version:
            return None
        _entries.move_to_end(key)
        return (entry[1],)
