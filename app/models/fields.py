"""Validated field types shared by the request models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

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
        raise ValueError(f"unknown country {value[:80]!r}; give an ISO 3166-1 code or an English name")
    return code


def _organization(value: str) -> str:
    code = resolve_organization(value)
    if code is None:
        raise ValueError(f"unknown organisation {value[:80]!r}")
    return code


def _party(value: str) -> str:
    code = resolve_country(value) or resolve_organization(value)
    if code is None:
        raise ValueError(f"unknown country or organisation {value[:80]!r}")
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


CountryCode = Annotated[str, StringConstraints(max_length=100), AfterValidator(_country)]
OrganizationCode = Annotated[str, StringConstraints(max_length=200), AfterValidator(_organization)]
PartyCode = Annotated[str, StringConstraints(max_length=200), AfterValidator(_party)]
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
ReadoutText = Annotated[str, StringConstraints(max_length=1_000_000), AfterValidator(_not_blank),
                        AfterValidator(_no_nul)]
