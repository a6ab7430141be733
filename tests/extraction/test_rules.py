"""The rules one by one, on short invented sentences: dates, durations, kinds, initiators, titles,
participants, places and topics."""

from __future__ import annotations

import datetime

import pytest
from extraction_support import assert_evidence

from app.extraction import EXTRACTOR_VERSION, extract
from app.extraction.participants import names_match, publisher_identity
from app.extraction.titles import titles_compatible, titles_equal

D = datetime.date


def _event(text: str, **kwargs):
    event = extract(text, **kwargs)
    assert_evidence(text, event)
    return event


# --- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        ("President A. Bekov had a telephone conversation with President B. Tursunov on 24 October 2020.", None, D(2020, 10, 24)),
        ("On October 24, 2020, President A. Bekov had a telephone conversation with President B. Tursunov.", None, D(2020, 10, 24)),
        ("On 2020-10-24 President A. Bekov had a telephone conversation with President B. Tursunov.", None, D(2020, 10, 24)),
        ("President A. Bekov had a telephone conversation today with President B. Tursunov.", D(2021, 3, 5), D(2021, 3, 5)),
        ("President A. Bekov had a telephone conversation yesterday with President B. Tursunov.", D(2021, 3, 5), D(2021, 3, 4)),
        ("On Wednesday, President A. Bekov had a telephone conversation with President B. Tursunov.", D(2021, 5, 20), D(2021, 5, 19)),
        ("President A. Bekov had a telephone conversation with President B. Tursunov on 31 December.", D(2021, 1, 2), D(2020, 12, 31)),
        ("President A. Bekov had a telephone conversation with President B. Tursunov.", None, None),
    ],
)
def test_dates(sentence: str, published, expected) -> None:
    assert _event(sentence, published_at=published).date.value == expected


def test_date_line_anchors_relative_dates() -> None:
    text = "31.08.2019\nPresident A. Bekov held a telephone conversation today with President B. Tursunov."
    assert _event(text, published_at=D(2019, 9, 2)).date.value == D(2019, 8, 31)


def test_date_of_another_contact_is_not_taken() -> None:
    text = (
        "November 28, 2018\n\nPresident A. Bekov had a telephone conversation with President B. Tursunov.\n\n"
        "They discussed the outcome of their meeting in Istanbul on November 19, 2018."
    )
    assert _event(text).date.value == D(2018, 11, 28)


# --- durations -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("phrase", "minutes", "approximate"),
    [
        ("The conversation lasted about half an hour.", 30, True),
        ("The conversation lasted an hour and a half.", 90, False),
        ("The conversation lasted one and a half hours.", 90, False),
        ("The 40-minute conversation was constructive.", 40, False),
        ("The conversation lasted more than two hours.", 120, True),
        ("The talks lasted 1 hour and 15 minutes.", 75, False),
        ("The conversation lasted nearly two hours.", 120, True),
        ("They spoke for about 30 minutes.", 30, True),
        ("The call was completed about 15 minutes ago.", None, False),
    ],
)
def test_durations(phrase: str, minutes, approximate: bool) -> None:
    text = f"President A. Bekov had a telephone conversation with President B. Tursunov. {phrase}"
    event = _event(text)
    assert event.duration_minutes.value == minutes
    assert event.duration_approximate.value is approximate


# --- kinds -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("President A. Bekov had a telephone conversation with President B. Tursunov.", "phone_call"),
        ("President A. Bekov held a video conference with President B. Tursunov.", "video_call"),
        ("President A. Bekov held talks with President B. Tursunov via videoconference.", "video_call"),
        ("President A. Bekov met with President B. Tursunov on the sidelines of the summit.", "meeting"),
        ("President A. Bekov paid an official visit to Uzbekistan at the invitation of President B. Tursunov.", "visit"),
        ("President A. Bekov sent a congratulatory message to President B. Tursunov.", "message"),
        ("President A. Bekov called President B. Tursunov to discuss trade.", "phone_call"),
        ("The ministry called for restraint on all sides.", "other"),
        # The earlier contact does not set the kind of this one.
        ("Following his recent visit to Tashkent, President A. Bekov had a telephone conversation with President B. Tursunov.", "phone_call"),
    ],
)
def test_kinds(text: str, kind: str) -> None:
    assert _event(text).kind.value == kind


