"""Office-holders: who was head of state, head of government or foreign minister where, and when.

Press-service readouts rarely name their own principal's country ("President Putin") or even the
principal ("the Prime Minister spoke to..."). This table answers both: a country, title and date give
the person; a name (or a bare surname) gives the person's offices. It also seeds the people store.

The data are curated CSVs in data/office_holders/ (every *.csv there is read), one row per person,
office and term, with the header

    country,office,title,name,aliases,start,end

`aliases` is "|"-separated; `end` is empty while the holder is in office. Both ends are inclusive, so
on a hand-over day the outgoing and the incoming holder are both returned.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from app.reference.names import name_key, name_tokens

# In the order results list them.
_OFFICE_ORDER = ("head_of_state", "head_of_government", "foreign_minister", "organization_head")
OFFICES = frozenset(_OFFICE_ORDER)
HEADER = ("country", "office", "title", "name", "aliases", "start", "end")

_PACKAGE = "app.reference"
_FOLDER = "data/office_holders"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Titles readouts use, mapped to offices. A title not listed here still matches rows carrying exactly
# that title ("Federal President", "Crown Prince and Prime Minister"). "President" means head of state;
# the head-of-government rows of presidential systems carry the title "President" and so match too.
_TITLE_OFFICES: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        (
            "foreign minister",
            "minister of foreign affairs",
            "minister for foreign affairs",
            "foreign secretary",
            "secretary of state",
            "secretary of foreign affairs",
            "external affairs minister",
            "minister of external affairs",
        ),
        frozenset({"foreign_minister"}),
    ),
    **dict.fromkeys(("president", "king", "queen", "emperor"), frozenset({"head_of_state"})),
    **dict.fromkeys(
        ("prime minister", "premier", "chancellor", "federal chancellor"), frozenset({"head_of_government"})
    ),
    "secretary general": frozenset({"organization_head"}),
}

# Countries whose office-holders are called by the first part of their written name: the family name
# comes first (Xi Jinping → "President Xi", Yoon Suk Yeol → "President Yoon"), or usage goes by the
# first name (Prabowo Subianto → "President Prabowo", Prayut Chan-o-cha → "Prime Minister Prayut").
_FIRST_NAME_USED = frozenset({"CN", "TW", "HK", "MO", "KR", "KP", "SG", "ID", "TH"})

# Regnal numbers and generational suffixes are not surnames: "Elizabeth II" answers to "Elizabeth".
_NAME_SUFFIX = re.compile(r"(?:\s+(?:[IVX]+|Jr\.?|Sr\.?))+\s*$")


@dataclass(frozen=True, slots=True)
class OfficeTerm:
    country: str  # alpha-2 or organisation acronym
    office: str  # head_of_state | head_of_government | foreign_minister | organization_head
    title: str
    name: str
    aliases: tuple[str, ...]
    start: date
    end: date | None  # None: in office

    def covers(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


def _parse_date(value: str, where: str, column: str) -> date:
    # fromisoformat alone would also take "20200101" and week dates; the data use one form only.
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(f"{where}: bad {column} date {value!r} (want YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: bad {column} date {value!r}") from None


def _read_csv(text: str, source: str) -> list[OfficeTerm]:
    """The terms in one CSV file's text; ValueError naming `source` and the line on a bad row."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(cell.strip() for cell in header) != HEADER:
        raise ValueError(f"{source}:1: header must be {','.join(HEADER)}, got {header!r}")
    terms = []
    for row in reader:
        where = f"{source}:{reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            raise ValueError(f"{where}: expected {len(HEADER)} columns, got {len(row)}")
        country, office, title, name, aliases, start, end = (cell.strip() for cell in row)
        if office not in OFFICES:
            raise ValueError(f"{where}: unknown office {office!r}")
        for column, value in (("country", country), ("title", title), ("name", name)):
            if not value:
                raise ValueError(f"{where}: empty {column}")
        start_date = _parse_date(start, where, "start")
        end_date = _parse_date(end, where, "end") if end else None
        if end_date is not None and end_date < start_date:
            raise ValueError(f"{where}: end {end} is before start {start}")
        alias_list = tuple(dict.fromkeys(a.strip() for a in aliases.split("|") if a.strip() and a.strip() != name))
        terms.append(OfficeTerm(country, office, title, name, alias_list, start_date, end_date))
    return terms


@lru_cache(maxsize=1)
def all_terms() -> tuple[OfficeTerm, ...]:
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    terms: list[OfficeTerm] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            # utf-8-sig: a byte-order mark from a spreadsheet export must not break the header check.
            terms.extend(_read_csv(entry.read_text(encoding="utf-8-sig"), f"{_FOLDER}/{entry.name}"))
    terms.sort(key=lambda t: (t.country, _OFFICE_ORDER.index(t.office), t.start, t.name))
    return tuple(terms)


@lru_cache(maxsize=1)
def _by_country() -> dict[str, tuple[OfficeTerm, ...]]:
    index: dict[str, list[OfficeTerm]] = defaultdict(list)
    for term in all_terms():
        index[term.country.upper()].append(term)
    return {country: tuple(terms) for country, terms in index.items()}


