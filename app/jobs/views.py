from flask import abort, jsonify
from flask_login import current_user, login_required

from app.extensions import db
from app.jobs import bp
from app.jobs.models import Job


@bp.get("/<job_id>.json")
@login_required
def status(job_id: str):
    """Polled by the page that started the job. Only its requester sees it: the status names
    a case and a document, which a system administrator has no business reading."""
    job = db.session.get(Job, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return jsonify(job.as_json())