def test_a_call_is_a_video_call_when_the_body_says_so() -> None:
    text = "Statement on PM's call with President Obama\n\nThe Prime Minister held an hour long video conference with President Obama."
    assert _event(text, publisher="Prime Minister's Office, 10 Downing Street").kind.value == "video_call"


# --- initiator -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "initiator"),
    [
        ("The telephone conversation between the presidents of Belarus and Kazakhstan took place on Kazakhstan's initiative.", "KZ"),
        ("At the initiative of the Uzbek side, President of Kazakhstan A. Bekov had a telephone conversation with President of Uzbekistan B. Tursunov.", "UZ"),
        ("President of Kazakhstan A. Bekov had a telephone conversation with President of Uzbekistan B. Tursunov at the request of the Uzbek side.", "UZ"),
        ("President of Kazakhstan A. Bekov received a telephone call from President of Uzbekistan B. Tursunov.", "UZ"),
        ("President of Kazakhstan A. Bekov called President of Uzbekistan B. Tursunov.", "KZ"),
        ("The phone call between President of Kazakhstan A. Bekov and President of Uzbekistan B. Tursunov was initiated by the Kazakh side.", "KZ"),
        ("President of Kazakhstan A. Bekov had a telephone conversation with President of Uzbekistan B. Tursunov.", None),
        (
            "President of Kazakhstan A. Bekov had a telephone conversation with President of Uzbekistan B. Tursunov. "
            "They recalled their previous conversation, held at the request of the Uzbek side.",
            None,
        ),
    ],
)
def test_initiator(text: str, initiator) -> None:
    assert _event(text).initiator.value == initiator


def test_chinese_at_request_means_the_other_side() -> None:
    text = "On February 3, 2023, Director Wang Yi had a phone call with US Secretary of State Antony Blinken at request."
    event = _event(text, publisher="Embassy of the People's Republic of China in Greece")
    assert event.initiator.value == "US"


# --- participants ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "people"),
    [
        (
            "Belarus President Aleksandr Lukashenko had a telephone conversation with U.S. Secretary of State Michael Pompeo.",
            {("Aleksandr Lukashenko", "President", "BY"), ("Michael Pompeo", "Secretary of State", "US")},
        ),
        (
            "President of the Russian Federation Vladimir Putin had a telephone conversation with Prime Minister of Japan Shinzo Abe.",
            {("Vladimir Putin", "President", "RU"), ("Shinzo Abe", "Prime Minister", "JP")},
        ),
        (
            "Mr. Taro Kono, Minister for Foreign Affairs of Japan, held a meeting with Mr. Sergey Lavrov, Minister of Foreign Affairs of the Russian Federation.",
            {("Taro Kono", "Minister for Foreign Affairs", "JP"), ("Sergey Lavrov", "Minister of Foreign Affairs", "RU")},
        ),
        (
            "President Cyril Ramaphosa received a phone call from his Egyptian counterpart Abdel Fattah el-Sisi.",
            {("Cyril Ramaphosa", "President", "ZA"), ("Abdel Fattah el-Sisi", "President", "EG")},
        ),
        (
            "UN Secretary-General António Guterres met with the President of the European Council, Charles Michel.",
            {("António Guterres", "Secretary-General", "UN"), ("Charles Michel", "President of the European Council", "EU")},
        ),
        (
            "The Presidents of Belarus and Russia, Aleksandr Lukashenko and Vladimir Putin, held talks in Sochi.",
            {("Aleksandr Lukashenko", "President", "BY"), ("Vladimir Putin", "President", "RU")},
        ),
    ],
)
def test_participants(text: str, people: set) -> None:
    got = {(p.name, p.title, p.country) for p in _event(text).participants.value}
    assert got == people


def test_publisher_gives_the_home_side() -> None:
    text = "Today, Prime Minister Jane Doerksen met with President Juan Perez of Paraguay."
    people = {(p.name, p.country) for p in _event(text, publisher="Prime Minister of Canada").participants.value}
    assert people == {("Jane Doerksen", "CA"), ("Juan Perez", "PY")}


