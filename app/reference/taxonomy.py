"""Event kinds and topics (the shipped copy of corpus/taxonomy.json) and the kinds' event-data codes."""

from __future__ import annotations

import json
from enum import StrEnum
from importlib import resources
from typing import Any

_TAXONOMY: dict[str, Any] = json.loads(
    resources.files("app.reference").joinpath("data/taxonomy.json").read_text(encoding="utf-8")
)

KIND_DESCRIPTIONS: dict[str, str] = _TAXONOMY["event_kinds"]
TOPIC_DESCRIPTIONS: dict[str, str] = _TAXONOMY["topics"]

EventKind = StrEnum("EventKind", {slug: slug for slug in KIND_DESCRIPTIONS})
Topic = StrEnum("Topic", {slug: slug for slug in TOPIC_DESCRIPTIONS})

# CAMEO 04x "Consult" and its PLOVER counterpart CONSULT with a mode. Calls and video calls are
# 041 ("discuss by telephone"; PLOVER's phone mode covers "other remote media"); a visit is 042;
# a meeting, whose venue a readout rarely makes clear, is 040 (consult, not specified). A message is
# remote communication too, so it shares the phone mode; CAMEO has no letter code and 010
# ("make statement") is the closest.
KIND_CODES: dict[str, dict[str, str | None]] = {
    "phone_call": {"cameo": "041", "plover": "CONSULT", "plover_mode": "phone"},
    "video_call": {"cameo": "041", "plover": "CONSULT", "plover_mode": "phone"},
    "meeting": {"cameo": "040", "plover": "CONSULT", "plover_mode": None},
    "visit": {"cameo": "042", "plover": "CONSULT", "plover_mode": "visit"},
    "message": {"cameo": "010", "plover": "CONSULT", "plover_mode": "phone"},
    "other": {"cameo": "040", "plover": "CONSULT", "plover_mode": None},
}

assert set(KIND_CODES) == set(KIND_DESCRIPTIONS), "every kind of the taxonomy needs its codes"