def holders(*, country: str, office: str, on: date) -> list[OfficeTerm]:
    """Who held `office` in `country` on `on`; usually one term, two on a hand-over day, or none."""
    if office not in OFFICES:
        raise ValueError(f"unknown office {office!r}; expected one of {sorted(OFFICES)}")
    return [t for t in _by_country().get(country.strip().upper(), ()) if t.office == office and t.covers(on)]


def _fold_title(title: str) -> str:
    text = _fold_spelling(title.replace("-", " "))
    return text[4:] if text.startswith("the ") else text


def holders_by_title(*, country: str, title: str, on: date) -> list[OfficeTerm]:
    """Who held the office a readout calls `title` in `country` on `on` (case-insensitive, with synonyms)."""
    wanted = _fold_title(title)
    offices = _TITLE_OFFICES.get(wanted, frozenset())
    return [
        t
        for t in _by_country().get(country.strip().upper(), ())
        if t.covers(on) and (t.office in offices or _fold_title(t.title) == wanted)
    ]


def _fold_spelling(text: str) -> str:
    """Case- and accent-insensitive spelling, words joined by single spaces (keeps any script)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", bare.casefold().replace("'", "").replace("’", "")))


def _spellings(term: OfficeTerm) -> frozenset[str]:
    return frozenset(_fold_spelling(n) for n in (term.name, *term.aliases))


def _surname_keys(term: OfficeTerm) -> list[str]:
    """Keys a partial name may match: each trailing run of the name's tokens ("Putin", "Lula da Silva",
    "Elizabeth" for "Elizabeth II"), and the first token where usage goes by it ("Xi", "Prabowo")."""
    tokens = name_tokens(_NAME_SUFFIX.sub("", term.name)) or name_tokens(term.name)
    keys = [" ".join(tokens[i:]) for i in range(len(tokens))]
    if term.country.upper() in _FIRST_NAME_USED and len(tokens) > 1:
        keys.append(tokens[0])
    return keys


@lru_cache(maxsize=1)
def _name_indexes() -> tuple[dict[str, list[OfficeTerm]], dict[str, list[OfficeTerm]]]:
    full: dict[str, list[OfficeTerm]] = defaultdict(list)
    partial: dict[str, list[OfficeTerm]] = defaultdict(list)
    for term in all_terms():
        for key in dict.fromkeys(name_key(n) for n in (term.name, *term.aliases)):
            if key:
                full[key].append(term)
        for key in dict.fromkeys(_surname_keys(term)):
            partial[key].append(term)
    return dict(full), dict(partial)


def terms_for_name(name: str, *, on: date | None = None) -> list[OfficeTerm]:
    """Terms of the holders `name` may refer to, optionally only those covering `on`.

    Order: the same spelling as the name or an alias; then spellings that fold to the same key (which
    also catches different names differing only in vowels, e.g. Li Keqiang and Li Qiang); then partial
    names (a surname, "Putin"). Within each group, by start date.
    """
    key = name_key(name)
    if not key:
        return []
    full, partial = _name_indexes()
    spelling = _fold_spelling(name)
    ranked: dict[OfficeTerm, int] = {}
    for term in full.get(key, ()):
        ranked.setdefault(term, 0 if spelling in _spellings(term) else 1)
    for term in partial.get(key, ()):
        ranked.setdefault(term, 2)
    found = [t for t in ranked if on is None or t.covers(on)]
    return sorted(found, key=lambda t: (ranked[t], t.start, t.country, _OFFICE_ORDER.index(t.office)))


def people() -> list[tuple[str, str, tuple[str, ...], list[OfficeTerm]]]:
    """One entry per person: (name, country, aliases, terms sorted by start).

    A person is a country plus a name key; rows whose name keys collide but share no spelling
    (Li Keqiang and Li Qiang both fold to "l kng") stay separate people. The name is the one on the
    latest term, the aliases every other spelling on any term.
    """
    buckets: dict[tuple[str, str], list[tuple[set[str], list[OfficeTerm]]]] = defaultdict(list)
    for term in all_terms():
        spellings = set(_spellings(term))
        groups = buckets[(term.country, name_key(term.name))]
        for group_spellings, group_terms in groups:
            if group_spellings & spellings:
                group_spellings |= spellings
                group_terms.append(term)
                break
        else:
            groups.append((spellings, [term]))
    result = []
    for (country, _), groups in buckets.items():
        for _, terms in groups:
            terms.sort(key=lambda t: (t.start, _OFFICE_ORDER.index(t.office)))
            name = max(terms, key=lambda t: t.start).name
            seen = {_fold_spelling(name)}
            aliases = []
            for term in terms:
                for spelling in (term.name, *term.aliases):
                    if _fold_spelling(spelling) not in seen:
                        seen.add(_fold_spelling(spelling))
                        aliases.append(spelling)
            result.append((name, country, tuple(aliases), terms))
    result.sort(key=lambda person: (person[1], person[0]))
    return result