def test_first_person_statement() -> None:
    text = "October 7, 2021\nI had a summit telephone talk with Russian President Vladimir Putin today."
    people = _event(text, publisher="Prime Minister of Japan and His Cabinet").participants.value
    assert {p.country for p in people} == {"JP", "RU"}
    japan = next(p for p in people if p.country == "JP")
    assert japan.title == "Prime Minister"


def test_speaker_of_a_briefing_is_not_a_participant() -> None:
    text = "Foreign Secretary, Shri Vijay Gokhale: Prime Minister had a very good meeting earlier today with President Donald Trump."
    people = _event(text, publisher="Ministry of External Affairs of India", published_at=D(2018, 11, 30)).participants.value
    assert all(p.name != "Vijay Gokhale" for p in people)
    assert {p.country for p in people} == {"IN", "US"}


def test_names_match_across_spellings() -> None:
    assert names_match("Vladimir Vladimirovich Putin", "V.Putin")
    assert names_match("HAYASHI Yoshimasa", "Yoshimasa Hayashi")
    assert names_match("Joseph R. Biden, Jr.", "Biden")
    assert not names_match("Boris Johnson", "Lyndon Johnson")


def test_titles() -> None:
    assert titles_equal("Minister for Foreign Affairs", "Foreign Minister")
    assert titles_equal("Ambassador of the Russian Federation to Belarus", "Ambassador")
    assert titles_equal("Prime Minister and Minister of Foreign Affairs", "Minister of Foreign Affairs")
    assert not titles_equal("President", "Vice President")
    assert titles_compatible(None, "President")


def test_publisher_identity() -> None:
    assert publisher_identity("Prime Minister's Office, 10 Downing Street").country == "GB"
    assert publisher_identity("Embassy of the People's Republic of China in North Macedonia").country == "CN"
    assert publisher_identity("The White House, Office of the Press Secretary").principal == "President"
    assert publisher_identity("United Nations Secretary-General (Office of the Spokesperson)").country == "UN"


# --- places, organisations, topics -----------------------------------------------------------------

def test_mentioned_countries_exclude_participants_and_venues() -> None:
    text = (
        "Belarusian President Aleksandr Lukashenko had a telephone conversation with Turkish President Recep Tayyip Erdogan. "
        "They discussed the conflict in Ukraine, the Russian-Ukrainian talks, a conference to be held in Berlin, "
        "and relations with the Kiev authorities. Malaysia Airlines flights were not discussed."
    )
    event = _event(text)
    assert set(event.mentioned_countries.value) == {"UA", "RU"}


def test_organisations_by_name_and_acronym() -> None:
    text = (
        "President A. Bekov had a telephone conversation with President B. Tursunov. They discussed the "
        "Collective Security Treaty Organization, the Eurasian Economic Union and cooperation within the UN and the SCO."
    )
    assert set(_event(text).organizations.value) == {"CSTO", "EAEU", "UN", "SCO"}


@pytest.mark.parametrize(
    ("sentence", "topic"),
    [
        ("They discussed cooperation in the humanitarian sphere.", "culture-education"),
        ("They discussed the situation in the region.", "international-situation"),
        ("They agreed to stay in contact.", "future-contacts"),
        ("They discussed the settlement of the conflict in Syria.", "regional-conflict"),
        ("They discussed vaccines against COVID-19.", "health"),
        ("They discussed the lifting of sanctions.", "sanctions"),
        ("The President congratulated his counterpart on his birthday.", "greetings"),
        ("They discussed trade and investment.", "trade-economy"),
        ("They discussed gas supplies.", "energy"),
    ],
)
def test_topics(sentence: str, topic: str) -> None:
    text = f"President A. Bekov had a telephone conversation with President B. Tursunov. {sentence}"
    assert topic in _event(text).topics.value


def test_a_conflict_needs_a_place() -> None:
    text = "President A. Bekov had a telephone conversation with President B. Tursunov. They favour peaceful resolution of all conflicts."
    assert "regional-conflict" not in _event(text).topics.value


def test_version_is_stamped() -> None:
    event = _event("President A. Bekov met President B. Tursunov.")
    assert event.extractor_version == EXTRACTOR_VERSION
    assert set(event.model_dump(mode="json")) >= {
        "kind", "date", "participants", "initiator", "duration_minutes", "duration_approximate",
        "topics", "mentioned_countries", "organizations", "summary",
    }
