"""evidence titles and custody notes the platform wrote become codes and values

A task report's attachment was titled "Task report: …" (or "任务报告：…") in the language
of whoever reported; it keeps the task's title as its value and a code, worded for each
reader. A custody entry of a dossier export noted "dossier <id>"; it keeps the id as a
parameter. Text a person typed (a title, a withdrawal's reason) stays as it is.

Revision ID: 0025_evidence_text_codes
Revises: 0025_unread_notifications
Create Date: 2026-12-06 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025_evidence_text_codes"
down_revision = "0025_unread_notifications"
branch_labels = None
depends_on = None

TASK_REPORT = "task_report"
TASK_REPORT_PREFIXES = ("Task report: ", "任务报告：")
DOSSIER_NOTE = "dossier "

items = sa.table(
    "evidence_items",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("title_code", sa.String),
)
reports = sa.table("joint_task_reports", sa.column("evidence_item_id", sa.Integer))
custody = sa.table(
    "evidence_custody",
    sa.column("id", sa.BigInteger),
    sa.column("action", sa.String),
    sa.column("note", sa.Text),
    sa.column("params", sa.JSON),
)


def upgrade():
    with op.batch_alter_table("evidence_items") as batch:
        batch.add_column(sa.Column("title_code", sa.String(length=40), nullable=True))
    with op.batch_alter_table("evidence_custody") as batch:
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))
    bind = op.get_bind()
    attached = sa.select(reports.c.evidence_item_id).where(
        reports.c.evidence_item_id.is_not(None)
    )
    for item_id, title in bind.execute(
        sa.select(items.c.id, items.c.title).where(items.c.id.in_(attached))
    ):
        for prefix in TASK_REPORT_PREFIXES:
            if title.startswith(prefix):
                bind.execute(
                    items.update()
                    .where(items.c.id == item_id)
                    .values(title=title[len(prefix) :], title_code=TASK_REPORT)
                )
                break
    for event_id, note in bind.execute(
        sa.select(custody.c.id, custody.c.note).where(
            custody.c.action == "exported", custody.c.note.like(DOSSIER_NOTE + "%")
        )
    ):
        document = note[len(DOSSIER_NOTE) :].strip()
        if document and " " not in document:
            bind.execute(
                custody.update()
                .where(custody.c.id == event_id)
                .values(note=None, params={"dossier": document})
            )


def downgrade():
    bind = op.get_bind()
    for item_id, title in bind.execute(
        sa.select(items.c.id, items.c.title).where(items.c.title_code == TASK_REPORT)
    ):
        bind.execute(
            items.update()
            .where(items.c.id == item_id)
            .values(title=(TASK_REPORT_PREFIXES[0] + title)[:300])
        )
    for event_id, params in bind.execute(
        sa.select(custody.c.id, custody.c.params).where(custody.c.params.is_not(None))
    ):
        if params and params.get("dossier"):
            bind.execute(
                custody.update()
                .where(custody.c.id == event_id)
                .values(note=DOSSIER_NOTE + params["dossier"])
            )
    with op.batch_alter_table("evidence_custody") as batch:
        batch.drop_column("params")
    with op.batch_alter_table("evidence_items") as batch:
        batch.drop_column("title_code")
