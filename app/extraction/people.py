"""People in a sentence: titles, names and the countries attached to them.

Readouts write a person in a handful of shapes, all read here by one left-to-right scan of tokens:

    [qualifier] TITLE [of COUNTRY] [,] NAME [of COUNTRY]   "Belarus President Aleksandr Lukashenko",
                                                           "President of the Russian Federation Vladimir Putin",
                                                           "the Foreign Minister of Saudi Arabia, Prince Faisal",
                                                           "President Donald Trump of the United States"
    NAME, TITLE [of COUNTRY]                               "Mr. Shinzo Abe, Prime Minister of Japan"
    TITLEs NAME and NAME                                   "Presidents Obama and Calderon"
    the TITLEs of COUNTRY and COUNTRY                      "the presidents of Belarus and Kazakhstan"
    the TITLE, a bare title                                "The Prime Minister spoke to..."
    NAME                                                   "Vladimir Putin had a telephone conversation..."

A title is modifiers + a head + complements: "First Deputy Minister of Foreign Affairs of the
Republic of Belarus". Complements that name a country give the country and are dropped from the
written title; those naming a ministry or council stay ("Minister of Foreign Affairs").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.extraction import lexicon
from app.extraction.gazetteer import Match, find_all
from app.extraction.text import Document, Sentence, Token

_MAX_NAME_TOKENS = 10
_HEADS_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _words, _written in sorted(lexicon.TITLE_HEADS.items(), key=lambda kv: -len(kv[0])):
    _HEADS_BY_FIRST.setdefault(_words[0], []).append((_words, _written))
_CONNECTOR_WORDS = frozenset({"of", "for", "the", "and", "on", "to", "in"})
# Verbs after which a name is the subject of the contact.
_PARTICIPANT_VERBS = frozenset(
    "had held has have holds met meets spoke speaks talked talks called calls received receives and telephoned phoned".split()
)
# Misspellings of title words as published, written correctly in the output.
_TITLE_TYPOS = {"Minster": "Minister", "Ministers": "Minister"}


@dataclass(slots=True)
class Mention:
    sentence: int
    start: int
    end: int
    name: str | None = None
    name_span: tuple[int, int] | None = None
    title: str | None = None
    title_span: tuple[int, int] | None = None
    country: str | None = None
    country_span: tuple[int, int] | None = None
    country_from: str = ""  # "qualifier" | "complement" | "suffix"
    plural: bool = False
    role: bool = False  # "counterpart", "leader": a role noun, not a title
    pronoun: bool = False  # "I" in a first-person statement
    speaker: bool = False  # "Foreign Secretary, Shri Vijay Gokhale:" introducing quoted speech
    honorific: bool = False  # "Mr Erdogan": a one-word name made certain by a courtesy title


@dataclass(slots=True)
class _Title:
    t0: int
    t1: int
    written: str | None
    country: str | None = None
    country_span: tuple[int, int] | None = None
    countries: list[tuple[str, tuple[int, int]]] = field(default_factory=list)
    plural: bool = False
    role: bool = False
    has_complement: bool = False


def _clean_title(words: list[str]) -> str:
    """Written form of a title: each word capitalised except connectors, acronyms kept."""
    out = []
    words = [_TITLE_TYPOS.get(w, w) for w in words]
    for k, word in enumerate(words):
        low = word.lower()
        if k > 0 and low in _CONNECTOR_WORDS:
            out.append(low)
        elif word.isupper() and len(word) > 1:
            out.append(word)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    text = " ".join(out)
    return text.replace(" - ", "-").replace(" / ", "/")


class SentenceReader:
    """Reads the person mentions of one sentence."""

    def __init__(self, doc: Document, sentence: Sentence) -> None:
        self.doc = doc
        self.sentence = sentence
        self.tokens = doc.tokens
        self.t0, self.t1 = sentence.t0, sentence.t1
        self.matches: list[Match] = find_all(doc, self.t0, self.t1)
        self.match_at: dict[int, Match] = {m.t0: m for m in self.matches}
        self.match_ending: dict[int, Match] = {m.t1: m for m in self.matches}
        self.covered: set[int] = {k for m in self.matches for k in range(m.t0, m.t1)}

    # --- small helpers -----------------------------------------------------------------------
    def gap(self, i: int) -> str:
        return self.doc.gap(i) if i + 1 < len(self.tokens) else ""

    def tok(self, i: int) -> Token | None:
        return self.tokens[i] if self.t0 <= i < self.t1 else None

    def low(self, i: int) -> str:
        token = self.tok(i)
        return token.low if token is not None else ""

    def _joined(self, i: int) -> bool:
        """Token i and token i+1 are parts of one phrase (no clause punctuation between them)."""
        gap = self.gap(i)
        return len(gap) <= 3 and gap.strip(" -.'") == "" and "\n" not in gap

    def head_at(self, i: int) -> tuple[int, str, str] | None:
        """(end index, written head, first folded word) of a title head starting at token i."""
        token = self.tok(i)
        if token is None:
            return None
        for words, written in _HEADS_BY_FIRST.get(token.low, ()):
            n = len(words)
            if i + n > self.t1:
                continue
            if all(self.tokens[i + k].low == words[k] for k in range(1, n)) and all(
                self._joined(i + k) for k in range(n - 1)
            ):
                last = i + n - 1
                if self.gap(last) == "-" and last + 1 < self.t1 and self.tokens[last + 1].cap:
                    continue  # "Amir-Abdollahian": a name that begins like a title
                if words == ("pm",) or words == ("fm",):
                    if token.text not in ("PM", "FM"):
                        continue
                return i + n, written, words[0]
        return None

    def is_name_token(self, i: int) -> bool:
        token = self.tok(i)
        if token is None or not token.text[:1].isalpha():
            return False
        if not (token.cap or token.upper):
            return False
        if i in self.covered:
            return False
        low = token.low
        if low in lexicon.NAME_PREFIXES:
            return True
        if low in lexicon.NOT_NAME_WORDS or low in lexicon.HONORIFICS or low in lexicon.TITLE_MODIFIERS:
            return len(token.text) == 1 and self.gap(i).startswith(".")  # an initial: "E. Macron"
        if self.head_at(i) is not None:
            return False
        return True

    # --- names -------------------------------------------------------------------------------
    def skip_honorifics(self, i: int) -> tuple[int, bool]:
        """Index after courtesy words ("H.E. Mr.", "the Honorable"), and whether any was there."""
        found = False
        limit = i + 6
        while i < min(self.t1, limit):
            low = self.low(i)
            if low == "the" and self.low(i + 1) in lexicon.HONORIFICS:
                i += 1
                continue
            if low in lexicon.HONORIFICS:
                token = self.tokens[i]
                # "HE"/"His" only count before another honorific or a capitalised word.
                if low in ("he", "his", "her") and not token.cap:
                    break
                if low == "e" and not found:
                    break
                if low == "h" and self.low(i + 1) != "e":
                    break
                if low in ("his", "her") and self.low(i + 1) not in ("excellency", "majesty", "highness"):
                    break
                found = True
                i += 1
                continue
            break
        return i, found

    def read_name(self, i: int) -> tuple[int, int] | None:
        """Token range [i, j) of a personal name starting at token i, or None."""
        j = i
        real = 0
        while j < self.t1 and j - i < _MAX_NAME_TOKENS:
            token = self.tokens[j]
            low = token.low
            hyphenated = j > i and self.doc.work[self.tokens[j - 1].end : token.start] == "-" and token.text[:1].isalpha()
            if hyphenated and not self.is_name_token(j):
                pass  # "Ki-moon", "Amir-Abdollahian": the second part of a hyphenated name
            elif self.is_name_token(j):
                if len(token.text) == 1 and not self.gap(j).startswith("."):
                    # A lone capital not followed by a full stop is not an initial ("Plan B").
                    if j == i:
                        return None
                    break
                if len(token.text) > 1 and low not in lexicon.NAME_PREFIXES:
                    real += 1
            elif low in lexicon.NAME_PARTICLES and j > i and (
                self.is_name_token(j + 1) and self._joined(j)
            ):
                pass  # "bin", "al", "el", "da" inside a name
            elif low in ("al", "el") and j == i and self.gap(j) == "-" and self.is_name_token(j + 1):
                pass  # "Al-Thani" opening a name
            elif token.text.startswith("(") or self.doc.work[token.start - 1 : token.start] == "(":
                # "(Dick)": a nickname in brackets inside a name
                if j > i and self.doc.work[token.end : token.end + 1] == ")" and self.is_name_token(j + 1):
                    pass
                else:
                    break
            else:
                break
            if j + 1 < self.t1 and not self._name_gap(j):
                j += 1
                break
            j += 1
        # Drop trailing particles, prefixes and post-nominals.
        while j > i and (
            self.low(j - 1) in lexicon.NAME_PARTICLES
            or self.low(j - 1) in lexicon.NAME_PREFIXES
            or self.low(j - 1) in lexicon.NAME_SUFFIXES_DROPPED
        ):
            if self.low(j - 1) in lexicon.NAME_SUFFIXES_DROPPED:
                real -= 1
            j -= 1
        if real == 0 or j <= i:
            return None
        return i, j

    def _name_gap(self, j: int) -> bool:
        """Whether the characters after token j may continue a name."""
        gap = self.gap(j)
        if gap in (" ", "-", ".", ". ", " (", ") ", "'", "' "):
            if gap in ("'", "' ") and self.low(j + 1) == "s":
                return False  # a possessive ends the name
            return True
        return False

    def name_text(self, i: int, j: int) -> tuple[str, tuple[int, int]]:
        start = self.tokens[i].start
        end = self.tokens[j - 1].end
        # "Joseph R. Biden, Jr.": a generational suffix belongs to the name.
        after = self.doc.work[end : end + 6]
        for suffix in (", Jr.", " Jr.", ", Jr", " Jr", ", Sr.", " Sr."):
            if after.startswith(suffix):
                end += len(suffix)
                break
        return self.doc.original[start:end], (start, end)

    # --- titles ------------------------------------------------------------------------------
    def read_title(self, i: int) -> _Title | None:
        """A title starting at token i: modifiers, a head, complements; None if there is none."""
        j = i
        while j < self.t1 and self.low(j) in lexicon.TITLE_MODIFIERS and self.head_at(j) is None and j - i < 4:
            if not self._joined(j):
                return None
            j += 1
        head = self.head_at(j)
        if head is None:
            # A modifier may itself start a head ("Vice President", "Prime Minister").
            return None
        end, written, first = head
        head_token = self.tokens[j]
        plural = self.tokens[end - 1].low in lexicon.PLURAL_HEADS
        role = written in lexicon.ROLE_HEADS
        # Keep hyphenated heads as written ("Secretary-General").
        written_words = self._written_words(i, end)
        title = _Title(i, end, None, plural=plural, role=role)
        k = end
        # "Ambassador Extraordinary and Plenipotentiary"
        if self.low(k) == "extraordinary" and self.low(k + 1) == "and" and self.low(k + 2) == "plenipotentiary":
            k += 3
            title.t1 = k
        kept_words = list(written_words)
        while k < self.t1:
            prep = self.low(k)
            slash = self.doc.work[self.tokens[k - 1].end : self.tokens[k].start].strip() == "/"
            if slash and not plural and (self.head_at(k) or prep in lexicon.TITLE_MODIFIERS):
                # "High Representative/Vice-President": one person holding two offices.
                second = self.read_title(k)
                if second is not None and not second.plural and second.written:
                    kept_words = [*kept_words, "/", *second.written.split()]
                    title.t1 = k = second.t1
                    if title.country is None:
                        title.country, title.country_span = second.country, second.country_span
                    continue
                break
            if prep in ("of", "for", "to", "on"):
                p = k + 1
                if self.low(p) == "the":
                    p += 1
                match = self.match_at.get(p)
                if match is not None and match.category in ("country", "org", "body"):
                    if prep in ("of", "for") and title.country is None:
                        title.country = match.code
                        title.country_span = (match.start, match.end)
                    if match.category == "body" and prep in ("of", "for"):
                        kept_words.extend(self._written_words(k, match.t1))
                    title.countries.append((match.code, (match.start, match.end)))
                    title.has_complement = True
                    k = match.t1
                    # "the presidents of Belarus and Kazakhstan"
                    while plural and k < self.t1:
                        if self.low(k) == "and":
                            nxt = k + 1
                        elif self.doc.work[self.tokens[k - 1].end : self.tokens[k - 1].end + 1] == ",":
                            nxt = k + 1 if self.low(k) == "and" else k
                        else:
                            break
                        if self.low(nxt) == "the":
                            nxt += 1
                        other = self.match_at.get(nxt)
                        if other is None or other.category not in ("country", "org"):
                            break
                        title.countries.append((other.code, (other.start, other.end)))
                        k = other.t1
                    title.t1 = k
                    continue
                dept_end = self._department(p)
                if dept_end > p and prep in ("of", "for", "on"):
                    kept_words.extend(self._written_words(k, dept_end))
                    title.has_complement = True
                    k = dept_end
                    title.t1 = k
                    continue
                break
            if prep == "and" and not plural:
                second = self.read_title(k + 1) if self.head_at(k + 1) or self.low(k + 1) in lexicon.TITLE_MODIFIERS else None
                if second is not None and not second.plural:
                    first_written = _clean_title(kept_words)
                    second_written = second.written or ""
                    if first_written.lower().startswith("member"):
                        kept_words = second_written.split()  # "Member of the Politburo and Director of ...": the office
                    elif second_written.lower().startswith("member"):
                        pass
                    else:
                        kept_words = [*kept_words, "and", *second_written.split()]
                    title.t1 = second.t1
                    if title.country is None:
                        title.country, title.country_span = second.country, second.country_span
                    title.has_complement = title.has_complement or second.has_complement
                    k = second.t1
                    continue
            break
        if not (head_token.cap or head_token.upper or title.country or plural):
            # A lower-case "president" is a title only when something shows it is one.
            nxt = self.tok(title.t1)
            if not (nxt is not None and self.is_name_token(title.t1)):
                if self.match_ending.get(i) is None:
                    return None
        if written == "counterpart":
            title.written = None
        elif plural:
            title.written = written if written not in ("Leader", "Head") else None
        else:
            title.written = _clean_title(kept_words)
        if written in ("Leader", "Head"):
            title.role = True
            title.written = None if written == "Leader" or not title.has_complement else title.written
        return title

    def _written_words(self, i: int, j: int) -> list[str]:
        """The words of tokens [i, j) as written, hyphenated compounds kept together."""
        words: list[str] = []
        for k in range(i, j):
            text = self.tokens[k].text
            if words and self.doc.work[self.tokens[k - 1].end : self.tokens[k].start] == "-":
                words[-1] = words[-1] + "-" + text
            elif words and self.doc.work[self.tokens[k - 1].end : self.tokens[k].start] == "'" and text.lower() == "s":
                words[-1] = words[-1] + "'s"
            else:
                words.append(text)
        return words

    def _department(self, p: int) -> int:
        """End of a ministry/council phrase starting at token p ("Foreign Affairs", "State")."""
        k = p
        last_good = p
        while k < self.t1 and k - p < 12:
            token = self.tokens[k]
            if self._department_word(k):
                k += 1
                last_good = k
                if not self._joined(k - 1):
                    break
                continue
            if token.low in _CONNECTOR_WORDS and k > p and not token.cap:
                k += 1
                continue
            match = self.match_at.get(k)
            if match is not None and match.category in ("org", "body") and k > p:
                k = match.t1
                last_good = k
                continue
            break
        return last_good

    def _department_word(self, k: int) -> bool:
        token = self.tokens[k]
        return token.low in lexicon.DEPARTMENT_WORDS and (token.cap or token.upper) and k not in self.covered

    # --- the scan ------------------------------------------------------------------------------
    def read(self, *, titled_only: bool = False) -> list[Mention]:
        """The person mentions of the sentence; with `titled_only`, only those carrying a title
        (enough for sentences that do not report the contact: they serve coreference only)."""
        if self.sentence.shouting:
            return []
        mentions: list[Mention] = []
        used: set[int] = set()
        i = self.t0
        while i < self.t1:
            low = self.tokens[i].low
            could_start = low in _HEADS_BY_FIRST or low in lexicon.TITLE_MODIFIERS
            title = self.read_title(i) if could_start and i not in self.covered else None
            if title is None:
                i += 1
                continue
            found = self._with_title(title)
            for mention in found:
                mentions.append(mention)
            end = max([title.t1] + [self._token_after(m.end) for m in found])
            used.update(range(i, end))
            i = max(end, i + 1)

        # "Mr Erdogan", "Vladimir Putin": names without a title.
        i = self.t1 if titled_only else self.t0
        while i < self.t1:
            if i in used:
                i += 1
                continue
            token = self.tokens[i]
            if not (token.cap or token.upper):
                i += 1
                continue
            start_i, honorific = self.skip_honorifics(i)
            if start_i in used:
                i = start_i + 1
                continue
            span = self.read_name(start_i)
            if span is None:
                i = start_i + 1
                continue
            a, b = span
            real = sum(1 for k in range(a, b) if len(self.tokens[k].text) > 1 and self.tokens[k].low not in lexicon.NAME_PARTICLES)
            if honorific or (real >= 2 and self._participant_position(i, b)):
                name, name_span = self.name_text(a, b)
                mention = Mention(self.sentence.index, self.tokens[i].start, name_span[1], name=name, name_span=name_span, honorific=honorific)
                self._suffix_country(mention, b)
                mentions.append(mention)
                used.update(range(i, b))
            i = b

        # "I had a summit telephone talk with...": the speaker of a first-person statement.
        for k in range(self.t0, self.t1):
            token = self.tokens[k]
            if token.text == "I" and self.gap(k).startswith(" ") and k not in used and not self.gap(k - 1).endswith("."):
                nxt = self.low(k + 1)
                if nxt in ("had", "held", "met", "spoke", "have", "talked", "received", "called"):
                    mentions.append(Mention(self.sentence.index, token.start, token.end, pronoun=True))
                    break

        for mention in mentions:
            after = self.doc.work[mention.end : mention.end + 2]
            if after.startswith(":"):
                mention.speaker = True
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _participant_position(self, a: int, b: int) -> bool:
        """Whether an untitled name stands where a party to the contact does: the subject of a
        contact verb ("Vladimir Putin had ...") or after "with", "between", "and", "from"."""
        after = self.low(b) if b < self.t1 else ""
        if after in _PARTICIPANT_VERBS:
            return True
        before = self.low(a - 1) if a - 1 >= self.t0 else ""
        return before in ("with", "between", "and", "from")

    def _token_after(self, offset: int) -> int:
        return self.doc.token_at(offset)

    def _qualifier(self, title: _Title) -> Match | None:
        """A country or organisation written just before the title ("Russian", "U.S.", "South Africa's")."""
        match = self.match_ending.get(title.t0)
        if match is not None:
            gap = self.doc.work[match.end : self.tokens[title.t0].start]
            if gap.strip() in ("", "'s", "'"):
                return match
        # "South Africa's President": the possessive "s" is a token of its own.
        if title.t0 - 1 >= self.t0 and self.low(title.t0 - 1) == "s":
            match = self.match_ending.get(title.t0 - 1)
            if match is not None and self.doc.work[match.end : match.end + 1] == "'":
                return match
        return None

    def _with_title(self, title: _Title) -> list[Mention]:
        """The mention(s) a title introduces, with the name that follows or precedes it."""
        sentence = self.sentence.index
        title_start = self.tokens[title.t0].start
        title_end = self.tokens[title.t1 - 1].end
        qualifier = self._qualifier(title)
        country, country_span, country_from = title.country, title.country_span, "complement"
        if qualifier is not None and qualifier.category in ("country", "demonym", "org", "body"):
            country, country_span, country_from = qualifier.code, (qualifier.start, qualifier.end), "qualifier"
        start = qualifier.start if qualifier is not None else title_start

        if title.plural:
            if len(title.countries) >= 2 and self.low(title.t1) != "and" and self.doc.work[
                self.tokens[title.t1 - 1].end : self.tokens[title.t1 - 1].end + 1
            ] == ",":
                # "The Presidents of Belarus and Russia, Aleksandr Lukashenko and Vladimir Putin":
                # the names follow in the order of the countries.
                names = self._name_list(title.t1)
                if len(names) == len(title.countries):
                    return [
                        Mention(sentence, span[0], span[1], name=name, name_span=span, title=title.written,
                                title_span=(title_start, title_end), country=code, country_span=country_span_,
                                country_from="complement")
                        for (name, span, _), (code, country_span_) in zip(names, title.countries)
                    ]
            names = self._name_list(title.t1)
            if names:
                return [
                    Mention(sentence, start, span[1], name=name, name_span=span, title=title.written,
                            title_span=(title_start, title_end), country=country, country_span=country_span,
                            country_from=country_from if country else "")
                    for name, span, _ in names
                ]
            if len(title.countries) >= 2 or (qualifier is None and title.countries):
                return [
                    Mention(sentence, start, title_end, title=title.written, title_span=(title_start, title_end),
                            country=code, country_span=span, country_from="complement", plural=True, role=title.role)
                    for code, span in title.countries
                ]
            return []

        k = title.t1
        comma = False
        if self.doc.work[self.tokens[k - 1].end : self.tokens[k - 1].end + 2] in (", ", ",") and k < self.t1:
            comma = True
        name_start, honorific = self.skip_honorifics(k)
        span = self.read_name(name_start)
        mention = Mention(sentence, start, title_end, title=title.written, title_span=(title_start, title_end),
                          country=country, country_span=country_span, country_from=country_from if country else "",
                          role=title.role)
        if span is not None and (not comma or title.has_complement or self._definite_before(title) or honorific):
            a, b = span
            name, name_span = self.name_text(a, b)
            mention.name, mention.name_span = name, name_span
            mention.end = name_span[1]
            mention.honorific = honorific
            self._suffix_country(mention, b)
            return [mention]
        # "Mr. Shinzo Abe, Prime Minister of Japan": the name before the title.
        before = self._name_before(title.t0 if qualifier is None else qualifier.t0)
        if before is not None:
            a, b = before
            name, name_span = self.name_text(a, b)
            mention.name, mention.name_span = name, name_span
            mention.start = name_span[0]
        return [mention]

    def _definite_before(self, title: _Title) -> bool:
        k = title.t0 - 1
        return k >= self.t0 and self.low(k) == "the"

    def _suffix_country(self, mention: Mention, b: int) -> None:
        """"President Donald Trump of the United States": a country after the name."""
        if self.low(b) != "of" or mention.country is not None:
            return
        p = b + 1
        if self.low(p) == "the":
            p += 1
        match = self.match_at.get(p)
        if match is not None and match.category in ("country", "org"):
            mention.country = match.code
            mention.country_span = (match.start, match.end)
            mention.country_from = "suffix"
            mention.end = match.end

    def _name_before(self, t: int) -> tuple[int, int] | None:
        """A name ending just before ", " + token t (the "Name, Title" shape)."""
        k = t - 1
        if k < self.t0 or self.low(k) == "the":
            return None  # "in Lugano, the Prime Minister said": an apposition needs no article
        gap = self.doc.work[self.tokens[k].end : self.tokens[k + 1].start]
        if not gap.lstrip(".").startswith(","):
            return None
        if self.low(k) in ("jr", "sr"):
            return self._name_before_suffix(k)
        # Walk back over name tokens.
        end = k + 1
        a = end
        while a - 1 >= self.t0 and end - (a - 1) <= _MAX_NAME_TOKENS:
            prev = a - 1
            if self.is_name_token(prev) or (
                self.low(prev) in lexicon.NAME_PARTICLES and a < end and self._joined(prev)
            ):
                if prev < end - 1 and not self._name_gap(prev):
                    break
                a = prev
                continue
            break
        if a == end:
            return None
        span = self.read_name(a)
        if span is None or any(self.low(x) not in lexicon.NAME_SUFFIXES_DROPPED for x in range(span[1], end)):
            return None
        real = sum(1 for x in range(span[0], span[1]) if len(self.tokens[x].text) > 1)
        if real < 2 and not (span[0] > self.t0 and self.low(span[0] - 1) in lexicon.HONORIFICS):
            return None  # one capitalised word before a comma is too often a place
        return span

    def _name_before_suffix(self, k: int) -> tuple[int, int] | None:
        """"Joseph R. Biden, Jr., President ...": the suffix sits between name and title."""
        end = k
        a = end
        while a - 1 >= self.t0 and self.is_name_token(a - 1):
            a -= 1
        if a == end:
            return None
        return self.read_name(a)

    def _name_list(self, k: int) -> list[tuple[str, tuple[int, int], int]]:
        """Names joined by "and" or commas after a plural title ("Presidents Obama and Calderon")."""
        names = []
        while k < self.t1:
            k, _ = self.skip_honorifics(k)
            span = self.read_name(k)
            if span is None:
                break
            name, name_span = self.name_text(*span)
            names.append((name, name_span, span[1]))
            k = span[1]
            if self.low(k) == "and":
                k += 1
                continue
            if self.doc.work[self.tokens[k - 1].end : self.tokens[k - 1].end + 1] == "," and k < self.t1:
                if self.low(k) == "and":
                    k += 1
                continue
            break
        return names if len(names) >= 2 else []


def read_mentions(doc: Document, sentence: Sentence, *, titled_only: bool = False) -> tuple[list[Mention], list[Match]]:
    reader = SentenceReader(doc, sentence)
    return reader.read(titled_only=titled_only), reader.matches
