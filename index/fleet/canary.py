"""Whether a canary holds: the new generation's answers to the probe set against those of the one it replaces.

It holds when no probe question failed, its p95 latency is within max(factor × old p95, old p95 + slack) (a
relative bound for slow indexes, an absolute one so a fast index's jitter of a few milliseconds is no failure),
and its hit@3 is no lower than the old one's minus a margin. A replica that served nothing yet has no baseline:
only errors count then.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from index.fleet.settings import FleetSettings


@dataclass(frozen=True)
class ProbeFigures:
    generation: str
    questions: int
    errors: int
    p95_ms: float
    hit_at_3: float
    first_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    holds: bool
    reason: str


def latency_bound_ms(old_p95_ms: float, settings: FleetSettings) -> float:
    return max(settings.probe_latency_factor * old_p95_ms, old_p95_ms + settings.probe_latency_slack_ms)


def judge(new: ProbeFigures, old: ProbeFigures | None, settings: FleetSettings) -> Verdict:
    if new.questions == 0:
        return Verdict(False, f"{new.generation}: no probe questions (an empty probe set, or no servable article)")
    if new.errors:
        failed = f"{new.errors} of {new.questions} probe questions failed"
        return Verdict(False, f"{new.generation}: {failed}: {new.first_error}")
    if old is None:
        return Verdict(True, f"{new.generation}: {new.questions} probe questions answered (nothing served before)")
    bound = latency_bound_ms(old.p95_ms, settings)
    if new.p95_ms > bound:
        return Verdict(
            False,
            f"{new.generation}: probe p95 {new.p95_ms:.0f} ms over the bound {bound:.0f} ms "
            f"({old.generation}: {old.p95_ms:.0f} ms)",
        )
    floor = old.hit_at_3 - settings.probe_hit_margin
    if new.hit_at_3 < floor:
        return Verdict(
            False,
            f"{new.generation}: probe hit@3 {new.hit_at_3:.3f} below {floor:.3f} "
            f"({old.generation}: {old.hit_at_3:.3f} − margin {settings.probe_hit_margin})",
        )
    return Verdict(
        True,
        f"{new.generation}: hit@3 {new.hit_at_3:.3f} (was {old.hit_at_3:.3f}), p95 {new.p95_ms:.0f} ms "
        f"(was {old.p95_ms:.0f} ms, bound {bound:.0f} ms), no errors in {new.questions} questions",
    )
