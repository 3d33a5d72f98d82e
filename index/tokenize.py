"""BM25 tokenisation: lower-cased words, normalised to the ASCII words a clinician types (accents and Greek letters
folded, possessives and contractions undone), stop words dropped, Snowball-stemmed."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Literal

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from index.lexicon import read_lexicon

StopwordSet = Literal["english", "english_and_scaffolding", "english_and_question_words"]
# The one default: IndexSettings.bm25_stopwords, the tokenizer and the BM25 index all start from it.
DEFAULT_STOPWORDS: StopwordSet = "english_and_scaffolding"

# Keeps hyphenated and alphanumeric terms whole ("il-17", "covid-19") and single letters ("hepatitis b").
_TOKEN = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")
# Greek letters by name, as biomedical text spells them out ("IL-1β" and "IL-1beta", "NF-κB" and "NF-kappaB").
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψω",
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma sigma tau "
        "upsilon phi chi psi omega".split(),
        strict=True,
    )
)
# The scaffolding of a question ("which … should I …"), which a question needs and a claim shares only by chance;
# in a small corpus such words are rare enough to carry a high IDF, so a chance match outranks the claim that answers.
LEXICONS = Path(__file__).parent / "lexicons"
SCAFFOLDING = frozenset(read_lexicon(LEXICONS / "scaffolding.tsv").words())
# english_and_question_words also drops the wh-words, which say what kind of answer is wanted, never what the
# question is about (the query side reads them in rag/language/interrogatives.py), and "us".
QUESTION_WORDS = SCAFFOLDING | frozenset(read_lexicon(LEXICONS / "question_words.tsv").words())
STOPWORDS: dict[str, frozenset[str]] = {
    "english": frozenset(STOPWORDS_EN),
    "english_and_scaffolding": frozenset(STOPWORDS_EN) | SCAFFOLDING,
    "english_and_question_words": frozenset(STOPWORDS_EN) | QUESTION_WORDS,
}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def normalize(text: str) -> str:
    """Lower case in ASCII, in the words a clinician types.

    - Accents off ("Sjögren" is "sjogren"; "ß" is "ss") and Greek letters spelled out ("TNF-α" is "tnf-alpha"; the
      micro sign is "mu"). Before, a word with one such letter fell apart: "Ménière" into "m", "ni" and "re", and
      "IL-1β" into "IL-1", so that it matched "IL-1α" as well.
    - Possessives and contractions undone, as English analysers do (Lucene's possessive filter): "Crohn's" is
      "crohn", "she's on it" is "she on it", "shouldn't" is "should not". Before, they left terms "s", "t", "re" and
      "ve": "s" is rare in a small corpus, so "what's the dose?" matched the few passages that say "Crohn's".
    """
    lowered = text.lower() if text.isascii() else _fold(text)
    if "'" not in lowered and "’" not in lowered:
        return lowered
    return _CLITIC.sub("", _NEGATION.sub(lambda m: _NEGATED.get(m.group(1), m.group(1)) + " not", lowered))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(_GREEK.get(c, c) for c in decomposed if not unicodedata.combining(c))


_NEGATION = re.compile(r"\b(\w+)n['’]t\b")
_NEGATED = {"ca": "can", "wo": "will", "sha": "shall"}  # "can't", "won't", "shan't"
_CLITIC = re.compile(r"['’](?:s|re|ve|ll|d|m)\b")


class Tokenizer:
    def __init__(self, stopwords: StopwordSet = DEFAULT_STOPWORDS, stem: bool = True, normalize: bool = True) -> None:
        """`normalize`: see `normalize` (off with FOLLOWUP_BM25_NORMALIZE=false)."""
        self.stopwords_name = stopwords
        self._stopwords = STOPWORDS[stopwords]
        self.stems = stem
        self.normalizes = normalize

    @property
    def key(self) -> str:
        """What makes two tokenizers tokenize alike (keys the artifacts derived from their terms)."""
        return f"{self.stopwords_name}:{','.join(sorted(self._stopwords))}:{self.stems}:{self.normalizes}"

    def __call__(self, text: str) -> list[str]:
        """A hyphenated term counts whole and by its parts, so "IL-17" meets both "IL-17" and "IL 17"."""
        words: list[str] = []
        for term in _TOKEN.findall(normalize(text) if self.normalizes else text.lower()):
            parts = re.split(r"[-/]", term)
            words.extend(w for w in ([term, *parts] if len(parts) > 1 else parts) if w not in self._stopwords)
        return list(_stemmer().stemWords(words)) if self.stems else words
