"""The office-holders table: lookups, validation of the CSVs, and sanity of the curated data."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from importlib import resources

import pytest

from app.reference.names import name_key, name_tokens
from app.reference.office_holders import (
    HEADER,
    OFFICES,
    _read_csv,
    all_terms,
    holders,
    holders_by_title,
    people,
    terms_for_name,
)

G20 = ("AR", "AU", "BR", "CA", "CN", "FR", "DE", "IN", "ID", "IT", "JP", "KR", "MX", "RU", "SA", "ZA", "TR", "GB", "US")
COUNTRY_OFFICES = ("head_of_state", "head_of_government", "foreign_minister")
COVERAGE_START = date(1990, 1, 1)
AS_OF = date(2026, 11, 28)


def names(terms) -> list[str]:
    return [t.name for t in terms]


# --- lookups -------------------------------------------------------------------------------------


def test_holders_uk_prime_minister():
    assert names(holders(country="GB", office="head_of_government", on=date(2019, 9, 24))) == ["Boris Johnson"]


def test_holders_country_code_is_case_insensitive():
    assert names(holders(country="gb", office="head_of_government", on=date(2019, 9, 24))) == ["Boris Johnson"]


def test_holders_hand_over_day_returns_both():
    # Both ends are inclusive: on 2019-07-24 May left and Johnson arrived.
    assert names(holders(country="GB", office="head_of_government", on=date(2019, 7, 24))) == [
        "Theresa May",
        "Boris Johnson",
    ]


def test_holders_none_before_the_first_term_and_current_holder_open_ended():
    assert holders(country="RU", office="foreign_minister", on=date(1990, 1, 1)) == []
    (lavrov,) = holders(country="RU", office="foreign_minister", on=date(2026, 1, 1))
    assert lavrov.name == "Sergey Lavrov" and lavrov.end is None


def test_holders_rejects_unknown_office():
    with pytest.raises(ValueError):
        holders(country="US", office="president", on=date(2020, 1, 1))


def test_holders_by_title_secretary_of_state():
    found = holders_by_title(country="US", title="Secretary of State", on=date(2020, 10, 24))
    assert names(found) == ["Michael Pompeo"]


@pytest.mark.parametrize(
    ("country", "title", "on", "expected"),
    [
        ("GB", "Foreign Minister", date(2020, 1, 1), ["Dominic Raab"]),
        ("GB", "foreign secretary", date(2020, 1, 1), ["Dominic Raab"]),
        ("RU", "Minister for Foreign Affairs", date(2020, 1, 1), ["Sergey Lavrov"]),
        ("IN", "Foreign Minister", date(2020, 1, 1), ["S. Jaishankar"]),
        ("FR", "Minister for Europe and Foreign Affairs", date(2020, 1, 1), ["Jean-Yves Le Drian"]),
        ("CN", "Premier", date(2020, 1, 1), ["Li Keqiang"]),
        ("DE", "Chancellor", date(2020, 1, 1), ["Angela Merkel"]),
        ("DE", "Federal President", date(2020, 1, 1), ["Frank-Walter Steinmeier"]),
        ("DE", "President", date(2020, 1, 1), ["Frank-Walter Steinmeier"]),
        ("JP", "Emperor", date(2020, 1, 1), ["Naruhito"]),
        ("JP", "the Prime Minister", date(2020, 1, 1), ["Shinzo Abe"]),
        ("GB", "Queen", date(2020, 1, 1), ["Elizabeth II"]),
        # Until 2022 the Saudi king was his own prime minister: both rows carry the title "King".
        ("SA", "King", date(2020, 1, 1), ["Salman bin Abdulaziz Al Saud"] * 2),
        ("SA", "King", date(2023, 1, 1), ["Salman bin Abdulaziz Al Saud"]),
        ("SA", "Prime Minister", date(2020, 1, 1), ["Salman bin Abdulaziz Al Saud"]),
        ("SA", "Crown Prince and Prime Minister", date(2023, 1, 1), ["Mohammed bin Salman Al Saud"]),
        ("FR", "President", date(2020, 1, 1), ["Emmanuel Macron"]),
        ("FR", "PRIME MINISTER", date(2020, 1, 1), ["Édouard Philippe"]),
        ("RU", "Prime Minister", date(2020, 1, 1), ["Dmitry Medvedev"]),
        ("TR", "Prime Minister", date(2016, 1, 1), ["Ahmet Davutoğlu"]),
        # A title names an office: Turkey's head of government since 2018 is the President.
        ("TR", "Prime Minister", date(2020, 1, 1), ["Recep Tayyip Erdoğan"]),
    ],
)
def test_holders_by_title_synonyms(country, title, on, expected):
    assert names(holders_by_title(country=country, title=title, on=on)) == expected


def test_holders_by_title_president_includes_head_of_government_in_presidential_systems():
    found = holders_by_title(country="US", title="President", on=date(2020, 1, 1))
    assert {(t.name, t.office) for t in found} == {
        ("Donald Trump", "head_of_state"),
        ("Donald Trump", "head_of_government"),
    }
    # Since 2018 Turkey's president also heads the government.
    assert {t.office for t in holders_by_title(country="TR", title="President", on=date(2020, 1, 1))} == {
        "head_of_state",
        "head_of_government",
    }


def test_holders_by_title_unknown_title_finds_nothing():
    assert holders_by_title(country="US", title="Dog Catcher", on=date(2020, 1, 1)) == []


def test_terms_for_name_surname():
    found = terms_for_name("Putin", on=date(2020, 1, 1))
    assert [(t.name, t.country, t.office) for t in found] == [("Vladimir Putin", "RU", "head_of_state")]


def test_terms_for_name_without_date_lists_all_terms():
    found = terms_for_name("Vladimir Putin")
    assert len(found) == 4  # PM 1999-2000 and 2008-12, President 1999-2008 and since 2012
    assert {t.office for t in found} == {"head_of_state", "head_of_government"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Владимир Путин", "Vladimir Putin"),
        ("Vladimir Vladimirovich Putin", "Vladimir Putin"),
        ("Sergei Lavrov", "Sergey Lavrov"),
        ("Сергей Лавров", "Sergey Lavrov"),
        ("习近平", "Xi Jinping"),
        ("Xi", "Xi Jinping"),  # family name first
        ("Moon", "Moon Jae-in"),
        ("安倍晋三", "Shinzo Abe"),
        ("Abe Shinzo", "Shinzo Abe"),
        ("Abe", "Shinzo Abe"),
        ("Mike Pompeo", "Michael Pompeo"),
        ("Recep Tayyip Erdogan", "Recep Tayyip Erdoğan"),
        ("Erdogan", "Recep Tayyip Erdoğan"),
        ("Lula", "Luiz Inácio Lula da Silva"),
        ("Lula da Silva", "Luiz Inácio Lula da Silva"),
        ("Jokowi", "Joko Widodo"),
        ("Mohammed bin Salman", "Mohammed bin Salman Al Saud"),
        ("محمد بن سلمان آل سعود", "Mohammed bin Salman Al Saud"),
    ],
)
def test_terms_for_name_spellings(query, expected):
    assert expected in names(terms_for_name(query))


def test_terms_for_name_surname_with_date_disambiguates():
    assert names(terms_for_name("Bush", on=date(1991, 1, 1))) == ["George H. W. Bush"] * 2
    assert names(terms_for_name("Bush", on=date(2005, 1, 1))) == ["George W. Bush"] * 2


def test_terms_for_name_regnal_number_is_not_a_surname():
    found = terms_for_name("Elizabeth", on=date(2000, 1, 1))
    assert {(t.name, t.country) for t in found} == {("Elizabeth II", c) for c in ("GB", "AU", "CA")}
    assert "Elizabeth II" not in names(terms_for_name("II"))


def test_terms_for_name_most_specific_first():
    # Li Keqiang and Li Qiang fold to different keys; a surname alone finds every Li.
    assert names(terms_for_name("Li Qiang")) == ["Li Qiang"]
    found = names(terms_for_name("Li"))
    assert set(found) >= {"Li Peng", "Li Keqiang", "Li Qiang", "Li Zhaoxing"}


def test_terms_for_name_empty_and_unknown():
    assert terms_for_name("") == []
    assert terms_for_name("...") == []
    assert terms_for_name("Nobody Inparticular") == []


def test_people_groups_terms_by_person():
    by_name = {(name, country): (aliases, terms) for name, country, aliases, terms in people()}
    aliases, terms = by_name[("Vladimir Putin", "RU")]
    assert "Владимир Путин" in aliases
    assert [t.start for t in terms] == sorted(t.start for t in terms)
    assert len(terms) == 4
    # Same folded key, different people.
    assert ("Li Keqiang", "CN") in by_name and ("Li Qiang", "CN") in by_name
    # A monarch of several realms is one person per country.
    assert {c for n, c in by_name if n == "Elizabeth II"} == {"GB", "AU", "CA"}
    # Offices of one person in one country come together (Johnson: Foreign Secretary, then PM).
    _, johnson = by_name[("Boris Johnson", "GB")]
    assert [t.office for t in johnson] == ["foreign_minister", "head_of_government"]


def test_people_are_distinct():
    keys = [(name, country) for name, country, _, _ in people()]
    assert len(keys) == len(set(keys))
    assert sum(len(terms) for *_, terms in people()) == len(all_terms())


# --- validation ----------------------------------------------------------------------------------

GOOD_ROW = "RU,head_of_state,President,Vladimir Putin,Владимир Путин|Vladimir Vladimirovich Putin,2012-05-07,"


def read(*rows: str) -> list:
    return _read_csv("\n".join([",".join(HEADER), *rows]) + "\n", "test.csv")


def test_read_csv_good_row():
    (term,) = read(GOOD_ROW, "")
    assert term.aliases == ("Владимир Путин", "Vladimir Vladimirovich Putin")
    assert term.start == date(2012, 5, 7) and term.end is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("RU,president,President,Vladimir Putin,,2012-05-07,", "unknown office"),
        ("RU,head_of_state,President,Vladimir Putin,,2012-5-7,", "bad start date"),
        ("RU,head_of_state,President,Vladimir Putin,,2012-02-30,", "bad start date"),
        ("RU,head_of_state,President,Vladimir Putin,,2012-05-07,soon", "bad end date"),
        ("RU,head_of_state,President,Vladimir Putin,,2012-05-07,2008-05-07", "before start"),
        ("RU,head_of_state,President,,,2012-05-07,", "empty name"),
        ("RU,head_of_state,President,Vladimir Putin,2012-05-07,", "columns"),
    ],
)
def test_read_csv_rejects_bad_rows_with_file_and_line(row, message):
    with pytest.raises(ValueError, match=rf"^test\.csv:3: .*{message}"):
        read(GOOD_ROW, row)


def test_read_csv_rejects_bad_header():
    with pytest.raises(ValueError, match=r"^x\.csv:1: header"):
        _read_csv("country,office,name\n", "x.csv")


# --- the data ------------------------------------------------------------------------------------


def g20_rows() -> list[dict[str, str]]:
    text = resources.files("app.reference").joinpath("data/office_holders/g20.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def by_country_office() -> dict[tuple[str, str], list]:
    grouped = defaultdict(list)
    for term in all_terms():
        grouped[(term.country, term.office)].append(term)
    for terms in grouped.values():
        terms.sort(key=lambda t: t.start)
    return grouped


def is_acting(term) -> bool:
    return term.title.startswith("Acting ")


def test_all_terms_loads_every_csv_and_is_cached():
    assert all_terms() is all_terms()
    assert {t.office for t in all_terms()} <= OFFICES
    assert len(all_terms()) >= len(g20_rows())


def test_g20_file_covers_exactly_the_g20():
    assert {row["country"] for row in g20_rows()} == set(G20)


@pytest.mark.parametrize("country", G20)
@pytest.mark.parametrize("office", COUNTRY_OFFICES)
def test_every_g20_office_has_a_current_holder(country, office):
    terms = by_country_office()[(country, office)]
    current = [t for t in terms if t.end is None and not is_acting(t)]
    assert len(current) == 1, (country, office, names(current))


# Known stretches with no holder in the table: ministers holding the portfolio themselves for a while,
# or a caretaker not recorded.
ALLOWED_GAPS = {
    ("IN", "foreign_minister", date(1991, 2, 20)),  # Chandra Shekhar kept External Affairs himself
}
# Offices whose first recorded holder starts after 1990-01-01.
LATE_STARTS = {("RU", "foreign_minister")}  # RSFSR ministers before Kozyrev (Oct 1990) not recorded


@pytest.mark.parametrize("country", G20)
@pytest.mark.parametrize("office", COUNTRY_OFFICES)
def test_g20_terms_cover_the_period_without_long_gaps(country, office):
    terms = by_country_office()[(country, office)]
    if (country, office) not in LATE_STARTS:
        assert terms[0].start <= COVERAGE_START, (country, office, terms[0])
    covered_until = terms[0].end or AS_OF
    for term in terms[1:]:
        gap = (term.start - covered_until).days
        if (country, office, covered_until) not in ALLOWED_GAPS:
            assert gap <= 62, (country, office, covered_until, term.name, term.start)
        covered_until = max(covered_until, term.end or AS_OF)


def test_no_overlapping_terms_beyond_hand_over():
    # Acting holders of a suspended president overlap the suspended holder by design. An
    # organisation has several heads at once (the EU's Council and Commission presidents): one
    # succession per title there.
    successions = defaultdict(list)
    for (country, office), terms in by_country_office().items():
        for term in terms:
            successions[(country, office, term.title if office == "organization_head" else "")].append(term)
    for (country, office, _), terms in successions.items():
        regular = [t for t in terms if not is_acting(t)]
        for before, after in zip(regular, regular[1:]):
            assert before.end is not None, (country, office, before.name, "still in office but succeeded")
            assert after.start >= before.end - timedelta(days=3), (country, office, before.name, after.name)


def test_dates_within_the_coverage_period():
    # Start dates are the true ones (Thatcher took office in 1979); every term reaches into 1990..today.
    for term in all_terms():
        assert date(1945, 1, 1) <= term.start <= AS_OF, term
        assert term.end is None or COVERAGE_START <= term.end <= AS_OF, term


def test_presidential_systems_record_both_offices():
    for country in ("US", "MX", "BR", "AR", "ID", "KR", "ZA"):
        grouped = by_country_office()
        state = [(t.name, t.start, t.end) for t in grouped[(country, "head_of_state")]]
        government = [(t.name, t.start, t.end) for t in grouped[(country, "head_of_government")]]
        assert state == government, country


def test_rows_are_unique_and_one_person_is_spelt_one_way():
    rows = g20_rows()
    assert len({tuple(row.values()) for row in rows}) == len(rows)
    # Name keys may collide only where the people differ (the folding ignores vowels).
    spellings = defaultdict(set)
    for row in rows:
        spellings[(row["country"], name_key(row["name"]))].add(row["name"])
    assert {frozenset(v) for v in spellings.values() if len(v) > 1} == set()


def test_aliases_are_not_bare_surnames():
    for term in all_terms():
        if len(name_tokens(term.name)) < 2:
            continue  # a mononym (Suharto) may have spelling variants (Soeharto)
        surname = name_tokens(term.name)[-1]
        for alias in term.aliases:
            assert name_key(alias) != surname, (term.name, alias)
