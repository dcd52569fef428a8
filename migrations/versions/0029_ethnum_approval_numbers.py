"""ethics approval numbers unique across the region

Revision ID: 0029_ethnum_approval_numbers
Revises: 0028_ethics_entrustment_scope
Create Date: 2026-12-07 02:40:00

A decision letter's verification code, which is its approval's number, becomes
`ETH-{year}-{NODE}-{letter id:06d}` (the year of the decision in China Standard Time, this
node's id in capitals) instead of the node-local `ETH-{letter id:06d}`; existing letters
get theirs here (the node key is created if the node has none yet, as signing a letter
would). Letters already signed stay registered for verification under their old code.

Other nodes' approvals kept for the look-up get the number their node assigns them, derived
the same way from the announcing node, the decided_on year and the old number's serial, so
the next announcement of the approval (with its new number) updates the same row. The
number is unique among them, and `serial` keeps the letter id an old-style number names.

Signed documents' codes may be 64 characters long (the exchange's limit for a record id).
Downgrade: old codes and numbers again, from the letter ids and serials.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0029_ethnum_approval_numbers"
down_revision = "0028_ethics_entrustment_scope"
branch_labels = None
depends_on = None

CST = dt.timezone(dt.timedelta(hours=8))

letters = sa.table(
    "ethics_letters",
    sa.column("id", sa.Integer),
    sa.column("application_id", sa.Integer),
    sa.column("requested_at", sa.DateTime(timezone=True)),
    sa.column("code", sa.String),
)
applications = sa.table(
    "ethics_applications",
    sa.column("id", sa.Integer),
    sa.column("decided_at", sa.DateTime(timezone=True)),
)
known = sa.table(
    "ethics_known_approvals",
    sa.column("id", sa.Integer),
    sa.column("origin_node", sa.String),
    sa.column("number", sa.String),
    sa.column("serial", sa.Integer),
    sa.column("decided_on", sa.Date),
)


def _year(at: dt.datetime) -> int:
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
    return at.astimezone(CST).year


def _number(node_id: str, year: int, serial: int) -> str:
    node = node_id.upper()
    if len(node) > 40:
        raise RuntimeError(
            f"node id {node_id!r} is longer than the 40 characters an approval number holds"
        )
    return f"ETH-{year}-{node}-{serial:06d}"


def _this_node() -> str:
    from app.core import node

    return node.node_id() if node.is_initialised() else node.init_node()[0]


def upgrade():
    with op.batch_alter_table("signed_documents", schema=None) as batch_op:
        batch_op.alter_column(
            "code", existing_type=sa.String(length=40), type_=sa.String(length=64)
        )
    with op.batch_alter_table("ethics_letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_ethics_letters_code"), ["code"])

    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            letters.c.id,
            letters.c.application_id,
            letters.c.requested_at,
            applications.c.decided_at,
        )
        .select_from(letters.join(applications, applications.c.id == letters.c.application_id))
        .order_by(letters.c.id)
    ).all()
    latest = {row.application_id: row.id for row in rows}
    node_id = _this_node() if rows else ""
    for row in rows:
        decided = row.decided_at if latest[row.application_id] == row.id else None
        year = _year(decided or row.requested_at)
        conn.execute(
            letters.update()
            .where(letters.c.id == row.id)
            .values(code=_number(node_id, year, row.id))
        )

    with op.batch_alter_table("ethics_known_approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_known_approvals_number")
        batch_op.drop_constraint("uq_ethics_known_approvals_origin_node_number", type_="unique")
        batch_op.alter_column(
            "number", existing_type=sa.String(length=20), type_=sa.String(length=64)
        )
        batch_op.add_column(sa.Column("serial", sa.Integer(), nullable=True))
    for row in conn.execute(
        sa.select(known.c.id, known.c.origin_node, known.c.number, known.c.decided_on)
    ).all():
        serial = int(row.number.removeprefix("ETH-"))
        conn.execute(
            known.update()
            .where(known.c.id == row.id)
            .values(number=_number(row.origin_node, row.decided_on.year, serial), serial=serial)
        )
    with op.batch_alter_table("ethics_known_approvals", schema=None) as batch_op:
        batch_op.alter_column("serial", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_ethics_known_approvals_number"), ["number"]
        )
        batch_op.create_index(
            batch_op.f("ix_ethics_known_approvals_serial"), ["serial"], unique=False
        )


def downgrade():
    conn = op.get_bind()
    longest = conn.execute(sa.text("SELECT max(length(code)) FROM signed_documents")).scalar()
    if longest is not None and longest > 40:
        raise RuntimeError(
            "signed_documents holds codes longer than 40 characters (approval numbers of "
            "letters signed since): the older schema cannot keep them"
        )
    with op.batch_alter_table("ethics_known_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ethics_known_approvals_serial"))
        batch_op.drop_constraint(batch_op.f("uq_ethics_known_approvals_number"), type_="unique")
    for row in conn.execute(sa.select(known.c.id, known.c.serial)).all():
        conn.execute(
            known.update().where(known.c.id == row.id).values(number=f"ETH-{row.serial:06d}")
        )
    with op.batch_alter_table("ethics_known_approvals", schema=None) as batch_op:
        batch_op.drop_column("serial")
        batch_op.alter_column(
            "number", existing_type=sa.String(length=64), type_=sa.String(length=20)
        )
        batch_op.create_unique_constraint(
            "uq_ethics_known_approvals_origin_node_number", ["origin_node", "number"]
        )
        batch_op.create_index("ix_ethics_known_approvals_number", ["number"], unique=False)

    with op.batch_alter_table("ethics_letters", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_ethics_letters_code"), type_="unique")
        batch_op.drop_column("code")
    with op.batch_alter_table("signed_documents", schema=None) as batch_op:
        batch_op.alter_column(
            "code", existing_type=sa.String(length=64), type_=sa.String(length=40)
        )
