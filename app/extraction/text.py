"""The readout as the rules see it: a same-length working copy, its lines, sentences and word tokens.

Every rule runs on `Document.work`, a copy of the text in which typographic variants are replaced
character for character (curly quotes, dashes, no-break spaces, NULs, carriage returns). Because no
character is added or removed, an offset into `work` is an offset into the original text, and every
evidence span is a plain slice of what the caller gave us.

Readouts are short (a few thousand characters); anything past `MAX_CHARS` is ignored so that a
megabyte of junk costs no more than a long readout.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from anyascii import anyascii

# Far beyond any real readout (the longest in the corpus is ~2,000 characters).
MAX_CHARS = 20_000

_TRANSLATION = {
    0x2018: "'", 0x2019: "'", 0x201A: "'", 0x201B: "'", 0x2032: "'", 0x00B4: "'", 0x0060: "'",
    0x201C: '"', 0x201D: '"', 0x201E: '"', 0x00AB: '"', 0x00BB: '"',
    0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2015: "-", 0x2212: "-",
    0x00A0: " ", 0x2007: " ", 0x202F: " ", 0x2009: " ", 0x200A: " ", 0x3000: " ", 0x0009: " ",
    0x200B: " ", 0x200C: " ", 0x200D: " ", 0xFEFF: " ", 0x0000: " ", 0x000B: "\n", 0x000C: "\n",
    0x2028: "\n", 0x2029: "\n", 0x0085: "\n",
}
_CR = re.compile(r"\r(?!\n)")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower-case ASCII form of a word: "Erdoğan" → "erdogan", "Türkiye" → "turkiye"."""
    if word.isascii():
        return word.lower()
    return anyascii(word).lower()


class Token:
    """A word: its span, its text, its folded form, and whether it is capitalised or all capitals."""

    __slots__ = ("start", "end", "text", "low", "cap", "upper")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.low = text.lower() if text.isascii() else fold(text)
        self.cap = cap = text[0].isupper()
        self.upper = cap and len(text) > 1 and text.isupper()

    def __repr__(self) -> str:
        return f"Token({self.text!r}@{self.start})"


