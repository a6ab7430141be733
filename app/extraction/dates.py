"""Dates in a readout: explicit ones in the common English forms, partial ones and relative ones.

Forms read: "24 October 2020", "October 24, 2020", "Thursday January 16, 2020", "May 18 (Monday), 2009",
"08 Jan. 2020", "16 APR 2026", "31.08.2019", "10/24/2020", "2020-10-24"; without a year "24 October",
"October 24"; relative "today", "this morning", "yesterday", "on Wednesday".

A partial or relative date is resolved against an anchor: the readout's own date line if it has one
(the press service's date, which reposts keep), else the publication date given by the caller.
Every pattern is a flat sequence of bounded pieces, so matching is linear in the text.
"""

from __future__ import annotations

import bisect
import datetime
import re
from dataclasses import dataclass

from app.extraction.text import Document

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3,
    "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
}
_M = r"(?P<m>january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
_M2 = _M.replace("?P<m>", "?P<m2>")
_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)"
_ORD = r"(?:st|nd|rd|th)?"

_DAY_MONTH = re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}(?:\s+of)?\s+{_M}\b\.?(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?")
_MONTH_DAY = re.compile(
    rf"\b{_M2}\b\.?\s+(?P<d>\d{{1,2}}){_ORD}\b(?:\s*\(\s*(?P<wd>{_WD})\.?\s*\))?(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?"
)
_NUMERIC = re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d\d)\b")
_ISO = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")
_RELATIVE = re.compile(
    r"\b(?P<rel>the day before yesterday|yesterday|today|tonight|last night|this morning|this afternoon|this evening)\b"
)
_ON_WEEKDAY = re.compile(rf"\b(?:on|last|this|late on|early on)\s+(?:the\s+(?:morning|afternoon|evening|night)\s+of\s+)?(?P<wd>{_WD})\b")
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
                  "yesterday": -1, "last night": -1, "the day before yesterday": -2}


_RELATIVE_STARTS = frozenset({"the", "yesterday", "today", "tonight", "last", "this", "on", "late", "early"})


def _add_match(doc: Document, pattern: re.Pattern[str], match: re.Match[str], found: list[DateMention], us_order: bool) -> None:
    if pattern is _DAY_MONTH:
        month = _MONTHS[match.group("m")]
        year = int(match.group("y")) if match.group("y") else 0
        found.append(DateMention(match.start(), match.end(), "full" if year else "partial", int(match.group("d")), month, year))
    elif pattern is _MONTH_DAY:
        word = doc.work[match.start("m2") : match.end("m2")]
        # "may" is a verb unless written as a month ("May 2"), and "mar"/"sun" are words.
        if word.islower() and word in {"may", "mar", "sun", "sat", "dec", "jan"}:
            return
        month = _MONTHS[word.lower()]
        year = int(match.group("y")) if match.group("y") else 0
        weekday = _WEEKDAYS.get((match.group("wd") or "").lower(), -1)
        found.append(
            DateMention(match.start(), match.end(), "full" if year else "partial", int(match.group("d")), month, year, weekday=weekday)
        )
    elif pattern is _NUMERIC:
        a, b, year = int(match.group("a")), int(match.group("b")), int(match.group("y"))
        # Day first (31.08.2019) unless the first number cannot be a day or the source writes U.S. style.
        if match.group("sep") == "/" and us_order and a <= 12:
            a, b = b, a
        if b > 12 and a <= 12:
            a, b = b, a
        found.append(DateMention(match.start(), match.end(), "full", a, b, year))
    elif pattern is _ISO:
        found.append(DateMention(match.start(), match.end(), "full", int(match.group("d")), int(match.group("m")), int(match.group("y"))))
    elif pattern is _RELATIVE:
        found.append(DateMention(match.start(), match.end(), "relative", offset_days=_RELATIVE_DAYS[match.group("rel")]))
    elif pattern is _ON_WEEKDAY:
        found.append(DateMention(match.start("wd"), match.end("wd"), "weekday", weekday=_WEEKDAYS[match.group("wd")]))



@dataclass(slots=True)
class DateMention:
    start: int
    end: int
    kind: str  # "full" (day, month, year) | "partial" (day and month) | "relative" | "weekday"
    day: int = 0
    month: int = 0
    year: int = 0
    offset_days: int = 0  # relative
    weekday: int = -1
    value: datetime.date | None = None  # filled by resolve()


