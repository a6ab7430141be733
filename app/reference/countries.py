"""Countries: ISO 3166-1 from pycountry, plus the short forms press services actually write.

pycountry holds the standard names ("Russian Federation", "Korea, Republic of"); readouts and
analysts write "Russia", "South Korea", "the U.S.". The curated table below only adds those common
short forms; every code and standard name comes from pycountry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pycountry


@dataclass(frozen=True, slots=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    alpha3: str
    name: str  # the name people use ("Russia"), not always ISO's ("Russian Federation")
    official_name: str


# Short forms and former names in common use, keyed by alpha-2. pycountry's name, official name and
# common name are always accepted as well.
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "US": ("U.S.", "U.S.A.", "USA", "US", "United States of America", "America", "the United States"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "United Kingdom"),
    "RU": ("Russia",),
    "KR": ("South Korea", "Republic of Korea", "ROK"),
    "KP": ("North Korea", "DPRK"),
    "IR": ("Iran",),
    "SY": ("Syria",),
    "VN": ("Vietnam", "Viet Nam"),
    "TW": ("Taiwan",),
    "MD": ("Moldova",),
    "BO": ("Bolivia",),
    "VE": ("Venezuela",),
    "LA": ("Laos",),
    "TZ": ("Tanzania",),
    "CZ": ("Czech Republic", "Czechia"),
    "TR": ("Turkey", "Türkiye", "Turkiye"),
    "CD": ("Democratic Republic of the Congo", "DR Congo", "DRC", "Congo-Kinshasa"),
    "CG": ("Republic of the Congo", "Congo-Brazzaville"),
    "CI": ("Ivory Coast", "Cote d'Ivoire"),
    "PS": ("Palestine", "State of Palestine"),
    "VA": ("Vatican", "Holy See", "Vatican City"),
    "MK": ("North Macedonia", "Macedonia"),
    "SZ": ("Eswatini", "Swaziland"),
    "CV": ("Cape Verde", "Cabo Verde"),
    "BN": ("Brunei",),
    "FM": ("Micronesia",),
    "KG": ("Kyrgyzstan", "Kirghizia"),
    "CN": ("China", "PRC", "People's Republic of China"),
    "AE": ("UAE", "U.A.E.", "Emirates"),
    "NL": ("Netherlands", "Holland"),
    "MM": ("Myanmar", "Burma"),
    "BY": ("Belarus", "Republic of Belarus"),
    "TL": ("East Timor", "Timor-Leste"),
}

# The display name for codes whose ISO short name reads oddly in a list.
_DISPLAY_NAMES = {code: names[0] for code, names in COMMON_NAMES.items() if code not in {"US", "GB"}}
_DISPLAY_NAMES.update({"US": "United States", "GB": "United Kingdom"})


def fold_label(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a country or organisation label."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[.’'`]", "", text)
    text = re.sub(r"[^0-9a-z]+", " ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


@lru_cache(maxsize=1)
def all_countries() -> dict[str, Country]:
    countries: dict[str, Country] = {}
    for record in pycountry.countries:
        code = record.alpha_2
        official = getattr(record, "official_name", None) or record.name
        name = _DISPLAY_NAMES.get(code) or getattr(record, "common_name", None) or record.name
        countries[code] = Country(code=code, alpha3=record.alpha_3, name=name, official_name=official)
    return countries


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for record in pycountry.countries:
        code = record.alpha_2
        names = [record.name, getattr(record, "official_name", None), getattr(record, "common_name", None)]
        for name in [*names, *COMMON_NAMES.get(code, ())]:
            if name:
                labels.setdefault(fold_label(name), code)
    return labels


def resolve_country(text: str) -> str | None:
    """The alpha-2 code for an alpha-2 or alpha-3 code or an English name; None when unknown.

    Two- and three-letter inputs are read as codes first ("BY", "blr"), so "US" is the United States
    and never a pronoun: callers pass labels, not prose.
    """
    stripped = text.strip()
    if not stripped:
        return None
    countries = all_countries()
    upper = stripped.upper()
    if len(upper) == 2 and upper in countries:
        return upper
    if len(upper) == 3 and upper.isalpha():
        record = pycountry.countries.get(alpha_3=upper)
        if record is not None:
            return record.alpha_2
    return _labels().get(fold_label(stripped))