@dataclass(slots=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    line: int
    header: bool = False  # a headline or other short line before the body
    shouting: bool = False  # written in capitals: names and acronyms cannot be told apart
    t0: int = 0  # first token index
    t1: int = 0  # one past the last token index


@dataclass(slots=True)
class Line:
    index: int
    start: int
    end: int
    text: str


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


@dataclass
class Document:
    original: str
    work: str
    lower: str  # `work` with ASCII letters lower-cased: same length, for case-blind patterns
    lines: list[Line]
    sentences: list[Sentence]
    tokens: list[Token]
    token_starts: list[int] = field(default_factory=list)

    def gap(self, i: int) -> str:
        """The characters between token i and token i+1."""
        return self.work[self.tokens[i].end : self.tokens[i + 1].start]

    def sentence_tokens(self, sentence: Sentence) -> list[Token]:
        return self.tokens[sentence.t0 : sentence.t1]

    def token_at(self, offset: int) -> int:
        """Index of the first token starting at or after `offset`."""
        return bisect.bisect_left(self.token_starts, offset)


def working_copy(text: str) -> str:
    work = text[:MAX_CHARS].translate(_TRANSLATION)
    # A lone carriage return ends a line; in "\r\n" it is just padding.
    work = _CR.sub("\n", work).replace("\r", " ")
    return work


# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr st jr sr no gen lt col prof rev sen rep gov etc vs approx jan feb mar apr jun jul
    aug sep sept oct nov dec mt ft sgt capt cmdr adm hon excl incl fig dept est al e g i h""".split()
)
# After these, a capitalised word usually opens a new sentence even behind "U.S." and the like.
_SENTENCE_OPENERS = frozenset(
    """the a an he she they it we i this that these those in on at during after before both its his
    her their our however also moreover according""".split()
)
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*")


def _last_word(text: str) -> str:
    match = re.search(r"[^\W_]+$", text[-40:])
    return match.group(0) if match else ""


def _is_boundary(line: str, start: int, match: re.Match[str]) -> bool:
    """Whether the punctuation `match` ends a sentence that began at `start`."""
    end = match.end()
    if end >= len(line):
        return True
    nxt = line[end]
    if nxt.isspace():
        rest = line[end:].lstrip()
        if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'(["):
            return False
        glued = False
    elif nxt.isupper():
        glued = True  # "level.Landsbergis": a missing space, as published
    else:
        return False  # "7:30 p.m", "U.S.-Mexican", "Rio+20."
    if not match.group(0).startswith("."):
        return True
    before = line[: match.start()]
    word = _last_word(before)
    low = word.lower()
    if glued:
        # Only a real word ends a sentence here; "A.Dapkiunas" and "V.Putin" are initials.
        return len(word) >= 3 and word[-1].islower() and low not in _ABBREVIATIONS
    if low in _ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():
        # An initial ("Donald J. Trump") or the end of a dotted abbreviation ("U.S."): a sentence ends
        # only behind the abbreviation and before a word that typically opens one.
        dotted = before[:-1].endswith(".")
        following = re.match(r"\s*([^\W_]+)", line[end:])
        return dotted and bool(following) and following.group(1).lower() in _SENTENCE_OPENERS
    if word.isdigit() and len(word) <= 2 and not line[start : match.start() - len(word)].strip():
        return False  # a list number "1." opening the line
    return True


def _split_line(line: str) -> list[tuple[int, int]]:
    """Sentence spans (relative to the line) of one line of text."""
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        if _is_boundary(line, start, match):
            spans.append((start, match.end()))
            start = match.end()
    if start < len(line):
        spans.append((start, len(line)))
    return spans


_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")


def _is_shouting(text: str) -> bool:
    upper = len(_UPPER.findall(text))
    if upper < 8:
        return False
    return upper > 4 * len(_LOWER.findall(text))


def build_document(text: str) -> Document:
    work = working_copy(text)
    lines: list[Line] = []
    sentences: list[Sentence] = []
    offset = 0
    for raw in work.split("\n"):
        start, end = offset, offset + len(raw)
        offset = end + 1
        stripped = raw.lstrip()
        previous = lines[-1] if lines else None
        # A sentence wrapped onto the next line ("...a telephone conversation\nwith President X")
        # continues its line: the line break does not end it.
        if (
            previous is not None
            and stripped[:1].islower()
            and previous.text.strip()
            and previous.text.rstrip()[-1:] not in ".!?:;\"'"
        ):
            previous.end = end
            previous.text = work[previous.start : end]
            continue
        lines.append(Line(len(lines), start, end, raw))

    tokens = [Token(*m.span(), m.group()) for m in _WORD.finditer(work)]
    starts = [t.start for t in tokens]

    body_started = False
    for line in lines:
        if not line.text.strip():
            continue
        spans = _split_line(line.text)
        # Header lines: the short, unpunctuated lines before the body (headline, date line, source).
        words = len(_WORD.findall(line.text))
        is_header = not body_started and len(spans) == 1 and words <= 30 and not line.text.rstrip().endswith(".")
        if not is_header and words >= 8:
            body_started = True
        for rel_start, rel_end in spans:
            chunk = line.text[rel_start:rel_end]
            stripped_left = len(chunk) - len(chunk.lstrip())
            stripped_right = len(chunk.rstrip())
            if stripped_right <= stripped_left:
                continue
            start = line.start + rel_start + stripped_left
            end = line.start + rel_start + stripped_right
            sentence_text = work[start:end]
            t0 = bisect.bisect_left(starts, start)
            t1 = bisect.bisect_left(starts, end)
            sentences.append(
                Sentence(
                    index=len(sentences),
                    start=start,
                    end=end,
                    text=sentence_text,
                    line=line.index,
                    header=is_header,
                    shouting=_is_shouting(sentence_text),
                    t0=t0,
                    t1=t1,
                )
            )
    return Document(
        original=text, work=work, lower=work.translate(_ASCII_LOWER), lines=lines, sentences=sentences,
        tokens=tokens, token_starts=starts,
    )
