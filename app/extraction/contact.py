"""The contact itself: which sentences report it, what kind it was and how long it lasted.

A readout reports one contact and often mentions others: an earlier call, a past visit, a meeting
agreed for later. Each cue ("telephone conversation", "met with", "video conference") is checked
for the wording that moves it out of the reported contact ("his recent visit", "will visit",
"agreed to meet", a sentence opening with "Earlier,"). The main sentence is the first one, headline
included, whose cue is strong and not displaced that way; the kind follows from its cues.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from app.extraction.text import Document, Sentence

# (kind, strength, pattern). "remote" is a call of unstated medium: a phone call unless the text
# elsewhere says video. Strength 2 or more makes a sentence a candidate for the main sentence.
_CUES: tuple[tuple[str, float, str], ...] = (
    ("video_call", 3.0, r"\bvideo[- ]?(?:tele-?)?(?:conferences?|conferencing|calls?|links?|format|meetings?|summits?|talks|chats?)\b"),
    ("video_call", 3.0, r"\bvideoconferenc\w{0,6}|\bvtc\b|\bvia video\b|\bby video\b"),
    ("video_call", 2.5, r"\b(?:virtual|online)\s+(?:meeting|summit|talks|conference|format|call)s?\b"),
    ("phone_call", 3.0, r"\b(?:tele)?phon(?:e|es|ed|ing)\b|\btele-?conference\b|\btelephonic\b"),
    ("remote", 2.5, r"\bcall(?:s|ed|ing)?\b"),
    ("message", 2.5, r"\b(?:messages?|letters?|telegrams?|congratulatory (?:note|cable)s?|wrote to|written address)\b"),
    ("meeting", 2.0, r"\b(?:met|meets?|meetings?|talks|negotiations|audience|held discussions)\b"),
    ("meeting", 1.5, r"\b(?:received|receives|hosted|hosts|summit|(?:on|in) the (?:sidelines|margins))\b"),
    ("meeting", 1.0, r"\b(?:trilateral|bilateral)\b"),
    ("visit", 2.5, r"\b(?:official|state|working|friendly|private|official friendly) visit\b|\bpaid an? (?:\w+ )?visit\b"),
    ("visit", 1.5, r"\bvisit(?:s|ed|ing)?\b|\barrived in\b"),
    ("remote", 1.0, r"\b(?:spoke|spoken|speaks|speak|talked|talks?)(?:\s+(?:today|yesterday|earlier|again|separately|briefly|tonight|this (?:morning|afternoon|evening)|on \w+day))?\s+(?:by telephone\s+)?(?:with|to)\b|\bconversations?\b|\bheld a talk\b|\b(?:spoke|talked) for\b"),
)
# All cues in one pattern over the lower-cased text: one scan per readout. Earlier alternatives win.
_CUE_RE = re.compile("(?<![a-z])(?:" + "|".join(f"(?P<c{i}>{pattern})" for i, (_, _, pattern) in enumerate(_CUES)) + ")")
_CUE_KINDS = {f"c{i}": (kind, strength) for i, (kind, strength, _) in enumerate(_CUES)}

# "called for dialogue", "calls on all parties", "so-called": not a call between the parties.
_NOT_A_CALL_AFTER = re.compile(r"\s*(?:for|on|upon|to account|it|him to|her to|them to|into)\b", re.I)
# "a clear message": a figure of speech, not a letter.
_NOT_A_MESSAGE_BEFORE = re.compile(r"(?:clear|strong|important|political|key|main|the same|this|that|a)\s+$", re.I)

# Sentences that open on another time are about another contact ("Earlier, Mr Putin sent...").
_OTHER_TIME_OPENING = re.compile(
    r"^\W{0,3}(?:earlier(?!\s+(?:today|this|on the same day))|previously|last (?:week|month|year)|"
    r"in (?:an? )?(?:earlier|previous)|before that|prior to (?:this|that)|on (?:an? )?(?:earlier|previous)|"
    r"in (?:19|20)\d\d|back in)\b",
    re.I,
)
# Words shortly before a cue that move it to another time or make it hypothetical: within three
# words ("will visit", "agreed to meet") or, for words that open a noun phrase, within six
# ("ahead of President Yoon's state visit", "their previous telephone conversation").
_OTHER_TIME_BEFORE = frozenset(
    """will would shall to invited invitation invite expected anticipated proposed possible another
    further forward""".split()
)
_OTHER_TIME_PHRASE = frozenset(
    """recent recently previous earlier last upcoming forthcoming next future planned coming prior
    subsequent ahead""".split()
)
_OTHER_TIME_AFTER = frozenset("ago scheduled planned later".split())
_WORD = re.compile(r"[^\W_]+")


@dataclass(slots=True)
class Cue:
    kind: str
    strength: float
    start: int
    end: int
    displaced: bool = False  # belongs to another contact, or to none


@dataclass(slots=True)
class ContactSentence:
    sentence: Sentence
    cues: list[Cue] = field(default_factory=list)

    @property
    def live_cues(self) -> list[Cue]:
        return [c for c in self.cues if not c.displaced]

    @property
    def strength(self) -> float:
        return max((c.strength for c in self.live_cues), default=0.0)


def _displaced(sentence: Sentence, cue_start: int, cue_end: int) -> bool:
    text = sentence.text
    rel_start = cue_start - sentence.start
    rel_end = cue_end - sentence.start
    if _OTHER_TIME_OPENING.search(text[:40]):
        return True
    before = [w.lower() for w in _WORD.findall(text[max(0, rel_start - 60) : rel_start])]
    if any(w in _OTHER_TIME_BEFORE for w in before[-3:]) or any(w in _OTHER_TIME_PHRASE for w in before[-6:]):
        return True
    after = [w.lower() for w in _WORD.findall(text[rel_end : rel_end + 40])][:4]
    return any(w in _OTHER_TIME_AFTER for w in after)


def find_cues(doc: Document) -> dict[int, list[Cue]]:
    """The contact cues of every sentence, by sentence index."""
    by_sentence: dict[int, list[Cue]] = {}
    sentences = doc.sentences
    starts = [s.start for s in sentences]
    lower = doc.lower
    for match in _CUE_RE.finditer(lower):
        kind, strength = _CUE_KINDS[match.lastgroup or ""]
        position = bisect.bisect_right(starts, match.start()) - 1
        if position < 0 or match.start() >= sentences[position].end:
            continue
        sentence = sentences[position]
        word = match.group(0)
        if kind == "remote" and word.startswith("call"):
            if _NOT_A_CALL_AFTER.match(lower, match.end()) or lower[max(0, match.start() - 3) : match.start()] == "so-":
                continue
        if kind == "message" and word.startswith("message") and _NOT_A_MESSAGE_BEFORE.search(lower[max(sentence.start, match.start() - 40) : match.start()]):
            if not re.match(r"\s+(?:of|to|from)\b", lower[match.end() : match.end() + 8]):
                continue
        cue = Cue(kind, strength, match.start(), match.end(), _displaced(sentence, match.start(), match.end()))
        by_sentence.setdefault(sentence.index, []).append(cue)
    return by_sentence


@dataclass(slots=True)
class ContactAnalysis:
    kind: str
    confidence: float
    main: ContactSentence | None  # the sentence the kind was read from (may be a headline)
    body_main: ContactSentence | None  # the first body sentence reporting the contact
    header_contacts: list[ContactSentence]
    secondary: list[ContactSentence]  # later body sentences that speak of the same contact
    all_contacts: list[ContactSentence]
    kind_cues: list[Cue]


_KIND_ORDER = ("video_call", "phone_call", "remote_strong", "message", "meeting", "visit", "remote")


def _kind_of(cues: list[Cue]) -> tuple[str | None, list[Cue]]:
    """The kind a sentence's live cues give, by precedence: the most specific medium wins."""
    best: dict[str, list[Cue]] = {}
    for cue in cues:
        key = cue.kind
        if key == "remote" and cue.strength >= 2:
            key = "remote_strong"
        best.setdefault(key, []).append(cue)
    for key in _KIND_ORDER:
        if key in best:
            if key == "visit" and all(c.strength < 2 for c in best[key]) and "meeting" in best:
                continue
            return key, best[key]
    return None, []


