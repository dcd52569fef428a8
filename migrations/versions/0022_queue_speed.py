"""work queues and dashboard counts from indexes: an agency's cases by due date, a user's
team cases by role

Revision ID: 0022_queue_speed
Revises: 0022_stat_rollups
Create Date: 2026-12-06 06:40:00

"""

from alembic import op


revision = "0022_queue_speed"
down_revision = "0022_stat_rollups"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_cases_agency_due", "cases", ["agency_id", "due_date"])
    # Leads with user_id, so it answers everything the index it replaces answered.
    op.create_index(
        "ix_case_members_user_role", "case_members", ["user_id", "team_role", "case_id"]
    )
    op.drop_index("ix_case_members_user", table_name="case_members")


def downgrade():
    op.create_index("ix_case_members_user", "case_members", ["user_id"])
    op.drop_index("ix_case_members_user_role", table_name="case_members")
    op.drop_index("ix_cases_agency_due", table_name="cases")
