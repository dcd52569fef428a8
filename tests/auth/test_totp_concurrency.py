"""One code sent by several requests at the same moment signs in once: the replay check
holds the user's TOTP row until commit.

The data must be committed to be seen across threads, so this test does not use the
rolled-back `db` fixture; its fixture commits a user and removes it afterwards.
"""

from __future__ import annotations

import threading

import pyotp
import pytest
from sqlalchemy import select, text

from app.auth import totp
from app.auth.models import Agency, Role, User
from app.extensions import db
from tests.cleanup import audit_guard_lifted
from tests.conftest import TEST_PASSWORD, password_hash

THREADS = 6


@pytest.fixture
def enrolled_user(app):
    with app.app_context():
        user = User(
            username="ah-totp-concurrency",
            display_name="并发验证码",
            agency=db.session.scalar(select(Agency).where(Agency.code == "AH")),
            password_hash=password_hash(),
        )
        user.set_roles([Role.officer])
        db.session.add(user)
        db.session.flush()
        secret = totp.start_enrolment(user).secret
        totp.confirm_enrolment(user, pyotp.TOTP(secret).now(), TEST_PASSWORD)
        db.session.commit()
        ids = (user.id, secret)
    yield ids
    with app.app_context():
        with audit_guard_lifted():  # test clean-up only (see tests/cleanup.py)
            for statement in (
                "DELETE FROM audit_entries WHERE actor_id = :u",
                "DELETE FROM totp_recovery_codes WHERE user_id = :u",
                "DELETE FROM user_totp WHERE user_id = :u",
                "DELETE FROM user_roles WHERE user_id = :u",
                "DELETE FROM users WHERE id = :u",
            ):
                db.session.execute(text(statement), {"u": ids[0]})
        db.session.commit()


def test_one_code_sent_at_once_by_several_requests_is_accepted_once(app, enrolled_user):
    user_id, secret = enrolled_user
    generator = pyotp.TOTP(secret)
    current = generator.generate_otp(generator.timecode(totp.utcnow()) + 1)  # after enrolment's
    barrier = threading.Barrier(THREADS)
    outcomes: list[totp.Outcome] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                db.session.commit()  # release SQLite's write lock before waiting
                barrier.wait(timeout=30)
                outcomes.append(totp.check_code(user, current))
                db.session.commit()
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(outcomes) == sorted(
        [totp.Outcome.accepted] + [totp.Outcome.replayed] * (THREADS - 1)
    )
