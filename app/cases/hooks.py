"""Named registration points the cases feature offers the features built on it, so that
cases never imports them. A guest registers in its `init_app`; registering twice is a no-op.

`after_transition(case, actor, step, from_state, reason)`: called by the workflow inside a
transition's transaction, after the case has its new state and the step's history row and
audit entry are written. `step` is the transition's name (`close_case`), `reason` the
reason the actor gave, if any. A listener changes only its own feature's rows, writes its
own history and audit, and flushes; the caller commits. A listener that raises a
`ServiceError` refuses the whole step (nothing is kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AfterTransition = Callable[..., Any]

_after_transition: list[AfterTransition] = []


def register_after_transition(listener: AfterTransition) -> None:
    if listener not in _after_transition:
        _after_transition.append(listener)


def after_transition(case, actor, step: str, from_state, reason: str | None) -> None:
    for listener in list(_after_transition):
        listener(case, actor, step, from_state, reason)
