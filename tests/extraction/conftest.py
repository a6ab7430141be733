"""Fixtures for the extraction tests."""

from __future__ import annotations

from typing import Any

import pytest
from extraction_support import CORPUS


@pytest.fixture(scope="session")
def corpus_records() -> list[dict[str, Any]]:
    if not CORPUS.exists():
        pytest.skip(f"labelled corpus not found at {CORPUS}")
    from app.extraction.evaluate import load_labelled

    return load_labelled(CORPUS)
