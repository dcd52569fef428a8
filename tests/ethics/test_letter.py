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
    ok = client.post("/ethics/verify", data={"file": (pdf.open("rb"), "l.pdf")})
    assert 'data-testid="verified"' in ok.get_data(as_text=True)
    altered = client.post(
        "/ethics/verify", data={"file": (__import__("io").BytesIO(response.data + b"\n"), "x.pdf")}
    )
    assert 'data-testid="not-verified"' in altered.get_data(as_text=True)
    from app.core.pdfsign import verify_signed_pdf

    assert verify_signed_pdf(response.data).ok  # signed with the node's key
    assert not verify_signed_pdf(response.data[:-200] + b"0" * 200).ok
    sign_in(client, world.supervisor)  # a summary reader gets no letter
    assert client.get(f"/ethics/{application.reference}/letter").status_code == 403
