"""The question's drug and disease names that no servable article mentions: what the passages cannot speak to.

A clinician who asks "what's the ixekizumab dose instead?" on an upadacitinib page gets either no passage or
passages about upadacitinib. Either way the page should say that no approved article names ixekizumab, rather
than leave the clinician to infer it. The names are those a public source says name a drug or a disease, and the
articles that mention each were found at build time, every article whatever its status (index/medical_names.py):
they are read against the articles servable at the time of the request, so an approval or a retraction by an
override changes the reason from the next request on. "Rinvoq" is never listed while an article says upadacitinib.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from index.medical_names import Mentions


def unmentioned(question: str, mentions: Mentions | None, any_servable: Callable[[Iterable[str]], bool]) -> list[str]:
    """The question's names that no article `any_servable` accepts mentions, as the question writes them, each once,
    in order; nothing for a generation built without the clinical vocabulary."""
    if mentions is None:
        return []
    found: dict[int, str] = {}
    for name, start, end in mentions.find(question):
        if not any_servable(mentions.mentioned_by(name)):
            found.setdefault(name, question[start:end])
    return list(found.values())
