"""Where other features plug into cases: the one documented list of the hub's registration
points. Guests register from their `init_app`; every point is idempotent. Cases imports
none of its guests: it calls what they registered.

- `visibility.register(builder)`: `builder(user)` returns a SQL clause of further cases the
  user may see (a joint investigation's participants, a panel's members), or None.
- `contributors.register(check)`: `check(user, case)` lets someone outside the owning
  agency add material to a case; what they add is always shared.
- `shared_events.register(check)`: `check(history_entry, reader)` says whether a feature's
  timeline event is shown at the shared level (reader None: a shared dossier with no one
  in mind); state changes always are (`app.cases.permissions.is_shared_step`).
- `assignment_checks.register(check)`: `check(case, user, team_role)` raises a
  ServiceError to refuse a team assignment (conflict declarations come first).
- `transfer_checks.register(check)`: `check(case)` raises a ServiceError to refuse
  offering or accepting a transfer (a joint investigation in progress).
- `bind_step(name, body)`: the body of a workflow step another feature owns; the step
  stays in the transition table (`app.cases.workflow`), its guards and history with it
  (committees open the review when a case is referred).
- `case_changed.register(listener)`: `listener(case)` runs in the same transaction after
  a case is registered, moves to another state, changes hands or gets a new deadline (an
  extension; statistics keeps its per-case summary and its running counts), so what it
  writes commits or rolls back with the change.
- `material_counts[key] = count`: `count(case)` is how much material of a kind (evidence,
  notes) the case holds, kept in the snapshot a transfer's sender keeps.
- `related_matters.register(finder)`: `finder(user, hashes)` returns what a feature knows
  of respondents being registered (`hashes`: matching hash -> name as typed), as
  `app.cases.hints.RelatedMatter`s, linked only where the user may see them.
- `after_transition.register(listener)`: `listener(case, actor, step, from_state, reason)`
  runs inside a workflow step's transaction, after the case has its new state and the
  step's history and audit are written (joint investigations end with the case). A
  listener changes only its own feature's rows; one that raises a ServiceError refuses the
  whole step.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.extension_points import Hook

visibility = Hook("cases.visibility")
contributors = Hook("cases.contributors")
shared_events = Hook("cases.shared_events")
assignment_checks = Hook("cases.assignment_checks")
transfer_checks = Hook("cases.transfer_checks")
case_changed = Hook("cases.case_changed")
after_transition = Hook("cases.after_transition")
related_matters = Hook("cases.related_matters")

material_counts: dict[str, Callable] = {}
_step_bodies: dict[str, Callable] = {}


def bind_step(name: str, body: Callable) -> None:
    """Binds (or re-binds) the body of step `name`; `perform` calls it as the step's own."""
    _step_bodies[name] = body


def step_body(name: str) -> Callable | None:
    return _step_bodies.get(name)
