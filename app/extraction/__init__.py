"""Readout extraction: pure functions from a press-service readout to the event it reports.

No database, web framework or network here: `extract()` takes text (and what is known about its
source) and returns an `ExtractedEvent` whose every field carries a confidence and the evidence
spans it was read from.
"""

from app.extraction.extractor import EXTRACTOR_VERSION, extract, warm_up
from app.extraction.models import (
           Evidence,
           ExtractedEvent,
           ExtractedParticipant,
           FieldResult,
)

__all__ = ["EXTRACTOR_VERSION", "Evidence", "ExtractedEvent", "ExtractedParticipant", "FieldResult", "extract",
           "warm_up"]
