"""Merge the feature branches into one head, so plain `flask db upgrade` works.

Revision ID: 0007_merge
Revises: 0003_jobs_dossiers, 0004_records_exchange, 0005_api, 0006_notes
"""

revision = "0007_merge"
down_revision = ("0003_jobs_dossiers", "0004_records_exchange", "0005_api", "0006_notes")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
