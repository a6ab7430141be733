"""Folding of personal names so that spellings of one name compare equal.

"Aleksandr Lukashenko", "Alexander Lukashenko", "Александр Лукашенко" and "Lukashenka" must meet.
Each name token is folded to a consonant skeleton:

1. transliterate any script to ASCII (anyascii: Cyrillic, Greek, accents, ...), lower-case;
2. rewrite spellings that transliteration systems disagree on: x→ks, w→v, ph→f, q→k, ck→k,
   sh/sch→s, zh→z, ch→c, c→k, kh→h, gh→g. The sibilant digraphs fold to their plain letter
   because Latin alphabets write them with diacritics that transliteration drops: Lukašenka
   (š), Lukasenka (no diacritic) and Lukashenko (sh) must meet;
3. collapse doubled letters (Mohammed/Mohamed), then keep the first letter (any leading vowel
   becomes "a") and drop the other vowels (a e i o u y). Consonants that meet only once a vowel
   between them is dropped stay two: Li Keqiang ("l kkng") and Li Qiang ("l kng") differ.

So Lukashenko/Lukashenka/Lukašenka → "lksnk", Aleksandr/Alexander/Oleksandr → "alksndr",
Zelensky/Zelenskyy/Zelenskiy → "zlnsk", Sergei/Sergey → "srg".

Where it stops: names that differ only in vowels collide (Lavrov and Lavrova, Ali and Ela), so the
service matches people only within one country; nicknames (Bill/William) and translated forms
(Jean/John) are not related; Chinese, Japanese and Korean characters are romanised by anyascii into
one run of syllables, so "习近平" folds as a single token and meets "Xi Jinping" only as an alias.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

_VARIANTS = (
    ("x", "ks"),
    ("w", "v"),
    ("ph", "f"),
    ("q", "k"),
    ("ck", "k"),
    ("sch", "s"),
    ("sh", "s"),
    ("zh", "z"),
    ("ch", "c"),
    ("c", "k"),
    ("kh", "h"),
    ("gh", "g"),
)
_VOWELS = frozenset("aeiouy")
_TOKEN = re.compile(r"[a-z]+")


def fold_token(token: str) -> str:
    """The consonant skeleton of one ASCII lower-case word."""
    for spelling, replacement in _VARIANTS:
        token = token.replace(spelling, replacement)
    if not token:
        return ""
    token = re.sub(r"(.)\1+", r"\1", token)
    head = "a" if token[0] in _VOWELS else token[0]
    return head + "".join(letter for letter in token[1:] if letter not in _VOWELS)


def name_tokens(name: str) -> list[str]:
    """The folded tokens of a name, in order; empty for a name with no letters."""
    # Apostrophes stand for soft signs and elisions inside one word (Zelens'kyi, O'Brien).
    ascii_name = anyascii(name).lower().replace("'", "")
    return [folded for word in _TOKEN.findall(ascii_name) if (folded := fold_token(word))]


@lru_cache(maxsize=65536)  # the same names come back in event after event
def name_key(name: str) -> str:
    """One string per name, equal for spellings of the same name: the folded tokens joined by spaces."""
    return " ".join(name_tokens(name))