def analyse(doc: Document) -> ContactAnalysis:
    cues_by_sentence = find_cues(doc)
    contacts = [ContactSentence(doc.sentences[i], cues) for i, cues in sorted(cues_by_sentence.items())]

    main = next((c for c in contacts if c.strength >= 2), None)
    if main is None:
        main = next((c for c in contacts if c.strength > 0), None)
    body_main = next((c for c in contacts if not c.sentence.header and c.strength >= 2), None)
    if body_main is None or (main is not None and main.sentence.header and main.strength >= 2):
        # A headline already says what the contact was: the body reports it in its first
        # sentence with any live cue ("President Biden spoke yesterday with ...").
        first = next((c for c in contacts if not c.sentence.header and c.strength > 0), None)
        if first is not None and (body_main is None or first.sentence.index < body_main.sentence.index):
            body_main = first
    headers = [c for c in contacts if c.sentence.header and c.strength > 0]
    secondary = [
        c for c in contacts
        if not c.sentence.header and c.strength > 0 and body_main is not None and c.sentence.index > body_main.sentence.index
    ]

    if main is None:
        return ContactAnalysis("other", 0.1, None, None, headers, secondary, contacts, [])

    key, cues = _kind_of(main.live_cues)
    confidence = 0.9
    if key in ("remote", "remote_strong", "meeting", "visit") and body_main is not None and body_main is not main:
        # A headline's vague "call" or "meeting" gives way to a more specific body sentence.
        body_key, body_cues = _kind_of(body_main.live_cues)
        if body_key is not None and _KIND_ORDER.index(body_key) < _KIND_ORDER.index(key):
            key, cues = body_key, body_cues
    if key in ("remote", "remote_strong"):
        # A call of unstated medium: a video call if any live sentence says video, else a phone call.
        video = [c for cs in contacts for c in cs.live_cues if c.kind == "video_call"]
        if video:
            return ContactAnalysis("video_call", 0.8, main, body_main, headers, secondary, contacts, video[:1])
        phone = [c for cs in contacts for c in cs.live_cues if c.kind == "phone_call"]
        kind = "phone_call"
        confidence = 0.85 if (key == "remote_strong" or phone) else 0.6
        return ContactAnalysis(kind, confidence, main, body_main, headers, secondary, contacts, cues[:1] + phone[:1])
    if key is None:
        return ContactAnalysis("other", 0.2, main, body_main, headers, secondary, contacts, [])
    if main.strength < 2:
        confidence = 0.5
    return ContactAnalysis(key, confidence, main, body_main, headers, secondary, contacts, cues[:2])


