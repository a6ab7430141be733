"""Topics: the taxonomy subjects a readout says were discussed, from the phrases that name them.

One regular expression with a named group per topic scans the text once. A few cues need their
sentence to decide: a war or crisis is `regional-conflict` only when a place or a named conflict is
in the same sentence ("all conflicts" is not one); "the situation in X" is domestic politics when X is
a participant's country, a regional conflict otherwise. Names of organisations are masked first so
that "Eurasian Economic Union" does not count as economy, nor "Security Council" as security.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

# Each list is a set of alternatives; \b is added around the group. Keep pieces flat (no nested
# quantifiers) so that the scan stays linear.
_TOPIC_CUES: dict[str, list[str]] = {
    "bilateral-relations": [
        r"bilateral (?:relations?|ties|cooperation|agenda|issues|relationship|partnership|dialogue|interaction|projects?)",
        r"relations between (?:the two|our two|both)", r"(?:interstate|inter-state|friendly|good-neighbourly|good-neighborly) relations",
        r"relations of friendship", r"state of (?:the )?relations", r"strategic partnership", r"(?:two|both) countries",
        r"[a-z.]+-[a-z.]+ (?:relations|relationship|cooperation|partnership|interaction|ties)", r"relations between",
        r"good relationship", r"(?:stable|predictable|constructive|strong|close) relationship",
        r"bilateral", r"between the two (?:states|governments|sides)", r"three governments",
    ],
    "trade-economy": [
        r"trade", r"trading", r"economic", r"economy", r"economies", r"investments?", r"investors?", r"financial",
        r"finance", r"industr(?:y|ial)", r"agricultur\w{0,4}", r"business(?:es)?", r"supply chains?", r"markets?",
        r"tariffs?", r"exports?", r"imports?", r"commerc\w{0,4}", r"infrastructure", r"connectivity", r"jobs",
        r"reconstruction", r"free trade", r"customs", r"logistics", r"transit",
    ],
    "energy": [
        r"energy", r"oil", r"gas", r"electricity", r"nuclear power", r"pipelines?", r"lng", r"fuel", r"power plants?",
        r"nuclear energy", r"renewables?", r"hydropower",
    ],
    "security-defense": [
        r"security", r"defen[cs]e", r"military", r"troops", r"armed forces", r"alliance", r"deterrence", r"aggression",
        r"external threats?", r"army", r"brigade", r"peacekeeping", r"strategic cooperation", r"carrier strike group",
        r"exercises", r"weapons", r"artillery", r"munitions", r"navy", r"naval", r"warships?",
        r"(?:carrier )?strike groups?", r"aircraft carriers?", r"training missions?", r"military training",
        r"collective security", r"defend itself", r"regional security", r"international security",
    ],
    "arms-control": [
        r"nuclear", r"non-?proliferation", r"denucleari[sz]ation", r"arms control", r"missiles?", r"strategic stability",
        r"jcpoa", r"verification (?:protocol|regime|mechanism)", r"weapons of mass destruction", r"disarmament",
        r"p5\+1", r"new start",
        r"chemical weapons",
    ],
    "regional-conflict": [
        r"war", r"wars", r"conflicts?", r"crisis", r"ceasefire", r"cease-fire", r"hostilities", r"truce",
        r"occupied", r"occupation", r"separatists?", r"invasion", r"de-?escalat\w{0,5}", r"violence", r"attacks",
        r"peace process", r"peace talks", r"settlement", r"shoot-down", r"incident", r"fighting", r"insurgency",
        r"militants?", r"hamas", r"hezbollah", r"houthis?", r"taliban", r"idlib", r"donbas+", r"crimea\w{0,3}",
        r"nagorno-karabakh", r"karabakh", r"kashmir", r"darfur", r"tigray", r"sahel", r"transnistria",
        r"abkhazia", r"south ossetia", r"golan", r"reconciliation process", r"middle east peace process", r"gaza",
        r"peace deal", r"peace plan", r"armed groups?", r"shot down",
    ],
    "international-situation": [
        r"international situation", r"situation in the world", r"world situation", r"global (?:issues|challenges|problems?|agenda|situation|affairs)",
        r"international (?:agenda|affairs|issues|community|peace)", r"regional (?:agenda|issues|affairs|situation|stability|problems|security|peace)",
        r"situation in the region", r"in the region", r"the region", r"middle east", r"indo-pacific", r"west asia",
        r"foreign policy", r"world affairs", r"international and regional", r"regional and international",
        r"strategic (?:context|environment)", r"geopolitical", r"global challenges", r"rules-based order",
        r"developments in", r"situations? in", r"situation (?:around|over|concerning|with)", r"asia-pacific",
    ],
    "sovereignty": [
        r"sovereignty", r"territorial integrity", r"independence", r"non-interference", r"internal affairs",
        r"status quo", r"territorial (?:dispute|issue|claims?|question)", r"disputed (?:islands|territories|territory)",
        r"northern territories", r"kurile? islands", r"four (?:northern )?islands", r"self-determination",
    ],
    "domestic-politics": [
        r"national dialogue", r"political situation", r"internal political", r"domestic (?:political|politics|situation)",
        r"protests?", r"reforms?", r"new government", r"political dialogue", r"national congress",
        r"party congress", r"re-election", r"transformations", r"oligarch\w{0,6}", r"constitutional",
        r"government changes?", r"forming (?:a|the) (?:new )?government", r"coalition government",
    ],
    "elections": [
        r"elections?", r"electoral", r"political campaign", r"election campaign", r"votes?", r"voting", r"ballots?",
        r"referendum", r"campaign",
    ],
    "human-rights": [
        r"human rights", r"political prisoners?", r"civil society", r"media freedom", r"freedom of (?:speech|expression|the press|assembly)",
        r"repression", r"rule of law", r"human rights abuses", r"persecution", r"fundamental freedoms",
    ],
    "consular": [
        r"citizens?", r"detained", r"detention", r"imprisoned", r"prisoners? exchange", r"prisoner swap",
        r"abductions?", r"hostages?", r"consular", r"nationals", r"repatriat\w{0,5}", r"freed", r"release[ds]?",
        r"captured", r"(?:bring|bringing|brought) (?:back|home)", r"return (?:home|to their homeland)",
        r"evacuat\w{0,5}", r"arbitrary detention", r"missing persons", r"kidnapp\w{0,4}",
    ],
    "health": [
        r"covid(?:-19)?", r"coronavirus", r"pandemic", r"epidemic", r"vaccines?", r"vaccination", r"h1n1", r"flu",
        r"virus", r"infection", r"quarantine", r"health ?care", r"public health", r"medical", r"disease control",
        r"sanitary", r"health cooperation", r"healthcare",
    ],
    "climate-environment": [
        r"climate", r"environment(?:al)?", r"water resources", r"emissions", r"natural resources",
        r"biodiversity", r"ecolog\w{0,5}", r"green transition", r"sustainable development", r"cop\d{1,2}",
        r"pollution", r"decarboni[sz]ation", r"net zero", r"water security",
    ],
    "migration-borders": [
        r"migration", r"migrants?", r"refugees?", r"asylum", r"border management", r"border security",
        r"on the border", r"border with", r"border crisis", r"border crossings?", r"illegal crossings?",
    ],
    # "increase the costs to Russia": the U.S. idiom for sanctions.
    "sanctions": [r"sanctions?", r"restrictive measures", r"embargo", r"(?:impose|increase|raise) (?:the )?costs?", r"blacklist\w{0,3}"],
    "terrorism": [
        r"terror\w{0,6}", r"counter-terrorism", r"extremism", r"violent extremism", r"isis", r"isil", r"daesh",
        r"al-qaeda", r"islamic state",
    ],
    "multilateral": [
        r"multilateral\w{0,4}", r"international organi[sz]ations", r"six-party talks", r"quartet", r"p5\+1",
        r"astana process", r"normandy format", r"general assembly", r"security council", r"summit meeting of",
        r"chairmanship", r"g-?20", r"g-?7", r"g-?8", r"asean", r"apec", r"brics", r"rio\+20",
        r"integration", r"conference", r"forum", r"(?:trilateral|multilateral|regional|international) (?:summit|format|mechanisms?)",
    ],
    "future-contacts": [
        r"(?:stay|keep|remain) in (?:close |regular |constant )?(?:contact|touch)", r"(?:agreed|decided|concurred) to (?:meet|visit|speak|talk|hold|resume)",
        r"(?:agreed|concurred) on (?:meeting|holding|a visit)", r"to meet (?:again|soon|in)",
        r"look(?:ed|ing)? forward to (?:speaking|meeting|seeing|welcoming|talking|hosting|visiting)",
        r"invit(?:ed|ing|ation)", r"will visit", r"(?:coming|upcoming|forthcoming|next|future) (?:state |official |working )?(?:visit|meeting|summit|talks|session|round)s?",
        r"towards? holding", r"continue (?:the |their |our )?(?:dialogue|contacts|consultations|discussions|talks)",
        r"continued (?:discussions|dialogue|contacts|consultations)", r"maintain (?:regular |close )?(?:contacts?|dialogue|communication)",
        r"will continue", r"should continue", r"(?:repeated|further|regular|future) (?:talks|contacts|meetings|consultations)",
        r"(?:speak|talk|meet) again", r"hold (?:a |the )?(?:summit|meeting)",
        r"to (?:dispatch|send) (?:an? |his |her |their )?(?:special )?(?:envoy|adviser|advisor|representative|delegation|mission)s?",
    ],
    "greetings": [
        r"congratulat\w{0,6}", r"condolences?", r"birthday", r"greetings?", r"thanked", r"thanks", r"gratitude",
        r"sympath(?:y|ies)", r"merry christmas", r"new year", r"wished (?:him|her|each other|them)", r"appreciation",
        r"complimented", r"best wishes", r"warm wishes", r"expressed (?:his|her) (?:thanks|gratitude|appreciation)",
        r"well-wishes", r"independence day", r"national day",
    ],
    "technology": [
        r"digital", r"cyber", r"outer space", r"space (?:cooperation|exploration|industry)", r"scientific",
        r"science", r"innovation", r"innovative", r"technolog\w{0,4}", r"technical", r"artificial intelligence",
        r"semiconductors?", r"telecommunications?",
    ],
    "humanitarian": [
        r"humanitarian", r"food security", r"grain", r"disaster relief", r"famine", r"relief", r"humanitarian aid",
        r"humanitarian assistance", r"humanitarian access", r"disasters?", r"natural disasters?", r"earthquakes?",
        r"tsunamis?", r"floods?", r"flooding", r"hurricanes?", r"typhoons?", r"cyclones?", r"wildfires?", r"droughts?",
        r"emergency (?:assistance|aid|relief)",
    ],
    "culture-education": [
        r"cultur(?:e|al)", r"education\w{0,2}", r"tourism", r"sports?", r"olympic\w{0,2}", r"people-to-people",
        r"humanitarian (?:sphere|spheres|field|fields|cooperation|ties|area|areas|contacts)", r"youth", r"students?",
        r"universit(?:y|ies)", r"eurovision", r"museums?", r"heritage", r"exhibitions?", r"festivals?",
        r"academic", r"cross[- ]years?", r"years? of (?:culture|friendship|youth|tourism|cultural exchanges?)",
        r"exchanges between (?:the )?peoples", r"song contest", r"cultural (?:exchanges?|heritage)",
    ],
}

# Cues that need a named place (or a named conflict) in their sentence.
_NEEDS_PLACE = frozenset(
    "war wars conflict conflicts crisis ceasefire cease-fire hostilities truce violence attacks settlement fighting "
    "incident occupied occupation de-escalation deescalation de-escalate deescalate de-escalating".split()
)
_TOPIC_PATTERNS = {topic: re.compile(rf"(?:{'|'.join(cues)})", re.I) for topic, cues in _TOPIC_CUES.items()}


def _build_scanner() -> re.Pattern[str]:
    """One pattern for all cues, branched on the first letter so that each word start tries a
    handful of alternatives instead of hundreds; within a branch the longest cue comes first."""
    by_first: dict[str, list[str]] = {}
    other: list[str] = []
    for cues in _TOPIC_CUES.values():
        for cue in cues:
            first = cue[0].lower()
            if first.isalnum():
                by_first.setdefault(first, []).append(cue[1:])
            else:
                other.append(cue)
    branches = [
        f"{re.escape(first)}(?:{'|'.join(sorted(set(rests), key=len, reverse=True))})"
        for first, rests in sorted(by_first.items())
    ]
    branches += sorted(set(other), key=len, reverse=True)
    return re.compile(rf"(?:{'|'.join(branches)})(?![\w])")


_TOPIC_RE = _build_scanner()


# "the situation in ...": what it is about depends on the place that follows.
_OPEN_SITUATION = re.compile(r"situations? (?:in|around|over|concerning|with)|developments in")


@lru_cache(maxsize=4096)
def _topics_of(phrase: str) -> list[str]:
    return [topic for topic, pattern in _TOPIC_PATTERNS.items() if pattern.fullmatch(phrase)]


@dataclass(slots=True)
class TopicHit:
    topic: str
    start: int
    end: int


def find_topics(
    text: str,
    sentences: list[tuple[int, int, bool, set[str]]],
    masked: list[tuple[int, int]],
    own_countries: set[str],
    place_spans: list[tuple[int, int, str]],
    word_starts: list[int],
) -> list[TopicHit]:
    """Topic hits in `text` (the lower-cased working copy: offsets are the original's).

    `sentences`: (start, end, is_header, countries named in it); `masked`: spans of organisation
    names not to read as topics; `place_spans`: (start, end, code) of country names.
    """
    hits: list[TopicHit] = []
    masked_sorted = sorted(masked)
    masked_starts = [a for a, _ in masked_sorted]
    place_starts = [p[0] for p in place_spans]

    def is_masked(start: int, end: int) -> bool:
        k = bisect.bisect_right(masked_starts, start) - 1
        return k >= 0 and masked_sorted[k][0] <= start and end <= masked_sorted[k][1]

    lower_text = text  # the caller passes the lower-cased working copy
    for s_start, s_end, _header, countries in sentences:
        lowered = lower_text[s_start:s_end]
        foreign_places = countries - own_countries
        # Cues start at word starts: try the pattern only there (not after a hyphen: "non-nuclear").
        first = bisect.bisect_left(word_starts, s_start)
        last = bisect.bisect_left(word_starts, s_end)
        skip_until = -1
        for position in word_starts[first:last]:
            if position < skip_until or (position > 0 and lower_text[position - 1] == "-"):
                continue
            match = _TOPIC_RE.match(lower_text, position, s_end)
            if match is None:
                continue
            skip_until = match.end()
            start, end = match.start(), match.end()
            if is_masked(start, end):
                continue
            word = match.group(0).lower()
            before = lower_text[max(s_start, start - 25) : start]
            after = lower_text[end : min(s_end, end + 30)]
            for topic in _topics_of(word):
                if not _accept(topic, word, before, after, lowered, foreign_places, countries, own_countries):
                    continue
                if topic == "international-situation" and _OPEN_SITUATION.fullmatch(word):
                    k = bisect.bisect_left(place_starts, end)
                    nearby = place_spans[k : k + 3]
                    topic = _situation_topic(after, text, start, end, nearby, own_countries, countries)
                    if topic is None:
                        continue
                hits.append(TopicHit(topic, start, end))
    return hits


def _situation_topic(after: str, text: str, start: int, end: int, place_spans, own_countries, sentence_places=frozenset()) -> str | None:
    """"The situation in X": another country → a conflict; a participant's own country → its
    domestic politics, unless the sentence also names a foreign country ("the situation in Ukraine,
    and recent Russian advances"); a region ("the Middle East", "the world", "the region") → the
    international situation, or a conflict when countries of it are named ("in Central Africa,
    including in Burundi")."""
    foreign = set(sentence_places) - set(own_countries)
    for p_start, _p_end, code in place_spans:
        if end <= p_start <= end + 12:
            if code in own_countries:
                return "regional-conflict" if foreign else "domestic-politics"
            return "regional-conflict"
    if re.match(r"\s*(?:the )?(?:region|world|middle east|west asia|wider|indo-pacific|asia|europe|africa|gulf|central|east|west|north|south|latin|caribbean|balkans|caucasus|sahel)", after):
        for p_start, _p_end, code in place_spans:
            if end <= p_start <= end + 60 and code not in own_countries:
                return "regional-conflict"
        return "international-situation"
    return None


def _accept(topic: str, word: str, before: str, after: str, sentence: str, foreign_places: set[str], countries: set[str], own: set[str]) -> bool:
    if topic == "regional-conflict" and word in _NEEDS_PLACE:
        return bool(foreign_places) or bool(re.search(r"\b(?:gaza|crimea|donbas|idlib|karabakh|kashmir|middle east peace)\b", sentence))
    if topic == "security-defense":
        if re.search(r"(?:food|energy|cyber|social|job|health|maritime|national) $", before) and word == "security":
            return word == "security" and before.endswith("maritime ")
        if word == "security" and re.match(r"\s*(?:council|treaty organi[sz]ation)", after):
            return False
    if topic == "energy":
        if word == "oil" and after.startswith(" tanker"):
            return False
        if word == "gas" and before.endswith("tear "):
            return False
    if topic == "arms-control" and word == "nuclear" and re.match(r"\s*(?:power|energy|plant)", after):
        return False
    if topic == "humanitarian":
        if word == "humanitarian" and re.match(r"\s*(?:sphere|spheres|field|fields|cooperation|ties|area|areas|contacts|and other)", after):
            return False
        if word == "humanitarian" and re.search(r"cultural, $|cultural and $", before):
            return False
    if topic == "greetings":
        if word == "independence day" or word.startswith("greeting"):
            return True
        if word == "thanks" and before.endswith(("and ", "no ")):
            return False
    if topic == "sovereignty" and word == "independence" and after.startswith(" day"):
        return False
    if topic == "health" and word in ("virus",) and "computer" in before:
        return False
    if topic == "consular":
        if word.startswith("release") and not re.search(r"\b(?:citizens?|detain|prison|hostage|journalist|[A-Z][a-z]+ [A-Z][a-z]+)", sentence + after):
            return "release" in word and bool(re.search(r"release (?:of )?(?:american|british|the detained|[a-z]+ citizens)", sentence))
        if word.startswith("citizen") and re.search(r"(?:ordinary|senior|fellow|all|innocent|civilian|peaceful|many|of) $", before):
            return False
        if word == "residents of" and "homeland" not in sentence and "return" not in sentence:
            return False
    if topic == "future-contacts":
        if word.startswith("invit"):
            # "invited him to visit", "inviting President Biden to Japan"; not "at the invitation of".
            return bool(re.match(r"[^.;]{0,40}?\bto\b", after)) and not before.endswith("at the ")
        if word in ("will continue", "should continue"):
            return bool(re.search(r"\b(?:consultations|contacts|talks|discussions|dialogue|meetings)\b", before + " " + sentence[:200]))
    if topic == "multilateral" and word in ("conference", "forum"):
        return bool(re.search(r"\b(?:international|multilateral|un|united nations|summit|sustainable|regional|global)\b", sentence)) and "press conference" not in sentence
    if topic == "multilateral" and word == "integration":
        return bool(re.search(r"\b(?:european|euro-atlantic|eurasian|regional|economic integration|integration association)\b", sentence))
    if topic == "trade-economy" and word in ("transit",) and "gas" in sentence:
        return False
    if topic == "elections" and word == "campaign" and not re.search(r"political|election|electoral|presidential", sentence):
        return False
    if topic == "elections" and word in ("vote", "votes") and "vote of thanks" in sentence:
        return False
    if topic == "bilateral-relations" and word.startswith("relations with") and not countries:
        return False
    if topic == "technology" and word == "technical" and "scientific" not in sentence:
        return False
    return True
