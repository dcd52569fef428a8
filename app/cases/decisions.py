"""A case's decision record as the page and the dossier show it: the 处理决定 and every
复查 decision after it, each dated, with what each review changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.cases.models import Case, Decision, DecisionKind, ReviewOutcome, Sanction


@dataclass
class DecisionStep:
    kind: DecisionKind
    outcome: ReviewOutcome | None
    decided_on: object
    text: str | None
    reason: str | None = None
    decided_by: str | None = None
    requested_on: object = None
    # What this step imposed, and (for a review) what it revoked or replaced.
    imposed: list[Sanction] = field(default_factory=list)
    revoked: list[Sanction] = field(default_factory=list)
    # For a review that changed the text: the text in force before it.
    previous_text: str | None = None
    # A decision whose text a modifying review overwrote before decisions had rows.
    text_lost: bool = False

    @property
    def is_review(self) -> bool:
        return self.kind == DecisionKind.review

    @property
    def text_changed(self) -> bool:
        return self.is_review and self.text is not None


def decision_steps(case: Case) -> list[DecisionStep]:
    """Oldest first. A case decided before decisions had rows and not migrated (bulk seeds)
    shows its one decision from the case itself."""
    if not case.decisions:
        if case.decided_on is None:
            return []
        return [
            DecisionStep(
                DecisionKind.decision,
                None,
                case.decided_on,
                case.decision_text,
                imposed=list(case.sanctions),
            )
        ]
    steps = []
    in_force: str | None = None
    for d in case.decisions:
        step = _step(d)
        if step.text_changed:
            step.previous_text = in_force
        if d.text:
            in_force = d.text
        steps.append(step)
    return steps


def _step(d: Decision) -> DecisionStep:
    return DecisionStep(
        kind=d.kind,
        outcome=d.review_outcome,
        decided_on=d.decided_on,
        text=d.text,
        reason=d.reason,
        decided_by=d.decided_by.display_name if d.decided_by else None,
        requested_on=d.requested_on,
        imposed=list(d.sanctions),
        revoked=list(d.revoked),
        text_lost=d.kind == DecisionKind.decision and d.text is None,
    )
