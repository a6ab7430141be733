"""The extractor on readouts written for these tests (tests/fixtures/readouts/*.txt), each a hard
case: two calls in one text, a mentioned person who did not take part, a date line in another
format, an initiator wording that belongs to a past contact, an unnamed principal, officials of
international organisations, a video conference, a visit, a message, a text with no contact.

The expectations sit in expectations.json beside the texts. A participant matches by name, or, for
one the text does not name (`named_in_text: false`), by title and country when no name was given.
"""

from __future__ import annotations

import pytest
from extraction_support import assert_evidence, fixture_specs, run_fixture

from app.extraction.participants import names_match
from app.extraction.titles import titles_equal

SPECS = fixture_specs()


def _matches(want: dict, got: dict) -> bool:
    if got["country"] != want["country"] or not titles_equal(got["title"], want["title"]):
        return False
    if names_match(want["name"], got["name"]):
        return True
    return want.get("named_in_text") is False and got["name"] is None


@pytest.mark.parametrize("name", sorted(SPECS))
def test_fixture(name: str) -> None:
    text, event = run_fixture(name)
    expected = SPECS[name]["expected"]
    got = event.model_dump(mode="json")

    for field in ("kind", "date", "initiator", "duration_minutes", "duration_approximate"):
        if field in expected:
            assert got[field]["value"] == expected[field], field

    if "participants" in expected:
        people = got["participants"]["value"]
        assert len(people) == len(expected["participants"]), people
        for want in expected["participants"]:
            assert any(_matches(want, person) for person in people), (want, people)

    for field in ("mentioned_countries", "organizations"):
        if field in expected:
            assert set(got[field]["value"]) == set(expected[field]), field
        if f"{field}_include" in expected:
            assert set(expected[f"{field}_include"]) <= set(got[field]["value"]), field
    if "topics_include" in expected:
        assert set(expected["topics_include"]) <= set(got["topics"]["value"])

    assert_evidence(text, event)


def test_no_contact_is_low_confidence() -> None:
    _, event = run_fixture("no-contact.txt")
    assert event.kind.value == "other"
    assert event.kind.confidence <= 0.3
    assert event.participants.value == []
    assert event.summary.value is None


def test_unnamed_principal_is_named_from_office_holders() -> None:
    """"The Prime Minister spoke to..." in a Downing Street readout of 3 February 2023."""
    _, event = run_fixture("unnamed-principal.txt")
    home = [p for p in event.participants.value if p.country == "GB"]
    assert len(home) == 1 and home[0].title == "Prime Minister"
    # The office-holders table supplies the name when it knows the date; without it the name stays empty.
    assert home[0].name in (None, "Rishi Sunak")


def test_mentioned_people_are_not_participants() -> None:
    _, event = run_fixture("mentioned-not-participant.txt")
    names = " ".join(p.name or "" for p in event.participants.value)
    for mentioned in ("Lajčák", "Scholz", "Biden"):
        assert mentioned not in names


def test_second_call_of_the_day_is_not_merged() -> None:
    _, event = run_fixture("two-calls-same-day.txt")
    assert all(p.country != "KG" for p in event.participants.value)
    assert "KG" in event.mentioned_countries.value


def test_initiator_of_a_past_call_is_not_this_calls() -> None:
    _, event = run_fixture("past-initiator.txt")
    assert event.initiator.value is None


def test_summary_comes_from_the_text() -> None:
    text, event = run_fixture("called-him.txt")
    assert event.summary.value
    assert event.summary.evidence and all(text[e.start : e.end] == e.text for e in event.summary.evidence)
    assert "Albanese" in event.summary.value
