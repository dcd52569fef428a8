"""a screening flag stays on the record when it is dismissed, with who dismissed it and why

Revision ID: 0024_screen_decisions
Revises: 0024_case_registration_token
Create Date: 2026-12-06 14:20:00

Until now dismissing the screen's same-institution flag cleared it, with no reason. The
flag is kept now and the dismissal is recorded beside it. Flags dismissed before this are
restored from the audit log (the entry kept the institution, the actor and the time); they
have no reason, as none was asked for then.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_screen_decisions"
down_revision = "0024_case_registration_token"
branch_labels = None
depends_on = None

members = sa.table(
    "committee_review_members",
    sa.column("id", sa.Integer),
    sa.column("screened_conflict", sa.String),
    sa.column("screen_dismissed_by_id", sa.Integer),
    sa.column("screen_dismissed_at", sa.DateTime(timezone=True)),
)
audit = sa.table(
    "audit_entries",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("details", sa.JSON),
)


def upgrade():
    with op.batch_alter_table("committee_review_members") as batch:
        batch.add_column(sa.Column("screen_dismissed_by_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("screen_dismissed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("screen_dismissal_reason", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_committee_review_members_screen_dismissed_by_id_users",
            "users",
            ["screen_dismissed_by_id"],
            ["id"],
        )
    bind = op.get_bind()
    dismissed = bind.execute(
        sa.select(audit.c.at, audit.c.actor_id, audit.c.object_id, audit.c.details)
        .where(
            audit.c.action == "committee.dismiss_screen",
            audit.c.object_type == "ReviewMember",
        )
        .order_by(audit.c.id)
    ).all()
    for at, actor_id, object_id, details in dismissed:
        if not (object_id or "").isdigit():
            continue
        institution = (details or {}).get("institution") if isinstance(details, dict) else None
        bind.execute(
            members.update()
            .where(members.c.id == int(object_id))
            .values(
                screened_conflict=sa.func.coalesce(members.c.screened_conflict, institution),
                screen_dismissed_by_id=actor_id,
                screen_dismissed_at=at,
            )
        )


def downgrade():
    with op.batch_alter_table("committee_review_members") as batch:
        batch.drop_constraint(
            "fk_committee_review_members_screen_dismissed_by_id_users", type_="foreignkey"
        )
        batch.drop_column("screen_dismissal_reason")
        batch.drop_column("screen_dismissed_at")
        batch.drop_column("screen_dismissed_by_id")
