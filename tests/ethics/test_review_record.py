"""The review record (审查记录): rendered in the background, signed and verifiable, read back
with pdftotext; it names the members present, the declarations and recusals and the votes as
counted, never who voted what; the committee office and the authority read it, nobody else."""

from __future__ import annotations

import subprocess

from app.core import pdfsign
from app.ethics import reviewing
from app.ethics.review_record import SIGNED_KIND, records_of
from tests.ethics.conftest import accepted
from tests.ui_helpers import sign_in


def _decided(world):
    application = accepted(world)
    reviewing.propose(world.office, application, "approve_modified")
    present = []
    for n, user in enumerate(world.members[:6]):
        reviewing.declare(user, application, n == 5, "合作者" if n == 5 else None)
        if n < 5:
            reviewing.vote(user, application, "endorse" if n < 4 else "return", "委员个人表态甲乙")
            present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(
        world.office, application, "修改后批准", minutes="会议讨论了知情同意书。"
    )
    return application


def test_the_record_reads_back_signed_and_verifiable(db, client, world, tmp_path):
    application = _decided(world)
    db.session.commit()
    ref = application.reference
    sign_in(client, world.office)
    page = client.get(f"/ethics/{ref}")
    assert 'data-testid="record-page"' in page.get_data(as_text=True)
    assert client.post(f"/ethics/{ref}/review-record").status_code == 302
    [row] = records_of(application)
    assert row.sha256 and row.pages >= 1
    listing = client.get(f"/ethics/{ref}/review-record").get_data(as_text=True)
    assert f"ETHREC-{row.id:06d}" in listing
    response = client.get(f"/ethics/{ref}/review-record/{row.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "伦理审查记录" in text and ref in text
    assert "到会委员 5 人，同意 4 人，反对 1 人" in text  # counted, not who voted what
    assert "回避：合作者" in text and "会议讨论了知情同意书" in text
    assert "出席" in text and "present" not in text
    assert "修改后批准" in text and "伦审〔" in text  # the decision and its letter's number
    names = [reviewing.member_of(application, u).seat.expert.name for u in world.members[:5]]
    assert all(name in text for name in names)
    assert "委员个人表态甲乙" not in text  # no member's opinion is printed
    signature = pdfsign.verify_signed_pdf(response.data)
    assert signature.ok
    found = pdfsign.find_signed(sha256=signature.sha256)
    assert found.kind == SIGNED_KIND and found.code == f"ETHREC-{row.id:06d}"
    assert not pdfsign.verify_signed_pdf(response.data[:-200] + b"0" * 200).ok


def test_who_reads_the_record(db, client, world):
    application = _decided(world)
    db.session.commit()
    ref = application.reference
    sign_in(client, world.supervisor)  # the authority: summary of the application, the record
    assert client.get(f"/ethics/{ref}/review-record").status_code == 200
    assert client.post(f"/ethics/{ref}/review-record").status_code == 302
    row = records_of(application)[0]
    assert client.get(f"/ethics/{ref}/review-record/{row.id}.pdf").status_code == 200
    for user, status in (
        (world.applicant, 403),
        (world.members[0], 403),
        (world.other_applicant, 404),
        (world.other_province, 404),
    ):
        sign_in(client, user)
        assert client.get(f"/ethics/{ref}/review-record").status_code == status
        assert client.post(f"/ethics/{ref}/review-record").status_code == status
        assert client.get(f"/ethics/{ref}/review-record/{row.id}.pdf").status_code == status
    assert len(records_of(application)) == 1
