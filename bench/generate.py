"""Deterministic generator of realistic events, in the NDJSON shape of POST /v1/events/bulk.

    python bench/generate.py --size 100000 --seed 1 --out bench/data/events-100000.ndjson

Standard library only; streams line by line (1M events never sit in memory). Next to the NDJSON it
writes `<out>.manifest.json`: the rare people, and counts the runner uses to choose filters
(events per year for country=BY, CSTO share, ...).

The archive it makes:
- ~5,000 people (heads of state and government, ministers), drawn with a Zipf-like frequency: a
  handful of leaders appear in a large share of events. "Aleksandr Lukashenko" (BY) is one of them,
  written "Aleksandr Lukashenko", "Alexander Lukashenko" or "Alexander Lukashenka" across events.
- 2–4 participants an event, mostly from different countries; 1–5 topics; dates over 1990–2026,
  denser in later years; a readout of ~1,500 characters in sources[0].text (searchable by `q`),
  mentioning "CSTO" mostly when a CSTO member takes part.
- RARE_PEOPLE: a few people with exactly RARE_EVENTS events each, whatever the size.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import random
from collections import Counter
from itertools import accumulate
from pathlib import Path

KINDS = {"phone_call": 40, "meeting": 28, "visit": 10, "message": 12, "video_call": 7, "other": 3}
TOPICS = {
    "bilateral-relations": 40, "trade-economy": 25, "energy": 8, "security-defense": 14, "arms-control": 3,
    "regional-conflict": 10, "international-situation": 18, "sovereignty": 5, "domestic-politics": 4,
    "elections": 3, "human-rights": 4, "consular": 2, "health": 4, "climate-environment": 3,
    "migration-borders": 3, "sanctions": 6, "terrorism": 3, "multilateral": 12, "future-contacts": 15,
    "greetings": 10, "technology": 4, "humanitarian": 3, "culture-education": 5,
}
# Countries and how often their people take part (the archive leans to the post-Soviet space).
COUNTRIES = {
    "BY": 60, "RU": 70, "KZ": 18, "UA": 18, "US": 30, "CN": 22, "DE": 14, "FR": 12, "GB": 10, "PL": 8,
    "LT": 6, "LV": 5, "EE": 4, "AM": 7, "AZ": 7, "GE": 6, "KG": 6, "TJ": 5, "UZ": 8, "TM": 4, "MD": 4,
    "TR": 8, "IR": 6, "IN": 8, "JP": 6, "KR": 5, "IT": 6, "ES": 4, "RS": 5, "HU": 5, "AT": 3, "CH": 3,
    "VN": 4, "VE": 4, "CU": 3, "SY": 3, "EG": 4, "AE": 5, "SA": 4, "IL": 4, "PK": 3, "BR": 4, "MX": 3,
    "ZA": 3, "NG": 2, "ET": 2, "MN": 3, "FI": 3, "SE": 3, "NO": 2, "NL": 3, "BE": 2, "CZ": 3, "SK": 2,
    "BG": 2, "RO": 3, "GR": 2, "CA": 3, "AU": 2, "ID": 3,
}
CSTO_MEMBERS = {"RU", "BY", "KZ", "KG", "TJ", "AM"}
COUNTRY_NAMES = {
    "BY": "Belarus", "RU": "Russia", "KZ": "Kazakhstan", "UA": "Ukraine", "US": "the United States", "CN": "China",
    "DE": "Germany", "FR": "France", "GB": "the United Kingdom", "PL": "Poland", "LT": "Lithuania",
    "LV": "Latvia", "EE": "Estonia", "AM": "Armenia", "AZ": "Azerbaijan", "GE": "Georgia", "KG": "Kyrgyzstan",
    "TJ": "Tajikistan", "UZ": "Uzbekistan", "TM": "Turkmenistan", "MD": "Moldova", "TR": "Turkey", "IR": "Iran",
    "IN": "India", "JP": "Japan", "KR": "South Korea", "IT": "Italy", "ES": "Spain", "RS": "Serbia",
    "HU": "Hungary", "AT": "Austria", "CH": "Switzerland", "VN": "Vietnam", "VE": "Venezuela", "CU": "Cuba",
    "SY": "Syria", "EG": "Egypt", "AE": "the United Arab Emirates", "SA": "Saudi Arabia", "IL": "Israel",
    "PK": "Pakistan", "BR": "Brazil", "MX": "Mexico", "ZA": "South Africa", "NG": "Nigeria", "ET": "Ethiopia",
    "MN": "Mongolia", "FI": "Finland", "SE": "Sweden", "NO": "Norway", "NL": "the Netherlands", "BE": "Belgium",
    "CZ": "the Czech Republic", "SK": "Slovakia", "BG": "Bulgaria", "RO": "Romania", "GR": "Greece",
    "CA": "Canada", "AU": "Australia", "ID": "Indonesia",
}
ORGANIZATIONS = ["UN", "EU", "NATO", "CIS", "EAEU", "SCO", "OSCE", "BRICS", "G20"]
TITLES = ["President", "Prime Minister", "Minister of Foreign Affairs", "Minister of Defence",
          "Minister of Economy", "Deputy Prime Minister", "Chairman of the Parliament", "Ambassador"]
TITLE_WEIGHTS = [30, 22, 25, 6, 6, 5, 3, 3]

# Leaders at the head of the Zipf ranking (rank 0 is the most frequent). Lukashenko has spellings.
LEADERS = [
    (["Vladimir Putin"], "RU", "President"),
    (["Aleksandr Lukashenko", "Alexander Lukashenko", "Alexander Lukashenka"], "BY", "President"),
    (["Sergei Lavrov", "Sergey Lavrov"], "RU", "Minister of Foreign Affairs"),
    (["Kassym-Jomart Tokayev"], "KZ", "President"),
    (["Xi Jinping"], "CN", "President"),
    (["Vladimir Makei", "Uladzimir Makei"], "BY", "Minister of Foreign Affairs"),
    (["Nursultan Nazarbayev", "Nursultan Nazarbaev"], "KZ", "President"),
    (["Recep Tayyip Erdogan"], "TR", "President"),
    (["Emmanuel Macron"], "FR", "President"),
    (["Angela Merkel"], "DE", "Chancellor"),
]
SPELLING_WEIGHTS = [6, 3, 1]

# People with exactly RARE_EVENTS events each, spread evenly over the file. Their surnames fold
# (app.reference.names) to skeletons with a "z", which no generated name has, so `person=<surname>`
# finds only them.
RARE_PEOPLE = [
    ("Zbigniew Qwazvorek", "PL", "Minister of Economy"),
    ("Vezna Zovqar", "RS", "Ambassador"),
    ("Xavier Vozquez", "ES", "Minister of Defence"),
]
RARE_EVENTS = 10

FIRST = ["Ana", "Boris", "Carlos", "Dmitri", "Elena", "Farid", "Gita", "Hans", "Ines", "Jamal", "Karin", "Luis",
         "Maria", "Nikolai", "Olga", "Pedro", "Rania", "Stefan", "Tomas", "Ulla", "Hamid", "Irina", "Jonas",
         "Lena", "Marek", "Nadia", "Omar", "Pavel", "Rashid", "Sofia", "Talgat", "Amir", "Bakyt", "Chen",
         "Daniel", "Erik", "Fatima", "Gustav", "Hiroshi", "Ilham", "Jan", "Kim", "Leila", "Mikhail", "Nils",
         "Oscar", "Paolo", "Rustam", "Sergio", "Timur", "Aida", "Bruno", "Dilnora", "Emil", "Goran", "Helga"]
SYLLABLES = ["ka", "ro", "mi", "len", "dor", "sa", "to", "ni", "bar", "gen", "hol", "ma", "ri", "tan",
             "pel", "sun", "ber", "mon", "ta", "li", "do", "ran", "kel", "han", "ser", "go", "nu", "fel",
             "mar", "tin", "ra", "ko", "sh", "ev", "ova", "in", "son", "berg", "ic", "enko"]
SUFFIXES = ["", "", "ov", "ova", "enko", "ski", "escu", "sen", "ian", "oglu", "ez", "ani", "ert", "ström"]

PUBLISHERS = {
    "BY": "President of the Republic of Belarus", "RU": "President of Russia", "KZ": "Akorda",
    "US": "U.S. Department of State", "CN": "Ministry of Foreign Affairs of the People's Republic of China",
}

SENTENCES = [
    "The sides discussed the state and prospects of {adj} cooperation between {c1} and {c2}.",
    "{p1} and {p2} exchanged views on topical issues of the international agenda.",
    "Particular attention was paid to {topic_phrase}.",
    "The parties noted the positive dynamics of mutual trade, which grew in the past year despite external pressure.",
    "{p2} thanked {p1} for the warm welcome and the constructive nature of the talks.",
    "The leaders agreed to keep in contact and to instruct their governments to work out a schedule of joint events.",
    "They touched upon the implementation of agreements reached earlier, including projects in industry, agriculture and logistics.",
    "The conversation took place in a friendly and trustful atmosphere, the press service said.",
    "{p1} stressed that {c1} is open to dialogue on an equal and mutually respectful basis.",
    "The sides also reviewed preparations for the forthcoming meeting of the intergovernmental commission.",
    "Issues of regional security and the situation near the borders were raised.",
    "The heads of state discussed cooperation within international organisations and integration structures.",
    "{p2} briefed {p1} on the latest developments in {c2}.",
    "It was agreed that the foreign ministries would continue consultations at the level of deputy ministers.",
    "The parties expressed interest in expanding cultural, educational and humanitarian ties.",
    "An exchange of views took place on energy supplies and the pricing of energy resources.",
]
CSTO_SENTENCES = [
    "Special attention was given to cooperation within the Collective Security Treaty Organization (CSTO).",
    "The leaders discussed the agenda of the upcoming CSTO summit and the situation on the organisation's external borders.",
    "{p1} noted that the CSTO remains a key instrument of collective security in the region.",
]
TOPIC_PHRASES = {
    "trade-economy": "trade and economic cooperation", "energy": "energy security and supplies of oil and gas",
    "security-defense": "military and defence cooperation", "sanctions": "the sanctions imposed by Western states",
    "regional-conflict": "the settlement of the conflict in the region", "health": "the fight against the epidemic",
    "elections": "the results of the recent elections", "human-rights": "human rights and civil society",
    "migration-borders": "the migration situation on the border", "greetings": "congratulations on the national holiday",
}

START = dt.date(1990, 1, 1)
END = dt.date(2026, 6, 30)
SPAN = (END - START).days


class SeenFilter:
    """A Bloom filter of fixed size (16 MiB whatever the size of the archive): has this key been drawn?

    The service merges events of the same kind, date and participants into one; the generator draws
    another date for a would-be repeat, so every line is one event (and event ids follow line
    numbers). A false positive only moves a date.
    """

    BITS = 1 << 27

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)

    def add(self, key: str) -> bool:
        """Adds `key`; answers whether it was (probably) there already."""
        digest = hashlib.blake2b(key.encode(), digest_size=12).digest()
        seen = True
        for offset in (0, 4, 8):
            bit = int.from_bytes(digest[offset:offset + 4], "little") % self.BITS
            byte, mask = bit >> 3, 1 << (bit & 7)
            if not self.bits[byte] & mask:
                seen = False
                self.bits[byte] |= mask
        return seen


class Chooser:
    """Weighted choice by bisect over cumulative weights: O(log n) a draw, deterministic."""

    def __init__(self, items, weights) -> None:  # noqa: ANN001
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):  # noqa: ANN204
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def make_people(rng: random.Random, count: int) -> list[tuple[list[str], str, str]]:
    """(spellings, country, title) for `count` people, leaders first; generated names have no z, q, x or w."""
    people = list(LEADERS)
    seen = {(names[0], country) for names, country, _ in people}
    country_chooser = Chooser(COUNTRIES, COUNTRIES.values())
    title_chooser = Chooser(TITLES, TITLE_WEIGHTS)
    while len(people) < count:
        surname = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) + rng.choice(SUFFIXES)
        name = f"{rng.choice(FIRST)} {surname.capitalize()}"
        country = country_chooser(rng)
        if (name, country) in seen:
            continue
        seen.add((name, country))
        people.append(([name], country, title_chooser(rng)))
    return people


def event_date(rng: random.Random) -> dt.date:
    # Denser in later years: the density grows linearly over the span.
    return START + dt.timedelta(days=int(SPAN * rng.random() ** 0.6))


def readout_text(rng: random.Random, date: dt.date, parts: list[dict], topics: list[str], csto: bool,
                 kind: str, serial: int) -> str:
    p1, p2 = parts[0], parts[1]
    c1, c2 = COUNTRY_NAMES.get(p1["country"], p1["country"]), COUNTRY_NAMES.get(p2["country"], p2["country"])
    names = {"p1": p1["name"], "p2": p2["name"], "c1": c1, "c2": c2,
             "adj": rng.choice(["bilateral", "trade and economic", "interregional", "strategic", "practical"]),
             "topic_phrase": TOPIC_PHRASES.get(next((t for t in topics if t in TOPIC_PHRASES), ""),
                                               "the implementation of joint projects")}
    verb = {"phone_call": "had a telephone conversation", "video_call": "held talks by video link",
            "meeting": "met", "visit": "held talks during the official visit", "message": "sent a message",
            "other": "held consultations"}[kind]
    lines = [f"{date.day} {date.strftime('%B %Y')}",
             f"{p1['title']} of {c1} {p1['name']} and {p2['title']} of {c2} {p2['name']} {verb} on "
             f"{date.day} {date.strftime('%B')}."]
    if len(parts) > 2:
        lines.append("Also taking part were " + ", ".join(f"{p['title']} {p['name']}" for p in parts[2:]) + ".")
    pool = list(SENTENCES)
    rng.shuffle(pool)
    text_len = sum(len(x) for x in lines)
    target = rng.randint(1300, 1700)
    extra = [rng.choice(CSTO_SENTENCES)] if csto else []
    for sentence in extra + pool:
        if text_len >= target:
            break
        line = sentence.format(**names)
        lines.append(line)
        text_len += len(line) + 1
    lines.append(f"Press release No. {serial}.")
    return "\n".join(lines)


def generate(size: int, seed: int, out: Path) -> dict:
    rng = random.Random(seed)
    people = make_people(rng, 5000)
    # Zipf-like: weight 1/(rank+1)^s; s=1.0 over 5,000 people puts Putin in ~a fifth, Lukashenko in ~a tenth.
    person_chooser = Chooser(range(len(people)), [1.0 / (rank + 1) ** 1.0 for rank in range(len(people))])
    kind_chooser = Chooser(KINDS, KINDS.values())
    topic_chooser = Chooser(TOPICS, TOPICS.values())
    country_chooser = Chooser(COUNTRIES, COUNTRIES.values())
    spelling_chooser = Chooser(range(3), SPELLING_WEIGHTS)
    stride = max(1, size // RARE_EVENTS)
    rare_at = {(k * stride + 7 * (r + 1)) % size: r for k in range(RARE_EVENTS) for r in range(len(RARE_PEOPLE))}

    stats: Counter = Counter()
    seen = SeenFilter()
    by_year: Counter = Counter()
    by_year_sanctions: Counter = Counter()
    security_by_year: Counter = Counter()
    tmp = out.with_suffix(out.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for index in range(size):
            count = rng.choices((2, 3, 4), weights=(70, 20, 10))[0]
            chosen: list[int] = []
            while len(chosen) < count:
                person = person_chooser(rng)
                if person not in chosen:
                    chosen.append(person)
            parts = []
            for person in chosen:
                spellings, country, title = people[person]
                name = spellings[spelling_chooser(rng) % len(spellings)] if len(spellings) > 1 else spellings[0]
                parts.append({"name": name, "title": title, "country": country})
            if index in rare_at:
                name, country, title = RARE_PEOPLE[rare_at[index]]
                parts[-1] = {"name": name, "title": title, "country": country}
            kind = kind_chooser(rng)
            date = event_date(rng)
            identity = ",".join(map(str, sorted(chosen if index not in rare_at else chosen[:-1] + [-1 - rare_at[index]])))
            while seen.add(f"{kind}|{date}|{identity}"):
                date = event_date(rng)
                stats["redrawn_dates"] += 1
            topics: list[str] = []
            for _ in range(rng.randint(1, 5)):
                topic = topic_chooser(rng)
                if topic not in topics:
                    topics.append(topic)
            countries = {p["country"] for p in parts}
            csto = rng.random() < (0.12 if countries & CSTO_MEMBERS else 0.005)
            organizations = sorted({rng.choice(ORGANIZATIONS) for _ in range(rng.randint(0, 2))} | ({"CSTO"} if csto else set()))
            mentioned = sorted({country_chooser(rng) for _ in range(rng.randint(0, 3))} - countries)
            initiator = rng.choice([p["country"] for p in parts] + [None])
            text = readout_text(rng, date, parts, topics, csto, kind, index + 1)
            body = {
                "kind": kind,
                "date": date.isoformat(),
                "duration_minutes": rng.choice([None, 15, 20, 30, 45, 60, 90, 120]),
                "duration_approximate": rng.random() < 0.3,
                "initiator": initiator,
                "participants": parts,
                "topics": topics,
                "mentioned_countries": mentioned,
                "organizations": organizations,
                "summary": f"{parts[0]['name']} and {parts[1]['name']} discussed "
                           f"{topics[0].replace('-', ' ')}.",
                "sources": [{"publisher": PUBLISHERS.get(parts[0]["country"], f"Government of {parts[0]['country']}"),
                             "published_at": date.isoformat(), "text": text}],
            }
            handle.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")
            stats["events"] += 1
            stats["text_chars"] += len(text)
            if "BY" in countries:
                stats["country_BY"] += 1
                by_year[date.year] += 1
                if "sanctions" in topics:
                    by_year_sanctions[date.year] += 1
            if any(people[p][0][0] == "Aleksandr Lukashenko" for p in chosen):
                stats["person_Lukashenko"] += 1
            if "security-defense" in topics:
                stats["topic_security_defense"] += 1
                security_by_year[date.year] += 1
            if csto:
                stats["q_CSTO"] += 1
    tmp.replace(out)
    manifest = {
        "size": size, "seed": seed, "file": str(out), "people": len(people) + len(RARE_PEOPLE),
        "rare_people": [{"name": n, "country": c, "events": RARE_EVENTS} for n, c, _ in RARE_PEOPLE],
        "counts": dict(stats),
        "country_BY_by_year": dict(sorted(by_year.items())),
        "country_BY_sanctions_by_year": dict(sorted(by_year_sanctions.items())),
        "topic_security_defense_by_year": dict(sorted(security_by_year.items())),
    }
    Path(str(out) + ".manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / "data" / f"events-{args.size}-s{args.seed}.ndjson"
    out.parent.mkdir(parents=True, exist_ok=True)
    manifest = generate(args.size, args.seed, out)
    print(json.dumps({k: manifest[k] for k in ("file", "size", "counts")}))


if __name__ == "__main__":
    main()
