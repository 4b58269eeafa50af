"""Invented people: names, addresses under ``.example`` domains, where they live.

No one here exists. Email domains end in ``.example`` (reserved by RFC 2606, so a demo can
never mail a real mailbox), and postal addresses are built from real town names with made-up
street numbers.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

JAPANESE_FAMILY = [
    ("Sato", "サトウ"),
    ("Suzuki", "スズキ"),
    ("Takahashi", "タカハシ"),
    ("Tanaka", "タナカ"),
    ("Watanabe", "ワタナベ"),
    ("Ito", "イトウ"),
    ("Yamamoto", "ヤマモト"),
    ("Nakamura", "ナカムラ"),
    ("Kobayashi", "コバヤシ"),
    ("Kato", "カトウ"),
    ("Yoshida", "ヨシダ"),
    ("Yamada", "ヤマダ"),
    ("Sasaki", "ササキ"),
    ("Matsumoto", "マツモト"),
    ("Inoue", "イノウエ"),
    ("Kimura", "キムラ"),
    ("Hayashi", "ハヤシ"),
    ("Shimizu", "シミズ"),
    ("Mori", "モリ"),
    ("Ikeda", "イケダ"),
]
JAPANESE_GIVEN = [
    ("Kaori", "カオリ"),
    ("Hiroshi", "ヒロシ"),
    ("Yuki", "ユキ"),
    ("Takeshi", "タケシ"),
    ("Aiko", "アイコ"),
    ("Kenji", "ケンジ"),
    ("Naoko", "ナオコ"),
    ("Daisuke", "ダイスケ"),
    ("Emi", "エミ"),
    ("Shota", "ショウタ"),
    ("Mai", "マイ"),
    ("Ryo", "リョウ"),
    ("Haruka", "ハルカ"),
    ("Kazuo", "カズオ"),
    ("Sayaka", "サヤカ"),
    ("Tomoya", "トモヤ"),
]
OTHER_FAMILY = [
    "Smith",
    "Jones",
    "Müller",
    "Martin",
    "Kim",
    "Lee",
    "Chen",
    "Wang",
    "Brown",
    "Dubois",
    "Schmidt",
    "Taylor",
    "Nguyen",
    "Park",
    "Wilson",
    "García",
]
OTHER_GIVEN = [
    "Emma",
    "James",
    "Lena",
    "Lucas",
    "Min-jun",
    "Ji-woo",
    "Wei",
    "Mei",
    "Oliver",
    "Chloé",
    "Jonas",
    "Grace",
    "Linh",
    "Sofia",
    "Noah",
    "Hana",
]

# Where customers live: country code, weight, towns (for addresses and the ledger's countries).
COUNTRIES = [
    ("JP", 78, ["Tokyo", "Osaka", "Yokohama", "Nagoya", "Sapporo", "Fukuoka", "Kyoto", "Sendai"]),
    ("KR", 4, ["Seoul", "Busan"]),
    ("TW", 4, ["Taipei", "Kaohsiung"]),
    ("US", 4, ["Portland", "Austin", "Boston"]),
    ("DE", 3, ["Berlin", "Hamburg"]),
    ("GB", 3, ["Leeds", "Bristol"]),
    ("AU", 2, ["Melbourne", "Brisbane"]),
    ("FR", 1, ["Lyon"]),
    ("SG", 1, ["Singapore"]),
]
# A British shop's customers.
COUNTRIES_UK = [
    ("GB", 88, ["London", "Manchester", "Leeds", "Bristol", "Edinburgh", "Cardiff", "York"]),
    ("IE", 5, ["Dublin", "Cork"]),
    ("FR", 3, ["Paris", "Lille"]),
    ("DE", 2, ["Berlin"]),
    ("NL", 2, ["Amsterdam"]),
]
MAIL_DOMAINS = [
    "mail.example",
    "post.example",
    "inbox.example",
    "print-studio.example",
    "design-works.example",
    "photo-lab.example",
    "univ.example",
]


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str
    country: str
    town: str
    kana: str  # how a Japanese bank statement spells the payer (half-width katakana)
    address: str
    phone: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


def _half_width(kana: str) -> str:
    """Bank statements print payers in half-width katakana (NFKC turns it back)."""
    table = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E)}
    out = []
    for char in kana:
        if char in table:
            out.append(table[char])
            continue
        base = unicodedata.normalize("NFD", char)
        if len(base) == 2 and base[0] in table:  # voiced: the base kana and a dakuten mark
            out.append(table[base[0]] + ("\uff9e" if base[1] == "\u3099" else "\uff9f"))
        else:
            out.append(char)
    return "".join(out)


Countries = list[tuple[str, int, list[str]]]


def person_make(rng: random.Random, number: int, countries: Countries = COUNTRIES) -> Person:
    """Person ``number`` of a run: deterministic given ``rng``'s state."""
    country = rng.choices(countries, weights=[w for _, w, _ in countries])[0]
    code, _, towns = country
    town = rng.choice(towns)
    if code == "JP":
        (family, family_kana), (given, given_kana) = (
            rng.choice(JAPANESE_FAMILY),
            rng.choice(JAPANESE_GIVEN),
        )
        kana = _half_width(f"{family_kana} {given_kana}")
        phone = f"0{rng.randint(3, 9)}0-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    else:
        family, given = rng.choice(OTHER_FAMILY), rng.choice(OTHER_GIVEN)
        kana, phone = "", f"+{rng.randint(1, 89)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    local = unicodedata.normalize("NFKD", f"{given}.{family}").encode("ascii", "ignore").decode()
    email = f"{local.lower().replace(' ', '')}{number}@{rng.choice(MAIL_DOMAINS)}"
    if code == "JP":
        address = f"{rng.randint(1, 40)}-{rng.randint(1, 30)}-{rng.randint(1, 20)} {town}, {code}"
    else:
        street = rng.choice(
            ["High Street", "Station Road", "Park Lane", "Church Road", "Mill Lane"]
        )
        address = f"{rng.randint(1, 140)} {street}, {town}, {code}"
    return Person(f"{given} {family}", email, code, town, kana, address, phone)


def people_make(
    rng: random.Random, count: int, *, first: int = 0, countries: Countries = COUNTRIES
) -> list[Person]:
    return [person_make(rng, first + n, countries) for n in range(count)]
