"""Automatic column mapping: which question of a definition each column of a
provider's own file answers (issue 5).

    mappings = suggest(definition, ["Tenant Cde", "P3 Age", "Visit day", "Lead tenant DOB"])
    mappings[1].target   # Target("age3")
    mappings[2].target   # Target("visitdate", "day")
    mappings[3].target   # Target("age1", "date_of_birth")

Each header is compared to what the definition says about every question it could
answer: the question text, its label, its id and export name, its bulk-upload
header, a short hint, other wordings (`variants`), and the collection's synonyms.
Both sides are normalised first (a paper form's leading question number, case,
punctuation, "&"/"and", housing systems' shorthand such as "no.", "DOB", "Prop Ref" and
"Svc Chg", the package's own, plurals, filler words). The score (0-100) is a weighted, soft Dice
of the two word lists: a word few questions use ("bedroom", "cbl") counts for more
than one most use ("type", "household"), as in tf-idf, and a misspelt word counts as
its rapidfuzz similarity ("exemption" for "exempt"). Then:

- Person numbers must agree. "P3 Age", "Age of person 3", "Age3" and "Member 3 - age"
  can only answer person 3's question. A header that names nobody prefers the lead
  person (the questions of person 1). Who a question is about comes from its repeat
  group index, or from its own label ("Lead tenant's age", "Buyer 2's income").
- Split columns map to parts: the day, month or year of a date question; the first
  or second part of a question the template takes in two parts (a postcode); and a
  date of birth to an age question, which the import computes at the start date.
- The assignment is one-to-one, taken greedily by descending score: no two headers
  on one target, and a whole answer and one of its parts are never both taken. Of
  equal claims, the header whose matched words say more wins ("ONS LA code" over
  "Local authority code" for the property's ONS code).
- A sheet of one repeat block's members (`suggest(..., members="person")`, one row a
  member, member_parts.py): every header is about the block's first member, whatever
  person it names ("Relationship to applicant"), or about nobody (the record's
  reference); no other target is considered.
- A column's values, when given (`suggest(..., values=...)`), are evidence
  (column_values.py): a target they fit scores more, one they rule out is dropped.
  Headings several organisations matched by hand are offered by mappings.py
  (learned.py), never here.
- Bands: `confident` (applied: at least CONFIDENT, and MARGIN clear of the header's
  next target and of any other header's claim on the same target), `doubtful`
  (at least DOUBTFUL: proposed, shown with suggestions), `unmapped`.

Synonyms live in the collection package, `synonyms/<record_type>.yaml`:

    persons:                     # how provider files name the people of a record
      words: [tenant, occupant]  # a word before a person's number: "Tenant 2 age"
      lead: [lead tenant]        # phrases that mean person 1
    abbreviations: {hb: housing benefit}
    variables:
      visitdate: [date of visit, visited on]
      age{n}: [age at letting]   # {n}: every person's question, the lead's included

Nothing here names a collection or its variables.
"""

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from cldc.platform.definitions.model import DefinitionError, load_yaml

CONFIDENT = 85  # at or above (with a clear lead): applied without asking
DOUBTFUL = 60  # at or above: proposed, shown with suggestions; below: left unmapped
MARGIN = 5  # a confident mapping beats the header's next target, and other headers' claims on its own, by this
# Questions the official template has no column for (an "age known?" question, a
# group derived from a detailed answer) are normally filled from other columns, so
# they need a slightly better match than the question that does have a column (a
# field number, or a heading where the template is a row of headings).
NO_TEMPLATE_COLUMN_PENALTY = 5
# A free-text follow-up (the "please specify" after an Other answer) shares its
# parent's words but is rarely the column a short name means.
FOLLOW_UP_PENALTY = 5
OTHER_PERSON_PENALTY = 10  # a header that names nobody prefers the lead person
DATE_OF_BIRTH_SCORE = 95  # "DOB", "Lead tenant date of birth": nothing else to compare
VAGUE_DATE_OF_BIRTH_SCORE = 70  # a date of birth with other words, whose person is unclear
WORD_SIMILARITY = 80  # rapidfuzz ratio at which two words count as the same word misspelt