# --- duration ------------------------------------------------------------------------------------

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "several": 0, "few": 0, "couple": 2,
}
_APPROXIMATE = frozenset(
    "about approximately around some nearly almost over roughly circa approx maybe perhaps probably".split()
)
_APPROX_PHRASES = ("more than", "less than", "just over", "just under", "up to", "at least", "a little over", "or so", "a little bit more", "little more")
_NOT_A_DURATION_BEFORE = frozenset("within every per next last past first in after following".split())
_NOT_A_DURATION_AFTER = frozenset("ago later before after earlier away late".split())
_DURATION = re.compile(
    r"(?P<num>\b\d{1,3}(?:\.\d)?|\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety)"
    r"(?:[- ](?:five|one|two|three|four|six|seven|eight|nine))?)"
    r"(?P<half>\s+and\s+(?:a\s+)?half)?[- ](?P<unit>minutes?|mins?|hours?|hrs?)\b"
    r"(?P<half2>\s+and\s+a\s+half)?(?:\s+and\s+(?P<extra>\d{1,2}|[a-z]{3,7}(?:-[a-z]{3,5})?)\s+minutes?)?"
    r"|(?P<halfhour>\bhalf\s+an\s+hour\b)"
    r"|(?P<hourlong>\b(?:an\s+)?hour[- ]long\b)",
    re.I,
)


def _number(word: str) -> int | None:
    word = word.lower().replace("-", " ")
    if word.replace(".", "", 1).isdigit():
        return int(float(word))
    total = 0
    for part in word.split():
        if part not in _NUMBERS:
            return None
        total += _NUMBERS[part]
    return total or None


@dataclass(slots=True)
class Duration:
    minutes: int
    approximate: bool
    start: int
    end: int


def find_duration(doc: Document, sentences: list[Sentence]) -> Duration | None:
    """The first stated duration of the contact among `sentences` (taken in the order given)."""
    if "minute" not in doc.lower and "hour" not in doc.lower and "min" not in doc.lower:
        return None
    for sentence in sentences:
        text = sentence.text
        for match in _DURATION.finditer(text):
            before_text = text[max(0, match.start() - 40) : match.start()].lower()
            before_words = _WORD.findall(before_text)
            after_words = [w.lower() for w in _WORD.findall(text[match.end() : match.end() + 30])][:2]
            if before_words and before_words[-1] in _NOT_A_DURATION_BEFORE:
                continue
            if after_words and after_words[0] in _NOT_A_DURATION_AFTER:
                continue
            if match.group("halfhour"):
                minutes, approximate = 30, False
            elif match.group("hourlong"):
                minutes, approximate = 60, False
            else:
                value = _number(match.group("num"))
                if value is None:
                    continue
                unit = match.group("unit").lower()
                minutes = value * 60 if unit.startswith("h") else value
                if match.group("half") or match.group("half2"):
                    minutes += 30 if unit.startswith("h") else 0
                if match.group("extra"):
                    extra = _number(match.group("extra"))
                    minutes += extra or 0
                approximate = False
            if not 1 <= minutes <= 24 * 60:
                continue
            qualifier = " ".join(before_words[-3:])
            if (before_words and before_words[-1] in _APPROXIMATE) or any(
                qualifier.endswith(p) for p in _APPROX_PHRASES
            ):
                approximate = True
            tail = text[match.end() : match.end() + 30].lower()
            if tail.startswith((", maybe", " or so", ", perhaps", " or more")):
                approximate = True
            return Duration(minutes, approximate, sentence.start + match.start(), sentence.start + match.end())
    return None
