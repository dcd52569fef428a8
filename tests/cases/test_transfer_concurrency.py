"""A concurrent accept and withdraw of one transfer: exactly one wins, and the case is
owned by exactly one agency afterwards, never both or neither.

The data must be committed to be seen across threads, so this test does not use the
rolled-back `db` fixture; its fixture commits the cases and removes them afterwards.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from app.auth.models import Role, User
from app.cases.models import Case, CaseSource, CaseState, CaseTransfer, MisconductType
from app.cases.models import TransferState as T
from app.cases.services import (
    AllegationInput,
    CaseInput,
    ComplainantInput,
    RespondentInput,
    register_case,
)
from app.cases.transfers import accept_transfer, transfer_case, withdraw_transfer
from app.cases.workflow import perform
from app.core.errors import ServiceError
from app.extensions import db
from tests.cleanup import committed_user, remove_committed

ROUNDS = 4


def _user(code: str, name: str, role: Role) -> User:
    return committed_user(code, f"{code.lower()}-race-{name}", f"并发{name}", role)


@pytest.fixture
def races(app):
    with app.app_context():
        officer = _user("AH", "officer", Role.officer)
        sender = _user("AH", "supervisor", Role.supervisor)
        receiver = _user("ZJ", "supervisor", Role.supervisor)
        transfers = []
        for n in range(ROUNDS):
            case = register_case(
                CaseInput(
                    title=f"并发移送测试{n}",
                    source=CaseSource.letter,
                    received_date=dt.date(2026, 3, 2),
                    respondents=[RespondentInput(name="测试")],
                    allegations=[AllegationInput(MisconductType.other, "测试")],
                    complainant=ComplainantInput(anonymous=False, name="举报人"),
                ),
                officer,
            )
            perform(case, officer, "start_preliminary_review", expected_version=None)
            transfers.append(
                transfer_case(
                    case,
                    sender,
                    target_agency="ZJ",
                    reason="移送",
                    identity_travels=False,
                    expected_version=None,
                ).id
            )
        db.session.commit()
        ids = {"transfers": transfers, "users": [officer.id, sender.id, receiver.id]}
        ids["cases"] = [db.session.get(CaseTransfer, t).case_id for t in transfers]
        ids.update(sender=sender.id, receiver=receiver.id)
    yield ids
    with app.app_context():
        _remove(ids)


def _remove(ids: dict) -> None:
    remove_committed(ids["cases"], ids["users"])


def _race(app, transfer_id: int, ids: dict) -> dict[str, object]:
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def worker(name: str) -> None:
        try:
            with app.app_context():
                transfer = db.session.get(CaseTransfer, transfer_id)
                actor = db.session.get(User, ids["receiver" if name == "accept" else "sender"])
                actor.roles  # noqa: B018  (loaded before the race, not inside it)
                db.session.commit()  # release SQLite's write lock before waiting
                barrier.wait(timeout=30)
                if name == "accept":
                    accept_transfer(transfer, actor)
                else:
                    withdraw_transfer(transfer, actor)
                db.session.commit()
                outcome[name] = "won"
        except ServiceError as exc:
            outcome[name] = exc.code
        except BaseException as exc:  # reported below, in the test's own thread
            outcome[name] = exc

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("accept", "withdraw")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome


def test_a_concurrent_accept_and_withdraw_has_exactly_one_winner(app, races):
    winners = []
    for transfer_id, case_id in zip(races["transfers"], races["cases"], strict=True):
        outcome = _race(app, transfer_id, races)
        assert sorted(map(str, outcome.values())) == ["transfer_answered", "won"], outcome
        winner = next(name for name, result in outcome.items() if result == "won")
        winners.append(winner)
        with app.app_context():
            transfer = db.session.get(CaseTransfer, transfer_id)
            case = db.session.get(Case, case_id)
            if winner == "accept":
                assert transfer.state == T.accepted
                assert case.agency.code == "ZJ" and case.reference.startswith("ZJ-")
                assert case.state == CaseState.received and case.complainant is None
                assert transfer.receiver_reference == case.reference
            else:
                assert transfer.state == T.withdrawn and transfer.receiver_reference is None
                assert case.agency.code == "AH" and case.reference.startswith("AH-")
                assert case.state == CaseState.preliminary_review
                assert case.complainant is not None
            actions = [h.action for h in case.history]
            assert actions.count("accept_transfer") + actions.count("withdraw_transfer") == 1
    assert winners  # which side wins each race is up to the scheduler; one always does
