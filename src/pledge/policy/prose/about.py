"""Who and where: title, opening words, controller, contact address, law, how to ask.

A controller's name is taken only where the notice gives one: "the data controller is ...",
or a title such as "Privacy Policy for ALPS Printer Services Japan". A contact address is the
address the notice tells readers to write to; where there are several, the one offered for
privacy questions wins. The law is read from the laws the notice names; a replaced law (the Data
Protection Act 1998) is kept as the original reference and the law now in force proposed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pledge.policy.prose.facts import Fact, Status
from pledge.policy.prose.text import Document, Sentence

if TYPE_CHECKING:
    from pledge.policy.prose.findings import Findings

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CONTACT = re.compile(
    r"\b(?:contact|write|email|get in touch|reach|send|queries|query|questions?|requests?|"
    r"complaints?|concerns?|enquir\w*|inquir\w*|controller|privacy|exercise|unsubscribe)\b"
)
_PRIVACY_CONTACT = re.compile(r"\b(?:privacy|personal|controller|rights|gdpr|data protection)\b")

_TITLE_NAME = (
    re.compile(
        r"^(?:the\s+)?(?:online\s+)?privacy\s+(?:policy|statement|notice)\s+(?:for|of)\s+"
        r"(?:the\s+)?(?P<name>.+?)(?:\s+(?:website|web site|site))?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?P<name>.+?)(?:'s|\u2019s)?\s*(?:[|:\u2013\u2014-]\s*)?(?:online\s+)?privacy\s+"
        r"(?:&\s+security\s+)?(?:policy|statement|notice)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:online\s+)?privacy\s+(?:&\s+security\s+)?(?:policy|statement|notice)\s*[|:\u2013\u2014-]\s*"
        r"(?P<name>.+)$",
        re.IGNORECASE,
    ),
)
_CONTROLLER = re.compile(
    r"\b(?:the\s+)?(?:data\s+)?(?:processing\s+)?controller\b[^.:]{0,60}?\bis\b:?\s*(?P<name>.*)$",
    re.IGNORECASE,
)
_CONTROLLER_AFTER = re.compile(r"^(?P<name>[A-Z][^,.;]{1,80}?)\s+is\s+the\s+(?:data\s+)?controller")
_NOT_A_NAME = re.compile(
    r"^(?:the|a|an|this|our|we|it|that)\b|^(?:natural|legal|responsible)\b|\bwebsite\b$",
    re.IGNORECASE,
)
_UPDATED = re.compile(
    r"\b(?:last\s+(?:updated|modified|revised|changed)|updated(?:\s+on)?|effective(?:\s+date)?|"
    r"date\s+of\s+last\s+revision)\b[\s:,-]*(?:on\s+)?(?P<date>\d{4}-\d{2}-\d{2}|"
    r"[a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+,?\s+\d{4})"
)

# Laws a notice may name: (pattern, country, the framework as now in force, replaced law).
_LAWS: tuple[tuple[str, str | None, tuple[str, ...], str | None], ...] = (
    (r"data protection act,? 1998", "GB", ("UK GDPR", "Data Protection Act 2018"),
     "Data Protection Act 1998"),
    (r"data protection act,? 2018|uk gdpr", "GB", ("UK GDPR", "Data Protection Act 2018"), None),
    (r"\b(?:uk|english|british) law\b|information commissioner|\bico\b", "GB", (), None),
    (r"\bgdpr\b|general data protection regulation|\bdsgvo\b", None, ("GDPR",), None),
    (r"\bdsgvo\b|\bbdsg\b|bundesdatenschutzgesetz", "DE", ("GDPR", "BDSG"), None),
    (r"act on the protection of personal information|\bappi\b", "JP",
     ("Act on the Protection of Personal Information (Japan)",), None),
    (r"\bjapan(?:ese)?\b[^.]{0,60}\b(?:law|legal|audit\w*|business records|financial year|"
     r"fiscal year|tax)\b|\b(?:law|audit\w*|tax)\b[^.]{0,40}\bjapan(?:ese)?\b", "JP", (), None),
    (r"california (?:online privacy protection act|consumer privacy act)|\bcaloppa\b|\bccpa\b",
     "US", ("California Online Privacy Protection Act",), None),
    (r"children'?s online privacy protection act|\bcoppa\b", "US",
     ("Children's Online Privacy Protection Act",), None),
    (r"\bpipeda\b", "CA", ("PIPEDA",), None),
)  # fmt: skip
_LAW_WORDS = re.compile(
    r"\b(?:act|law|gdpr|dsgvo|bdsg|bundes\w+|japan\w*|california|coppa|caloppa|ccpa|pipeda|"
    r"ico|commissioner|appi)\b"
)
_LAW_PATTERNS = [(re.compile(p), c, f, o) for p, c, f, o in _LAWS]
_RIGHTS_ASK = re.compile(
    r"\b(?:contact|write to|get in touch|email us|send us|make a request|reach us|let us know)\b"
)
_RIGHTS_TOPIC = re.compile(
    r"\b(?:personal (?:data|information)|privacy|your (?:data|information|rights)|rights|"
    r"data protection|request|delete|erase|access)\b"
)
_QUESTIONS = re.compile(r"\b(?:questions?|quer(?:y|ies)|requests?|concerns?)\b")
_IN_WRITING = re.compile(r"\bin writing\b|\bwritten request\b|\bby (?:letter|post)\b")


def _clean_name(name: str) -> str | None:
    name = re.sub(r"\s+", " ", name).strip(" .,:;|*#\"'\u201c\u201d\u2018\u2019-")
    name = re.sub(r"^[^\w]+", "", name).strip()  # a leading emoji or symbol
    if not name or len(name) > 80 or not name[0].isalnum() or _NOT_A_NAME.search(name):
        return None
    if name.lower() in {"privacy policy", "privacy", "policy", "our", "your", "us"}:
        return None
    return name


def _title(document: Document) -> Sentence | None:
    headings = [s for s in document.sentences[:12] if s.kind == "heading"]
    for sentence in headings:
        if re.search(
            r"\bprivacy\b|\bdata protection\b|\bpersonal (?:data|information)\b", sentence.norm
        ):
            return sentence
    return None


def read_about(document: Document, found: Findings) -> None:
    sentences = document.sentences
    title = _title(document)
    if title is not None:
        found.title = Fact.of(title.text, [title])
    elif document.title:
        found.title = Fact(Status.STATED, document.title, (), "from the page's <title>")
    after_title = sentences[title.index + 1 :] if title is not None else sentences
    opening = [s for s in after_title if s.kind == "text" and len(s.text.split()) >= 6][:2]
    if opening:
        found.summary = Fact.of(" ".join(s.text for s in opening), opening)
    for sentence in sentences[:40]:
        if match := _UPDATED.search(sentence.norm):
            found.updated = Fact.of(match["date"], [sentence])
            break
    _controller(document, found, title)
    _email(sentences, found)
    _law(sentences, found)
    _rights(sentences, found)


def _controller(document: Document, found: Findings, title: Sentence | None) -> None:
    sentences = document.sentences
    for i, sentence in enumerate(sentences):
        if "controller" not in sentence.norm or sentence.kind == "heading":
            continue
        match = _CONTROLLER.search(sentence.text) or _CONTROLLER_AFTER.search(sentence.text)
        if not match:
            continue
        name = _clean_name(match["name"])
        cited = [sentence]
        if name is None and match["name"].strip() == "" and i + 1 < len(sentences):
            # "The data processing controller on this website is:" and the name below it.
            follower = sentences[i + 1]
            name, cited = _clean_name(follower.text), [sentence, follower]
        if name is not None and len(name.split()) <= 10:
            found.controller = Fact.of(name, cited)
            return
    if title is not None:
        for pattern in _TITLE_NAME:
            if match := pattern.match(title.text):
                name = _clean_name(match["name"])
                if name is not None:
                    found.controller = Fact.of(name, [title], "named in the notice's title")
                    return


def _email(sentences: tuple[Sentence, ...], found: Findings) -> None:
    scored: dict[str, tuple[int, int, Sentence]] = {}
    for sentence in sentences:
        for match in EMAIL.finditer(sentence.text):
            address = match.group(0).rstrip(".")
            score = 0
            if _CONTACT.search(sentence.norm):
                score += 1
            if _PRIVACY_CONTACT.search(sentence.norm) or _PRIVACY_CONTACT.search(sentence.heading):
                score += 1
            if address.lower() not in {a.lower() for a in scored}:
                scored[address] = (score, -sentence.index, sentence)
            elif score > scored[address][0]:
                scored[address] = (score, scored[address][1], sentence)
    if not scored:
        return
    best = max(scored, key=lambda a: scored[a][:2])
    found.email = Fact.of(best, [scored[best][2]])
    domain = best.rsplit("@", 1)[1].lower()
    found.addresses = tuple(a for a in scored if a.rsplit("@", 1)[1].lower() == domain)


def _law(sentences: tuple[Sentence, ...], found: Findings) -> None:
    countries: dict[str, list[Sentence]] = {}
    frameworks: dict[str, Sentence] = {}
    for sentence in sentences:
        if not _LAW_WORDS.search(sentence.norm):
            continue
        for pattern, country, named, replaced in _LAW_PATTERNS:
            if not pattern.search(sentence.norm):
                continue
            if country:
                countries.setdefault(country, []).append(sentence)
            for framework in named:
                frameworks.setdefault(framework, sentence)
            if replaced and not found.original_law.stated:
                found.original_law = Fact.of(replaced, [sentence])
    if countries:
        country = max(countries, key=lambda c: len(countries[c]))
        found.jurisdiction = Fact.of(country, countries[country][:2])
    if frameworks:
        found.frameworks = Fact.of(tuple(frameworks), frameworks.values())


def _rights(sentences: tuple[Sentence, ...], found: Findings) -> None:
    asks = [
        s
        for s in sentences
        if s.kind != "heading"
        and _RIGHTS_ASK.search(s.norm)
        and _RIGHTS_TOPIC.search(s.norm)
        and "cookie" not in s.norm
        and "unsubscribe" not in s.norm
    ]
    if asks:
        # The sentence that names an address, or says where questions go; not one about deletion.
        def score(s: Sentence) -> tuple[int, int]:
            points = 2 * bool(EMAIL.search(s.text)) + bool(_QUESTIONS.search(s.norm))
            return points - bool(re.search(r"\bdelet", s.norm)), -s.index

        best = max(asks, key=score)
        found.rights = Fact.of(best.text, [best])
    writing = [s for s in sentences if _IN_WRITING.search(s.norm) and "request" in s.norm]
    if writing:
        found.in_writing = Fact.of(True, writing[:1])
