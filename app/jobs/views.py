from flask import abort, jsonify
from flask_login import current_user, login_required

from app.auth.models import Role
from app.extensions import db
from app.jobs import bp
from app.jobs.models import Job


@bp.get("/<job_id>.json")
@login_required
def status(job_id: str):
    """Polled by the page that started the job; only its owner (or a sysadmin) sees it."""
    job = db.session.get(Job, job_id)
    if job is None or (job.user_id != current_user.id and not current_user.has_role(Role.sysadmin)):
        abort(404)
    return jsonify(job.as_json())
