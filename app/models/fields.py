"""Validated field types shared by the request models."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StringConstraints

from app.reference.countries import resolve_country
from app.reference.organizations import resolve_organization


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text, and no readout legitimately contains one.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _country(value: str) -> str:
    code = resolve_country(value)
    if code is None:
        raise ValueError("unknown country; give an ISO 3166-1 code or an English name")
    return code


def _organization(value: str) -> str:
    code = resolve_organization(value)
    if code is None:
        raise ValueError("unknown organisation")
    return code


def _party(value: str) -> str:
    code = resolve_country(value) or resolve_organization(value)
    if code is None:
        raise ValueError("unknown country or organisation")
    return code


def _http_url(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")) or any(ch.isspace() for ch in value):
        raise ValueError("must be an http(s) URL")
    return value


def text(max_length: int, *, min_length: int = 0) -> type[str]:
    """A string stripped of surrounding white space, bounded, without NUL."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


CountryCode = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_country)]
OrganizationCode = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_organization)]
PartyCode = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_party)]
PersonName = text(200, min_length=1)
Title = text(200, min_length=1)
Publisher = text(300, min_length=1)
Url = Annotated[text(2048, min_length=1), AfterValidator(_http_url)]
Summary = text(5000)
def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only white space")
    return value


# A readout exactly as published (not even stripped); the body limit bounds it long before this does.
ReadoutText = Annotated[str, StringConstraints(min_length=1, max_length=1_000_000), AfterValidator(_not_blank),
                        AfterValidator(_no_nul)]


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _rfc3339(value: object) -> object:
    # pydantic would also take a number of seconds since 1970; the contract says RFC 3339.
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 timestamp with a zone, e.g. 2020-10-24T12:00:00Z")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _iso_date(value: object) -> object:
    # pydantic would also read a number as seconds since 1970; the contract's dates are ISO 8601.
    if not isinstance(value, date) and not (isinstance(value, str) and _ISO_DATE.match(value)):
        raise ValueError("must be an ISO 8601 date, e.g. 2020-10-24")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
# A page size: the contract's maximum is 500 (MAX_PAGE_SIZE may lower it, not raise it).
PAGE_SIZE_MAX = 500