def _valid(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def find_dates(doc: Document, *, us_order: bool = False) -> list[DateMention]:
    """Every date-like expression of the text, in order, without overlaps (longest wins)."""
    text = doc.lower
    found: list[DateMention] = []
    # Patterns are tried only where a date can start: at a number, a month, a weekday or a
    # relative word. Far cheaper than scanning every character with six patterns.
    for token in doc.tokens:
        low = token.low
        pos = token.start
        if low.isdigit():
            for pattern in (_DAY_MONTH, _NUMERIC, _ISO):
                match = pattern.match(text, pos)
                if match is not None:
                    _add_match(doc, pattern, match, found, us_order)
        elif low in _MONTHS:
            match = _MONTH_DAY.match(text, pos)
            if match is not None:
                _add_match(doc, _MONTH_DAY, match, found, us_order)
        elif low in _RELATIVE_STARTS:
            for pattern in (_RELATIVE, _ON_WEEKDAY):
                match = pattern.match(text, pos)
                if match is not None:
                    _add_match(doc, pattern, match, found, us_order)

    # Keep the longest of overlapping mentions; a weekday just before a full date belongs to it.
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    kept: list[DateMention] = []
    for mention in found:
        if mention.kind in ("full", "partial") and not _valid(mention.year or 2000, mention.month, mention.day):
            continue
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    result = []
    for i, mention in enumerate(kept):
        if mention.kind == "weekday" and i + 1 < len(kept):
            nxt = kept[i + 1]
            between = text[mention.end : nxt.start]
            if nxt.kind in ("full", "partial") and len(between) <= 4 and not between.strip(" ,("):
                nxt.weekday = mention.weekday
                continue
        result.append(mention)
    return result


def resolve(mention: DateMention, anchor: datetime.date | None) -> datetime.date | None:
    """The calendar date a mention stands for, given the anchor (None when it cannot be told)."""
    if mention.kind == "full":
        return _valid(mention.year, mention.month, mention.day)
    if anchor is None:
        return None
    if mention.kind == "partial":
        # The year of the anchor, unless that puts the contact well after the text was written
        # ("31 December" in a text dated 2 January is last year's).
        candidate = _valid(anchor.year, mention.month, mention.day)
        if candidate is None:
            return None
        if candidate > anchor + datetime.timedelta(days=7):
            candidate = _valid(anchor.year - 1, mention.month, mention.day)
        return candidate
    if mention.kind == "relative":
        return anchor + datetime.timedelta(days=mention.offset_days)
    if mention.kind == "weekday":
        # Readouts report the past: the latest such weekday on or before the anchor.
        back = (anchor.weekday() - mention.weekday) % 7
        return anchor - datetime.timedelta(days=back)
    return None


_DATELINE_NOISE = re.compile(r"\b(?:last\s+)?(?:updated|modified|revised|accessed)\b", re.I)
_TIME = re.compile(r"\b\d{1,2}[:.]\d\d\b|\b(?:a\.?m|p\.?m)\b\.?|\b\d{1,2}(?:am|pm)\b", re.I)


def dateline_dates(doc: Document, mentions: list[DateMention]) -> list[DateMention]:
    """Full dates standing (nearly) alone on a line: the readout's own date lines, in order.

    "31.08.2019", "Doha, 09 October 2023", "For Immediate Release May 2, 2009",
    "Tuesday, January 27th, 2009 at 12:00 am"; not "Last updated: 14 Jan. 2020".
    """
    result = []
    line_starts = [line.start for line in doc.lines]
    for mention in mentions:
        if mention.kind != "full":
            continue
        line = doc.lines[bisect.bisect_right(line_starts, mention.start) - 1]
        if line.end - line.start > 160:
            continue  # a date line is short; a long line is body text
        if _DATELINE_NOISE.search(line.text):
            continue
        rest = doc.work[line.start : mention.start] + " " + doc.work[mention.end : line.end]
        rest = _TIME.sub(" ", rest)
        words = re.findall(r"[^\W\d_]+", rest)
        if len(words) <= 6:
            result.append(mention)
    return result
