"""The decision letter: numbered by the committee, rendered in the background through the
dossiers' PDF machinery, read back with pdftotext, verified by its bytes."""

from __future__ import annotations

import subprocess

from app.ethics import reviewing
from app.ethics.letters import letter_of
from tests.ethics.conftest import accepted
from tests.ui_helpers import sign_in


def test_decision_letter_reads_back_and_verifies(db, client, world, tmp_path):
    application = accepted(world)
    reviewing.propose(world.office, application, "approve_modified")
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "修改知情同意书后批准")
    db.session.commit()
    letter = letter_of(application)
    assert letter.number.startswith("伦审〔") and letter.sha256
    sign_in(client, world.applicant)
    response = client.get(f"/ethics/{application.reference}/letter")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "伦理审查决定书" in text and "修改后批准" in text and letter.number in text
    # Verified on the platform's one verify page (the old /ethics/verify sends there).
    ok = client.post("/verify", data={"file": (pdf.open("rb"), "l.pdf")})
    assert 'class="alert alert-success" data-testid="verify-result"' in ok.get_data(as_text=True)
    altered = client.post(
        "/verify", data={"file": (__import__("io").BytesIO(response.data + b"\n"), "x.pdf")}
    )
    assert 'class="alert alert-danger" data-testid="verify-result"' in altered.get_data(
        as_text=True
    )
    from app.core.pdfsign import verify_signed_pdf

    assert verify_signed_pdf(response.data).ok  # signed with the node's key
    assert not verify_signed_pdf(response.data[:-200] + b"0" * 200).ok
    sign_in(client, world.supervisor)  # a summary reader gets no letter
    assert client.get(f"/ethics/{application.reference}/letter").status_code == 403


def test_letters_verify_on_the_one_verify_page_and_its_api(db, client, world):
    import base64
    import io

    from app.auth.services import create_token
    from app.ethics.letters import letter_path, signed_code

    application = accepted(world)
    reviewing.propose(world.office, application, "approve")
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "同意")
    token = create_token(world.applicant)
    db.session.commit()
    letter = letter_of(application)
    data = letter_path(letter).read_bytes()
    sign_in(client, world.applicant)
    old = client.get("/ethics/verify")
    assert old.status_code == 301 and old.headers["Location"].endswith("/verify")
    posted = client.post("/ethics/verify", data={"file": (io.BytesIO(data), "l.pdf")})
    assert posted.status_code == 308 and posted.headers["Location"].endswith("/verify")
    page = client.post("/verify", data={"file": (io.BytesIO(data), "l.pdf")}).get_data(as_text=True)
    assert signed_code(letter) in page and "alert-success" in page
    by_code = client.post("/verify", data={"code": signed_code(letter)}).get_data(as_text=True)
    assert "alert-success" in by_code
    api = client.post(
        "/api/v1/signed-documents/verify",
        json={"pdf_base64": base64.b64encode(data).decode()},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 200, api.get_data(as_text=True)
    body = api.get_json()
    assert body["valid"] and body["code"] == signed_code(letter) and body["kind"] == "ethics_letter"


def test_the_letter_s_code_is_its_region_wide_approval_number_and_old_codes_verify(
    db, client, world
):
    """The verify page takes the number as printed (any case, spaces); a letter signed
    before region-wide numbers stays registered under its old code and verifies by either."""
    from sqlalchemy import select

    from app.auth.services import create_token
    from app.core.models import SignedDocument
    from app.core.node import node_id
    from app.core.times import to_cst
    from app.ethics.approval_numbers import legacy_code
    from app.ethics.letters import signed_code
    from tests.ethics.site_world import approve

    application = approve(world, accepted(world))
    letter = letter_of(application)
    year = to_cst(application.decided_at).year
    number = f"ETH-{year}-{node_id().upper()}-{letter.id:06d}"
    assert letter.code == signed_code(letter) == number
    token = create_token(world.applicant)
    db.session.commit()
    sign_in(client, world.applicant)
    typed = " " + number.lower().replace("-", " - ", 1)
    page = client.post("/verify", data={"code": typed}).get_data(as_text=True)
    assert "alert-success" in page and number in page
    # As if signed before: registered under the old code, which the letter in hand carries.
    row = db.session.scalar(select(SignedDocument).where(SignedDocument.code == number))
    row.code = legacy_code(letter.id)
    db.session.commit()
    for code in (legacy_code(letter.id), number):
        page = client.post("/verify", data={"code": code}).get_data(as_text=True)
        assert "alert-success" in page and legacy_code(letter.id) in page, code
        api = client.post(
            "/api/v1/signed-documents/verify",
            json={"code": code},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert api.get_json()["code"] == legacy_code(letter.id) and api.get_json()["valid"]
    # Another node's number, or a number no letter has, verifies nothing here.
    for code in ("ETH-2026-NODE-ELSEWHERE-000001", f"ETH-{year}-{node_id().upper()}-999999"):
        page = client.post("/verify", data={"code": code}).get_data(as_text=True)
        assert "alert-success" not in page, code
