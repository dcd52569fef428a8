"""`flask rotate-keys`: every encrypted identity stays readable under the new key alone."""

from __future__ import annotations

from sqlalchemy import select, text

from app.cases.models import Complainant, Party
from app.cases.services import ComplainantInput
from app.core.secrets import new_field_key


def key_ids(db) -> set[str]:
    ids = set()
    for query in (
        "SELECT name, contact, id_number FROM complainants",
        "SELECT id_number FROM parties",
    ):
        for row in db.session.execute(text(query)):
            ids |= {value.partition(":")[0] for value in row if value}
    return ids


def test_rotation_reencrypts_everything_and_old_key_can_go(app, db, make_case):
    cases = [
        make_case(
            complainant=ComplainantInput(
                anonymous=False,
                name=f"举报人{i}",
                contact=f"1390000{i:04d}",
                id_type="passport",
                id_number=f"E1234567{i}",
            )
        )
        for i in range(5)
    ]
    db.session.commit()
    old_keys = app.config["FIELD_ENCRYPTION_KEYS"]
    assert key_ids(db) == {"t1"}
    runner = app.test_cli_runner()
    try:
        app.config["FIELD_ENCRYPTION_KEYS"] = f"{new_field_key('t2')},{old_keys}"
        result = runner.invoke(args=["rotate-keys", "--batch", "2"])
        assert result.exit_code == 0, result.output
        assert "complainants.name" in result.output and "parties.id_number" in result.output
        assert key_ids(db) == {"t2"}
        check = runner.invoke(args=["rotate-keys", "--check"])
        assert "t1=" not in check.output and "t2=" in check.output
        app.config["FIELD_ENCRYPTION_KEYS"] = app.config["FIELD_ENCRYPTION_KEYS"].split(",")[0]
        db.session.expire_all()
        for i, case in enumerate(cases):
            complainant = db.session.scalar(
                select(Complainant).where(Complainant.case_id == case.id)
            )
            assert (complainant.name, complainant.contact, complainant.id_number) == (
                f"举报人{i}",
                f"1390000{i:04d}",
                f"E1234567{i}",
            )
            party = db.session.scalar(select(Party).where(Party.case_id == case.id))
            assert party.id_number == "31010119800101123X"
    finally:
        app.config["FIELD_ENCRYPTION_KEYS"] = old_keys
