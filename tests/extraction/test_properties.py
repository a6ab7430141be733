"""Properties of `extract()` over generated text (hypothesis): it always answers, its evidence always
indexes the text it was given, and its work grows at most linearly with the length of the text.

The texts are both random (any code point, lone surrogates, NUL, control characters, bytes read as
Latin-1) and realistic: readouts assembled from the fragments press services write (datelines,
titles, names in Latin and Cyrillic script, countries, organisations, dates in several notations,
contact verbs, topics), with noise mixed in (NUL, emoji, CRLF, Chinese characters).
"""

from __future__ import annotations

import datetime
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extraction import ExtractedEvent, extract
from app.extraction.text import MAX_CHARS
from app.reference.countries import resolve_country
from app.reference.organizations import resolve_organization
from app.reference.taxonomy import KIND_DESCRIPTIONS, TOPIC_DESCRIPTIONS

BODY_LIMIT = 1024 * 1024  # MAX_BODY_BYTES: no readout the API takes is longer
SETTINGS = {"derandomize": True, "database": None, "deadline": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

DATELINES = ["Minsk, 24 October 2020", "MOSCOW, March 3 (Reuters) -", "Source: President of Russia", "3 May 2020",
             "October 24, 2020", "24.10.2020", "2021-02-03", "Washington, DC", "Kremlin, Moscow", "Tokyo, Japan\r\n"]
TITLES = ["President", "Prime Minister", "Minister of Foreign Affairs", "Secretary of State", "Chancellor",
          "Secretary-General", "King", "Emir", "Federal Chancellor", "Foreign Minister", "Vice President", "Premier",
          "Президент", "Председатель Правительства", "President of the Republic of"]
NAMES = ["Aleksandr Lukashenko", "Alexander Lukashenko", "Vladimir Putin", "Shinzo Abe", "Michael Pompeo",
         "Kassym-Jomart Tokayev", "Emmanuel Macron", "Olaf Scholz", "Recep Tayyip Erdoğan", "Xi Jinping", "Antony Blinken",
         "Александр Лукашенко", "Владимир Путин", "Ursula von der Leyen", "António Guterres", "Mr. John Smith",
         "Jens Stoltenberg", "Narendra Modi", "习近平", "Sheikh Mohammed bin Zayed Al Nahyan"]
COUNTRIES = ["Belarus", "the United States", "Russia", "Japan", "Kazakhstan", "France", "Germany", "Türkiye", "China",
             "the U.S.", "UK", "Italy", "Egypt", "the Republic of Korea", "Россия", "Беларусь"]
ORGANISATIONS = ["the EU", "NATO", "the UN", "CSTO", "the G20 summit", "ASEAN", "the SCO", "the European Council",
                 "the OSCE", "BRICS"]
DATES = ["on 24 October", "on October 24, 2020", "yesterday", "today", "on Monday", "last Friday", "on 3 May 2020",
         "on 24.10.2020", "earlier today", "on the evening of 5 June"]
VERBS = ["had a telephone conversation with", "held talks with", "met with", "spoke by phone with", "called",
         "received", "sent a message to", "held a videoconference with", "paid a state visit to", "was called by",
         "провёл телефонный разговор с"]
TOPICS = ["They discussed trade and energy cooperation.", "The sides exchanged views on the situation in Ukraine.",
          "Sanctions, security and arms control were on the agenda.", "They agreed to stay in contact.",
          "The conversation lasted about 30 minutes.", "at the initiative of the American side",
          "on the margins of the G7 summit", "Climate change and the pandemic were discussed.",
          "congratulated him on his re-election", "The leaders discussed bilateral relations."]
NOISE = ["\x00", "🙂", "🇧🇾", "\r\n", "\n\n", "\t", "\u200b", "\ufeff", "—", "«", "»", "(", ")", '"', "'", "1.", "•",
         "\ud800", "\udfff", "ü", "Ж", "中文", "\x1b[0m", "<b>", "&amp;", "  "]

fragment = st.one_of(
    st.sampled_from(DATELINES), st.sampled_from(TITLES), st.sampled_from(NAMES), st.sampled_from(COUNTRIES),
    st.sampled_from(ORGANISATIONS), st.sampled_from(DATES), st.sampled_from(VERBS), st.sampled_from(TOPICS),
    st.sampled_from(NOISE), st.text(max_size=12),
)
sentence = st.lists(fragment, min_size=1, max_size=14).map(" ".join).map(lambda s: s + ".")
contact = st.tuples(st.sampled_from(TITLES), st.sampled_from(NAMES), st.sampled_from(VERBS), st.sampled_from(TITLES),
                    st.sampled_from(COUNTRIES), st.sampled_from(NAMES), st.sampled_from(DATES)).map(
    lambda p: f"{p[0]} {p[1]} {p[2]} {p[3]} of {p[4]} {p[5]} {p[6]}.")
# A readout: sometimes a dateline, sentences (a contact among them, often), separated as readouts are.
readout = st.tuples(
    st.one_of(st.just(""), st.sampled_from(DATELINES)),
    st.lists(st.one_of(sentence, contact), min_size=1, max_size=12),
    st.sampled_from([" ", "\n", "\n\n", "\r\n", " \n "]),
).map(lambda p: (p[0] + "\n\n" if p[0] else "") + p[2].join(p[1]))
# A clause without a full stop: repeated, it makes one ever longer sentence ("EU trade EU trade ...").
clause = st.lists(st.sampled_from(ORGANISATIONS + COUNTRIES + NAMES + TITLES + DATES + ["trade", "and", ",", "with"]),
                  min_size=1, max_size=8).map(" ".join)
random_text = st.one_of(
    st.text(),
    st.text(st.characters(codec=None), max_size=300),
    st.binary(max_size=400).map(lambda b: b.decode("latin-1")),
    st.lists(st.sampled_from(NOISE + ["President", ".", " "]), max_size=60).map("".join),
)
any_text = st.one_of(readout, random_text)
publisher = st.one_of(st.none(), st.sampled_from(["President of the Republic of Belarus", "The White House",
                                                  "Ministry of Foreign Affairs of Japan", "Kremlin", "", "\x00"]),
                      st.text(max_size=30))
published_at = st.one_of(st.none(), st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2030, 12, 31)))