DATE_PARTS = ("day", "month", "year")
TWO_PARTS = ("part1", "part2")
DATE_OF_BIRTH = "date_of_birth"
PART_WORDS = {"part1": "first part", "part2": "second part", DATE_OF_BIRTH: "from date of birth"}


@dataclass(frozen=True)
class Target:
    """What a column fills: a variable (or a checkbox question's id, when one column
    names its options), or a part of one:
    None      the whole answer
    day, month, year   that part of a date question
    part1, part2       the first or second part of a question the template takes in
                       two parts (a postcode: outward and inward code)
    date_of_birth      an age question, computed from a date of birth at the start date
    """

    variable: str
    part: str | None = None

    def as_dict(self):
        return {"variable": self.variable, "part": self.part}

    def fills_the_same(self, other):
        """Two columns cannot both fill it: the same answer, unless different parts of it."""
        return self.variable == other.variable and (self.part is None or other.part is None or self.part == other.part)

    def __str__(self):
        return self.variable if self.part is None else f"{self.variable} ({self.part})"


@dataclass(frozen=True)
class Scored:
    target: Target
    score: int

    def as_dict(self):
        return {**self.target.as_dict(), "score": self.score}


@dataclass
class Mapping:
    header: str
    target: Target | None  # the chosen target: applied when confident, proposed when doubtful
    score: int  # 0-100: the chosen target's, or the best alternative's when unmapped
    band: str  # confident, doubtful or unmapped
    alternatives: list  # [Scored]: the three best other targets for this header, best first

    @property
    def suggestions(self):
        """The three targets to offer a person: the chosen one first."""
        chosen = [Scored(self.target, self.score)] if self.target else []
        return (chosen + self.alternatives)[:3]

    def as_dict(self):
        return {
            "header": self.header,
            "target": self.target.as_dict() if self.target else None,
            "score": self.score,
            "band": self.band,
            "alternatives": [a.as_dict() for a in self.alternatives],
        }


# --- Words --------------------------------------------------------------------------

STOP_WORDS = set(
    "a an the of for to in at by on with from as is are was were be been will would can could "
    "do does did has have had this that these those which what who whom whose where when why "
    "any their there they them it its you your please enter state if provide select following "
    "best describes describe".split()
)
# Shorthand seen in any housing or case system's column names.
ABBREVIATIONS = {
    "no": "number", "num": "number", "nbr": "number", "nr": "number", "nos": "number",
    "dob": "date of birth", "ref": "reference", "cde": "code", "cd": "code", "dt": "date",
    "amt": "amount", "yr": "year", "yrs": "year", "mth": "month", "mnth": "month", "wk": "week",
    "prev": "previous", "prior": "previous", "former": "previous", "last": "previous",
    "mgmt": "management", "mgmnt": "management", "mngmt": "management", "mgt": "management",
    "reg": "registration", "hh": "household", "la": "local authority", "org": "organisation",
    "orgn": "organisation", "organization": "organisation", "desc": "description", "qty": "quantity",
    "addr": "address", "tel": "telephone", "approx": "approximate", "postcd": "postcode",
    "pct": "percentage", "percent": "percentage",
    # How housing management and allocations systems shorten their column names.
    "prop": "property", "hhold": "household", "hhld": "household", "chg": "charge", "chrg": "charge",
    "freq": "frequency", "ni": "national insurance", "nino": "national insurance number",
    "mob": "mobile", "svc": "service", "ident": "id", "identifier": "id",
    "serv": "service", "supp": "support", "pers": "personal", "rsn": "reason", "std": "standard",
    "econ": "economic", "stat": "status", "pcode": "postcode", "tncy": "tenancy", "tenc": "tenancy",
    "cnt": "number", "count": "number", "rel": "relationship", "ethn": "ethnicity", "eth": "ethnicity",
    "nat": "nationality",
    # A unit says how an amount is given, not what it is ("Svc Chg PW" is a service charge).
    "pw": "", "pcm": "", "pa": "",
}
# A paper form's question number before the heading: "12. Tenant's age", "Q12a)", "12 -",
# "Question 4:". A bare number needs its punctuation ("3 bedroom flats" keeps its 3).
QUESTION_NUMBER = re.compile(r"^\s*(?:(?:q|question)\s*\.?\s*\d{1,3}[a-z]?\b\s*[.):\-–]*|\d{1,3}[a-z]?\s*[.):\-–]+)\s*",
                             re.IGNORECASE)
PHRASES = [  # before splitting into words
    (r"\bd\.\s?o\.\s?b\b\.?", "date of birth"), (r"\bbirth\s?date\b", "date of birth"),
    (r"\(?\b(y/n|yes/no|yes or no)\b\)?", " "),  # a flag's answers, not its name
    (r"post\s+code", "postcode"), (r"\bno\.", "number "), (r"&|\+", " and "), (r"#", " number "), (r"%", " percentage "),
    (r"\b1st\b", "first"), (r"\b2nd\b", "second"), (r"\bhow many\b", "number of"), (r"\bhow much\b", "amount of"),
]
TWO_PART_PHRASES = {
    ("part", "1"): "part1", ("first", "part"): "part1", ("first", "half"): "part1", ("outward",): "part1",
    ("outcode",): "part1", ("out", "code"): "part1", ("outward", "code"): "part1",
    ("part", "2"): "part2", ("second", "part"): "part2", ("second", "half"): "part2", ("inward",): "part2",
    ("incode",): "part2", ("inward", "code"): "part2",
}
DATE_PART_WORDS = {"day": "day", "dd": "day", "month": "month", "mm": "month", "year": "year", "yy": "year", "yyyy": "year"}
GENERIC_PERSON_WORDS = ["person", "p", "member", "household member", "individual"]


class Vocabulary:
    """How names are turned into comparable words, with a collection's own additions."""

    def __init__(self, synonyms):
        persons = synonyms.get("persons") or {}
        own = synonyms.get("abbreviations") or {}
        self.abbreviations = {**ABBREVIATIONS, **{str(k).lower(): str(v) for k, v in own.items()}}
        self._words = {}
        person_words = GENERIC_PERSON_WORDS + list(persons.get("words") or [])
        self.person_words = self._phrases(person_words)
        self.lead_phrases = self._phrases(persons.get("lead") or [])

    def _phrases(self, texts):
        """Word tuples, longest first, so that "lead tenant" is found before "lead"."""
        return sorted({tuple(self.words(t)) for t in texts if self.words(t)}, key=len, reverse=True)

    def words(self, text):
        """Lower-case words without punctuation, shorthand spelled out, plurals and
        filler words dropped: "Tenant's No. of Bedrooms" -> ["tenant", "number", "bedroom"]."""
        key = str(text)
        if key not in self._words:
            self._words[key] = self._split(key)
        return list(self._words[key])

    def _split(self, text):
        text = QUESTION_NUMBER.sub("", text, count=1)
        text = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)  # camelCase, ONSCode
        text = text.lower().replace("’", "'").replace("‘", "'")
        for pattern, replacement in PHRASES:
            text = re.sub(pattern, replacement, text)
        text = re.sub(r"'s\b", "", text)
        text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # age3 -> age 3
        words = []
        for word in re.findall(r"[a-z0-9]+", text):
            expanded = self.abbreviations.get(word, word)
            for part in expanded.split() if expanded != word else [word]:
                part = singular(part)
                if part not in STOP_WORDS:
                    words.append(part)
        return words