@contextmanager
def failures_logged() -> Iterator[list[logging.LogRecord]]:
    """The errors `extract()` logs. It catches its own exceptions to return an empty result (a bad
    readout must not break ingestion), so an exception inside shows up here and nowhere else."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("app.extraction")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def evidence_spans(value: Any) -> Iterator[dict[str, Any]]:
    """Every evidence object anywhere in a dumped extraction."""
    if isinstance(value, dict):
        if set(value) == {"start", "end", "text"}:
            yield value
        for nested in value.values():
            yield from evidence_spans(nested)
    elif isinstance(value, list):
        for nested in value:
            yield from evidence_spans(nested)


def assert_well_formed(event: ExtractedEvent) -> None:
    assert event.kind.value in KIND_DESCRIPTIONS
    assert set(event.topics.value) <= set(TOPIC_DESCRIPTIONS)
    for code in [*(p.country for p in event.participants.value if p.country), *event.mentioned_countries.value,
                 *([event.initiator.value] if event.initiator.value else [])]:
        assert resolve_country(code) == code or resolve_organization(code) == code, code
    assert all(resolve_organization(code) == code for code in event.organizations.value)
    if event.duration_minutes.value is not None:
        assert 0 <= event.duration_minutes.value <= 100_000
    dumped = event.model_dump(mode="json")  # what the API serves must serialise
    for field in dumped.values():
        if isinstance(field, dict):
            assert 0.0 <= field["confidence"] <= 1.0


@settings(max_examples=150, **SETTINGS)
@given(text=any_text, publisher=publisher, published_at=published_at)
def test_any_text_gives_a_well_formed_result_and_nothing_raises_inside(text, publisher, published_at):
    with failures_logged() as failures:
        event = extract(text, publisher=publisher, published_at=published_at)
    assert not failures, failures[0].getMessage()
    assert_well_formed(event)


@settings(max_examples=150, **SETTINGS)
@given(text=any_text, publisher=publisher, published_at=published_at)
def test_every_evidence_span_is_the_slice_of_the_text_it_names(text, publisher, published_at):
    event = extract(text, publisher=publisher, published_at=published_at)
    for span in evidence_spans(event.model_dump()):
        assert 0 <= span["start"] <= span["end"] <= len(text), span
        assert text[span["start"]:span["end"]] == span["text"], span


@settings(max_examples=6, **SETTINGS)
@given(text=readout, size=st.integers(min_value=MAX_CHARS, max_value=BODY_LIMIT))
def test_texts_up_to_the_body_limit_are_answered(text, size):
    long_text = (text + "\n\n") * (size // (len(text) + 2) + 1)
    long_text = long_text[:size]
    with failures_logged() as failures:
        event = extract(long_text)
    assert not failures, failures[0].getMessage()
    assert_well_formed(event)
    for span in evidence_spans(event.model_dump()):
        assert long_text[span["start"]:span["end"]] == span["text"], span


def work(text: str) -> int:
    """The number of function calls `extract(text)` makes: Python functions and builtins (every
    regular-expression match, string method, list operation made through a call), counted by
    `sys.setprofile`. It is deterministic, unlike time, and it grows with every loop of the
    extraction over characters, tokens, sentences, mentions or matches, so an algorithm quadratic
    in any of them shows as a quadratic count. Its blind spot is the work inside one builtin call (a
    regular expression scanning a long subject once): a bound on that is what the time limits of
    test_bad_input.py are for. Caches are warmed by a first run, so that only the second is counted."""
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    extract(text)
    sys.setprofile(count)
    try:
        extract(text)
    finally:
        sys.setprofile(None)
    return calls


@settings(max_examples=25, **SETTINGS)
@given(text=st.one_of(readout, clause.map(lambda c: " ".join([c] * (300 // len(c) + 1)))).filter(
           lambda t: 200 <= len(t) <= MAX_CHARS // 8),
       k=st.sampled_from([4, 8]), separator=st.sampled_from([" ", ", ", "\n", "\n\n"]))
def test_work_grows_at_most_linearly_with_the_length_of_the_text(text, k, separator):
    """The text repeated k times costs at most about k times the text (2k, plus a constant for what
    every readout costs). Past MAX_CHARS the extraction reads no further, so the repeated text stays
    under it: this is the range where the work could grow. A quadratic step shows as ~k² (16 to 64
    times, here), far past the bound: before its fix, "EU trade " repeated 8 times cost 28 times once."""
    once, repeated = work(text), work(separator.join([text] * k))
    assert repeated <= 2 * k * once + 2_000, (once, repeated, k)