def singular(word):
    """"Bedrooms" -> "bedroom"; "status", "address" and "this" stay as they are."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _find(words, phrase):
    n = len(phrase)
    for i in range(len(words) - n + 1):
        if tuple(words[i:i + n]) == phrase:
            return i
    return -1


def _people(words, vocabulary):
    """(words without the people they name, the person meant or None). "Person 2
    relationship to person 1" is about person 2: a second person named is the one it
    is compared with, and that is the lead."""
    numbers, lead, rest, i = [], False, [], 0
    while i < len(words):
        matched = False
        for phrase in vocabulary.lead_phrases:
            if tuple(words[i:i + len(phrase)]) == phrase:
                lead, i, matched = True, i + len(phrase), True
                break
        if not matched:
            for phrase in vocabulary.person_words:
                n = len(phrase)
                if tuple(words[i:i + n]) == phrase and i + n < len(words) and re.fullmatch(r"\d{1,2}", words[i + n]):
                    numbers.append(int(words[i + n]))
                    i, matched = i + n + 1, True
                    break
        if not matched:
            rest.append(words[i])
            i += 1
    others = [n for n in numbers if n != 1]
    person = others[0] if others else (1 if numbers or lead else None)
    return rest, person


def _without_person_words(words, vocabulary):
    singles = {phrase[0] for phrase in vocabulary.person_words if len(phrase) == 1}
    return [w for w in words if w not in singles]


# --- Targets and what they are called ------------------------------------------------------


@dataclass
class _Entry:
    target: Target
    question: object
    slot: str | None  # what it fills of its question: None for all of it, else a part or an option
    kind: str  # whole, date_part, two_part or date_of_birth
    person: int | None
    texts: list  # the names it may be called by, each a tuple of words
    penalty: int  # taken off every score (see NO_TEMPLATE_COLUMN_PENALTY)


def load_synonyms(definition):
    """A collection's synonyms for a record type (`synonyms/<record_type>.yaml` in its
    package), or {} when it has none."""
    from cldc.platform import registry

    try:
        collection = registry.get(definition.collection)
    except LookupError:
        return {}
    return _load_synonyms(collection.file("synonyms", record_type=definition.record_type))


@cache
def _load_synonyms(path):
    if not Path(path).exists():
        return {}
    data = load_yaml(path) or {}
    unknown = set(data) - {"persons", "abbreviations", "variables"}
    if unknown or not isinstance(data.get("variables") or {}, dict):
        raise DefinitionError(f"{path}: expected persons, abbreviations and variables (found {', '.join(sorted(data))})")
    return data


def synonym_problems(definition, synonyms):
    """Synonym keys that name no variable or question of the definition (for tests and lint)."""
    names = set(definition.variables) | set(definition.questions)
    return sorted(key for key in (synonyms.get("variables") or {})
                  if not any(_synonym_key_matches(key, name) for name in names))


def _synonym_key_matches(key, name):
    if "{n}" not in key:
        return key == name
    return re.fullmatch(re.escape(key).replace(r"\{n\}", r"\d+"), name) is not None


class _Index:
    """Every target of a definition, the names it may be called by, and how much each
    word tells: a word most questions use ("type", "household") counts for less than
    one few use ("bedroom", "cbl"), as in tf-idf."""

    def __init__(self, definition, synonyms):
        self.vocabulary = Vocabulary(synonyms)
        self._synonyms = synonyms.get("variables") or {}
        self.entries = []
        for question in definition.questions.values():
            if question.type != "derived":
                self._add_question(question)
        self.max_person = max((e.person or 0 for e in self.entries), default=0)
        self.by_target = {e.target: e for e in self.entries}

        # Document frequency over question families (age1 to age8 are one), so that
        # repeating a question for eight people does not make its words common.
        families = {}
        for entry in self.entries:
            family = re.sub(r"\d+", "#", entry.question.id)
            families.setdefault(family, set()).update(word for text in entry.texts for word in text)
        count = len(families)
        frequency = {}
        for words in families.values():
            for word in words:
                frequency[word] = frequency.get(word, 0) + 1
        self.weights = {word: math.log((count + 1) / (df + 1)) + 1 for word, df in frequency.items()}
        self.unknown_weight = math.log(count + 1) + 1  # a word no question uses
        self.known_words = sorted(self.weights)
        self.postings = {}
        for position, entry in enumerate(self.entries):
            for text in entry.texts:
                for word in text:
                    self.postings.setdefault(word, set()).add(position)
        self._similar = {}

    def weight(self, word):
        return self.weights.get(word, self.unknown_weight)

    def similar(self, word):
        """The known words close to a word, with their similarity (0-1): itself, and
        near spellings ("exemption" for "exempt") for words longer than three letters."""
        if word not in self._similar:
            if len(word) <= 3 or word.isdigit():
                found = {word: 1.0} if word in self.weights else {}
            else:
                found = {match: score / 100 for match, score, _ in
                         process.extract(word, self.known_words, scorer=fuzz.ratio, score_cutoff=WORD_SIMILARITY, limit=None)}
            self._similar[word] = found
        return self._similar[word]

    def _synonyms_for(self, name):
        return [s for key, values in self._synonyms.items() if _synonym_key_matches(key, name) for s in values or []]

    def _person_of(self, question):
        if question.repeat and question.index is not None:
            return question.index
        for text in (question.label, question.text, (question.bulk_upload or {}).get("header", "")):
            person = _people(self.vocabulary.words(text), self.vocabulary)[1]
            if person is not None:
                return person
        return None

    def _texts(self, raw_texts, person, drop=()):
        texts = []
        for raw in raw_texts:
            words, _ = _people(self.vocabulary.words(raw), self.vocabulary)
            words = tuple(w for w in words if w not in drop and not (person is not None and w == str(person)))
            if words and words not in texts:
                texts.append(words)
        return texts

    def _add_question(self, question):
        upload = question.bulk_upload or {}
        fields = upload.get("fields")
        has_column = (bool(fields or upload.get("header"))
                      and upload.get("kind") not in ("lookup", "any_given", "count_given"))
        penalty = 0 if has_column else NO_TEMPLATE_COLUMN_PENALTY
        if question.type == "text" and question.show_if is not None:
            penalty += FOLLOW_UP_PENALTY
        person = self._person_of(question)
        hint = question.hint if len(question.hint) <= 80 and "<" not in question.hint else ""
        variants = [v.get("text", "") for v in question.extra.get("variants") or [] if isinstance(v, dict)]
        names = [question.text, question.label, question.id.replace("_", " "), question.export_name.replace("_", " "),
                 upload.get("header", ""), hint, *variants, *self._synonyms_for(question.id)]

        def add(target, slot, kind, texts):
            self.entries.append(_Entry(target, question, slot, kind, person, texts, penalty))

        add(Target(question.id), None, "whole", self._texts(names, person))
        field_list = fields if isinstance(fields, list) else []
        if question.type == "date":
            for part in DATE_PARTS:
                add(Target(question.id, part), part, "date_part", self._texts(names, person, drop={"date"}))
        elif question.type == "text" and len(field_list) == 2 and not upload.get("kind"):
            for part in TWO_PARTS:
                add(Target(question.id, part), part, "two_part", self._texts(names, person))
        elif question.type == "numeric" and "age" in self.vocabulary.words(f"{question.label} {question.text}"):
            add(Target(question.id, DATE_OF_BIRTH), None, "date_of_birth", [])
        elif question.type == "checkbox":
            option_headers = upload.get("headers") or []
            column_variables = upload.get("variables") or [code for code, _ in question.options]
            for code, label in question.options:
                if code == question.id:
                    continue  # a single tick box named like its question: the whole target covers it
                at = column_variables.index(code) if code in column_variables else len(option_headers)
                header = option_headers[at] if at < len(option_headers) else ""
                texts = self._texts([label or "", header, str(code).replace("_", " "), *self._synonyms_for(str(code))], person)
                self.entries.append(_Entry(Target(str(code)), question, str(code), "whole", person, texts, penalty))


_INDEXES = {}  # (id(definition), id(synonyms)) -> (definition, synonyms, index): both kept alive, so ids stay theirs


def _index(definition, synonyms):
    key = (id(definition), id(synonyms))
    if key not in _INDEXES:
        if len(_INDEXES) >= 8:
            _INDEXES.pop(next(iter(_INDEXES)))
        _INDEXES[key] = (definition, synonyms, _Index(definition, synonyms))
    return _INDEXES[key][2]


# --- Reading a header ------------------------------------------------------------------


@dataclass
class _Reading:
    words: list
    kind: str  # whole, date_part, two_part or date_of_birth
    part: str | None
    person: int | None
    scope: str  # person (that person's targets), any (all, the lead first), plain (targets about nobody),
    # member (a sheet of one block's members: that member's targets only)


def _readings(header, index, member=None):
    """The ways a header can be read: as a whole answer, and, when its words say so,
    as a part of a date, of a two-part answer, or as a date of birth. `member`: the
    header is a column of a sheet of one repeat block's members, read as about that
    member (the one numbered `member`) or about nobody (the record's reference)."""
    vocabulary = index.vocabulary
    words = vocabulary.words(header)
    readings = []
    birth = _find(words, ("date", "birth"))
    if birth >= 0:
        rest = words[:birth] + words[birth + 2:]
        readings += _person_readings(rest, "date_of_birth", DATE_OF_BIRTH, index, member)
    for phrase, part in TWO_PART_PHRASES.items():
        at = _find(words, phrase)
        if at >= 0:
            readings += _person_readings(words[:at] + words[at + len(phrase):], "two_part", part, index, member)
            break
    date_parts = {DATE_PART_WORDS[w] for w in words if w in DATE_PART_WORDS}
    if len(date_parts) == 1 and birth < 0:
        rest = [w for w in words if w not in DATE_PART_WORDS and w != "date"]
        readings += _person_readings(rest, "date_part", date_parts.pop(), index, member)
    readings += _person_readings(words, "whole", None, index, member)
    return readings


def _person_readings(words, kind, part, index, member=None):
    rest, person = _people(words, index.vocabulary)
    if member is not None:  # "Age", "Relationship to applicant": the member's own, whoever else they name
        return [_Reading(rest, kind, part, member, "member"), _Reading(rest, kind, part, None, "plain")]
    if person is not None:
        return [_Reading(rest, kind, part, person, "person")]
    bare = [w for w in words if w.isdecimal() and 1 <= int(w) <= index.max_person]
    if bare:  # "Age3" is person 3's age; "Address line 2" is not about a person
        position = len(words) - 1 - words[::-1].index(bare[-1])
        return [_Reading(words, kind, part, None, "plain"),
                _Reading(words[:position] + words[position + 1:], kind, part, int(bare[-1]), "person")]
    return [_Reading(words, kind, part, None, "any")]


def _overlap(words, text, similar, index):
    """(0-100: how much of both names the other covers, each word weighted by how much
    it tells, a near spelling counting for its similarity (a soft, weighted Dice);
    the weight of the header's words that were matched)."""
    matched = sum(index.weight(w) * max((similar[w].get(t, 0.0) for t in text), default=0.0) for w in words)
    covered = matched + sum(index.weight(t) * max((similar[w].get(t, 0.0) for w in words), default=0.0) for t in text)
    total = sum(index.weight(w) for w in words) + sum(index.weight(t) for t in text)
    return (100 * covered / total if total else 0.0), matched


def _allowed(reading, entry):
    if entry.kind != reading.kind or (reading.part is not None and entry.target.part != reading.part):
        return False
    if reading.scope == "plain":
        return entry.person is None
    if reading.scope == "person":
        return entry.person == reading.person or (reading.person == 1 and entry.person is None)
    if reading.scope == "member":
        return entry.person == reading.person
    return True


def _scores(header, index, member=None):
    """The best (score, weight of the words matched) of every target for a header."""
    best = {}
    for reading in _readings(header, index, member):
        similar = {w: index.similar(w) for w in reading.words}
        near = {p for w in reading.words for known in similar[w] for p in index.postings.get(known, ())}
        for position, entry in enumerate(index.entries):
            if not _allowed(reading, entry):
                continue
            if entry.kind == "date_of_birth":
                others = _without_person_words(reading.words, index.vocabulary)
                score, matched = (DATE_OF_BIRTH_SCORE if not others else VAGUE_DATE_OF_BIRTH_SCORE), 0.0
            elif position in near:
                score, matched = max(_overlap(reading.words, text, similar, index) for text in entry.texts)
            else:
                continue
            score -= entry.penalty
            if reading.scope == "any" and entry.person is not None and entry.person != 1:
                score -= OTHER_PERSON_PENALTY
            found = (int(round(score)), matched)
            if found[0] > 0 and found > best.get(entry.target, (0, 0.0)):
                best[entry.target] = found
    return best


EVIDENCE_FLOOR = 30  # targets scoring less on the header alone are not worth weighing the values for


def _weigh_values(found, values, index):
    """A header's {target: (score, matched)} with its column's values as evidence
    (column_values.py): a target they fit scores more, one they rule out is dropped;
    but a heading that surely names a question keeps it when its values are only
    mistakes, which each row then reports on its field (unmatched, they would be lost)."""
    from cldc.platform.uploads.column_values import RULED_OUT, Column, fit, holds_mistakes

    column = Column(values)
    if column.shape is None:
        return found
    weighed = {}
    for target, (score, matched) in found.items():
        if score >= EVIDENCE_FLOOR:
            question = index.by_target[target].question
            evidence = fit(column, *_fit_arguments(index, target))
            if evidence is RULED_OUT and not (score >= CONFIDENT and holds_mistakes(column, question)):
                continue
            if score < CONFIDENT:  # lifting a sure match further would only eat into its rivals' margins
                score = min(100, score + evidence)
        weighed[target] = (score, matched)
    return weighed


def _fit_arguments(index, target):
    """(question, kind, is_age, is_postcode): what column_values.fit needs to know of a target."""
    entry = index.by_target[target]
    question = entry.question
    is_age = Target(question.id, DATE_OF_BIRTH) in index.by_target
    is_postcode = "postcode" in index.vocabulary.words(f"{question.label} {question.text}")
    return question, entry.kind, is_age, is_postcode


def value_evidence(definition, target, values, synonyms=None):
    """What a column's values say of its match to `target`, in words for the person
    confirming it ("Its values look like dates, as answers to “Date of visit” are."),
    or '' when they say nothing (or the column has none)."""
    from cldc.platform.uploads.column_values import Column, said

    index = _index(definition, load_synonyms(definition) if synonyms is None else synonyms)
    column = Column(values)
    if target not in index.by_target or column.shape is None:
        return ""
    return said(column, *_fit_arguments(index, target), describe(definition, target))


# --- Assignment ---------------------------------------------------------------------------


def _clash(a, b):
    """Two targets that fill the same thing: the same question, unless they are
    different parts or different options of it."""
    if a.question.id != b.question.id:
        return False
    return a.slot is None or b.slot is None or a.slot == b.slot


def suggest(definition, headers, synonyms=None, members=None, values=None):
    """A Mapping for each header, in order (see the module's docstring). `values`: each
    column's values (or some of them), read as evidence (column_values.py). `members`: the
    name of a repeat block whose members the headers describe, one row a member (a
    sheet of their own): then each header maps to a question of the block's first
    member, or to the record's reference (member_targets)."""
    if synonyms is None:
        synonyms = load_synonyms(definition)
    index = _index(definition, synonyms)
    order = {entry.target: i for i, entry in enumerate(index.entries)}
    if members is None:
        found = [_scores(header, index) for header in headers]
    else:
        allowed = set(member_targets(definition, members, synonyms))
        first = definition.repeats[members].indices[0]
        found = [{target: score for target, score in _scores(header, index, first).items() if target in allowed}
                 for header in headers]
    if values is not None:
        found = [_weigh_values(each, column, index) for each, column in zip(found, values)] + found[len(values):]
    scores = [{target: score for target, (score, _) in each.items()} for each in found]

    # Equal claims go to the header whose matched words say more ("ONS LA code"
    # before "Local authority code" for the property's ONS code; "Start date" before
    # "Start day" for the whole date), then to the first header.
    claims = sorted(
        ((score, matched, h, target) for h, each in enumerate(found) for target, (score, matched) in each.items()
         if score >= DOUBTFUL),
        key=lambda claim: (-claim[0], -claim[1], claim[2], order[claim[3]]),
    )
    chosen, taken = {}, []
    for score, _, h, target in claims:
        entry = index.by_target[target]
        if h in chosen or any(_clash(entry, other) for other in taken):
            continue
        chosen[h] = (target, score)
        taken.append(entry)

    mappings = []
    for h, header in enumerate(headers):
        ranked = sorted(scores[h].items(), key=lambda item: (-item[1], order[item[0]]))
        target, score = chosen.get(h, (None, 0))
        alternatives = [Scored(t, s) for t, s in ranked if t != target][:3]
        if target is None:
            mappings.append(Mapping(header, None, alternatives[0].score if alternatives else 0, "unmapped", alternatives))
            continue
        entry = index.by_target[target]
        runner_up = max((s for t, s in ranked if not _clash(index.by_target[t], entry)), default=0)
        rival = max((scores[other].get(target, 0) for other in range(len(headers)) if other != h), default=0)
        clear = score - runner_up >= MARGIN and score - rival >= MARGIN
        band = "confident" if score >= CONFIDENT and clear else "doubtful"
        mappings.append(Mapping(header, target, score, band, alternatives))
    return mappings


def member_targets(definition, block, synonyms=None):
    """The targets a column of a sheet of a repeat block's members can fill: the
    block's first member's questions (the column is every member's, one a row), and
    the record's reference, which joins each member to its record."""
    first = definition.repeats[block].indices[0]
    return [target for target in targets(definition, synonyms)
            if _member_of(definition, target.variable) == (block, first)
            or target.variable in definition.reference_key]


def _member_of(definition, variable):
    question = definition.questions.get(variable) or definition.variables.get(variable)
    return (question.repeat, question.index) if question is not None and question.repeat else None


def targets(definition, synonyms=None):
    """Every target a column can fill, in the definition's order (for a person choosing one)."""
    index = _index(definition, load_synonyms(definition) if synonyms is None else synonyms)
    return [entry.target for entry in index.entries]


def grouped_targets(definition):
    """[(group, [(target, label)])] of every target, for a person choosing one: grouped
    by the form's subsections, a repeated group's members each apart ("Household
    characteristics: person 2"), each label naming its person and said once (of two
    questions with one label, "Lead tenant’s age" for the age and whether it is known,
    the one that asks a question is named by it: "Do you know the lead tenant’s age?")."""
    labelled = []
    for target in targets(definition):
        question = definition.questions.get(target.variable) or definition.variables.get(target.variable)
        label = describe(definition, target)
        page = getattr(question, "page", None)
        group = page.subsection.label if page is not None and page.subsection is not None else ""
        if question is not None and question.repeat and question.index is not None:
            group = f"{group}: {question.repeat} {question.index}" if group else f"{question.repeat.capitalize()} {question.index}"
            if str(question.index) not in label:
                label = f"{question.repeat.capitalize()} {question.index}: {label}"
        labelled.append((group or "Other questions", target, label, question))
    def counted(items):
        counts = {}
        for _, _, label, _ in items:
            counts[label] = counts.get(label, 0) + 1
        return counts

    counts = counted(labelled)
    labelled = [(group, target, question.text if counts[label] > 1 and question is not None and target.part is None
                 and "?" in question.text else label, question) for group, target, label, question in labelled]
    counts = counted(labelled)
    groups = {}
    for group, target, label, _ in labelled:
        groups.setdefault(group, []).append((target, label if counts[label] == 1 else f"{label} ({target})"))
    return list(groups.items())


def describe(definition, target):
    """A target as people read it: "Tenancy start date (day)"."""
    question = definition.questions.get(target.variable) or definition.variables.get(target.variable)
    label = target.variable
    if question is not None:
        label = question.label or question.text
        if question.type == "checkbox" and target.variable != question.id:
            label = f"{label}: {question.label_for(target.variable) or target.variable}"
    return label if target.part is None else f"{label} ({PART_WORDS.get(target.part, target.part)})"
