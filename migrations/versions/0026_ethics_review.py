"""ethics review: research units and their people, committee entrustments, the re-review
list, applications with versions, attachments and custody, notices, review members,
decision letters, appeals, follow-ups, expert re-reviews and the authority's ethics policy

Revision ID: 0026_ethics_review
Revises: 0027_cases_search_trigram
Create Date: 2026-12-06 21:04:49.431523

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_ethics_review"
down_revision = "0027_cases_search_trigram"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ethics_listed_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title_zh", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_ethics_listed_activities_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_listed_activities")),
        sa.UniqueConstraint("code", name=op.f("uq_ethics_listed_activities_code")),
    )
    op.create_table(
        "ethics_policies",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_ethics_policies_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_ethics_policies_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_ethics_policies")),
    )
    op.create_table(
        "ethics_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "university",
                "institute",
                "hospital",
                "firm",
                "centre",
                name="unitkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("panel_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_ethics_units_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["committee_panels.id"],
            name=op.f("fk_ethics_units_panel_id_committee_panels"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_units")),
        sa.UniqueConstraint("agency_id", "name", name=op.f("uq_ethics_units_agency_id_name")),
        sa.UniqueConstraint("panel_id", name=op.f("uq_ethics_units_panel_id")),
    )
    with op.batch_alter_table("ethics_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ethics_units_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "ethics_entrustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("document_ref", sa.String(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "ended_at IS NULL OR end_reason IS NOT NULL",
            name=op.f("ck_ethics_entrustments_entrustment_end_has_reason"),
        ),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_ethics_entrustments_entrustment_dates_order")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_ethics_entrustments_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["committee_panels.id"],
            name=op.f("fk_ethics_entrustments_panel_id_committee_panels"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["ethics_units.id"],
            name=op.f("fk_ethics_entrustments_unit_id_ethics_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_entrustments")),
    )
    with op.batch_alter_table("ethics_entrustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ethics_entrustments_panel_id"), ["panel_id"], unique=False
        )
        batch_op.create_index("ix_ethics_entrustments_unit", ["unit_id", "starts_on"], unique=False)

    op.create_table(
        "ethics_unit_users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("applicant", "office", name="unitrole", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["ethics_units.id"], name=op.f("fk_ethics_unit_users_unit_id_ethics_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ethics_unit_users_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_ethics_unit_users")),
    )
    with op.batch_alter_table("ethics_unit_users", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_unit_users_unit", ["unit_id", "role"], unique=False)

    op.create_table(
        "ethics_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=True),
        sa.Column("entrustment_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "accepted",
                "preliminary",
                "decided",
                "withdrawn",
                name="appstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "procedure",
            sa.Enum(
                "general", "simplified", "emergency", name="procedure", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("multi_site", sa.Boolean(), nullable=False),
        sa.Column("lead_unit", sa.String(length=200), nullable=True),
        sa.Column("listed_id", sa.Integer(), nullable=True),
        sa.Column("versions_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_due", sa.Date(), nullable=True),
        sa.Column("emergency_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proposed_decision", sa.String(length=24), nullable=True),
        sa.Column("preliminary_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("tally", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("decision", sa.String(length=24), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("activity", sa.String(length=16), nullable=True),
        sa.Column("followup_months", sa.Integer(), nullable=True),
        sa.Column("followup_due", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "state <> 'accepted' OR (procedure IS NOT NULL AND accepted_at IS NOT NULL"
            " AND decision_due IS NOT NULL)",
            name=op.f("ck_ethics_applications_accepted_has_procedure"),
        ),
        sa.CheckConstraint(
            "state <> 'decided' OR (decision IS NOT NULL AND decision_reasons IS NOT NULL"
            " AND decided_at IS NOT NULL)",
            name=op.f("ck_ethics_applications_decided_has_decision"),
        ),
        sa.CheckConstraint(
            "NOT multi_site OR lead_unit IS NOT NULL",
            name=op.f("ck_ethics_applications_multi_site_names_lead_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_ethics_applications_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["entrustment_id"],
            ["ethics_entrustments.id"],
            name=op.f("fk_ethics_applications_entrustment_id_ethics_entrustments"),
        ),
        sa.ForeignKeyConstraint(
            ["listed_id"],
            ["ethics_listed_activities.id"],
            name=op.f("fk_ethics_applications_listed_id_ethics_listed_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["committee_panels.id"],
            name=op.f("fk_ethics_applications_panel_id_committee_panels"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["ethics_units.id"],
            name=op.f("fk_ethics_applications_unit_id_ethics_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_applications")),
        sa.UniqueConstraint("reference", name=op.f("uq_ethics_applications_reference")),
    )
    with op.batch_alter_table("ethics_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ethics_applications_followup_due"), ["followup_due"], unique=False
        )
        batch_op.create_index("ix_ethics_applications_panel", ["panel_id", "state"], unique=False)
        batch_op.create_index("ix_ethics_applications_unit", ["unit_id", "id"], unique=False)

    op.create_table(
        "ethics_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "lodged", "upheld", "dismissed", name="appealstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("lodged_by_id", sa.Integer(), nullable=False),
        sa.Column("lodged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state = 'lodged' OR (answer IS NOT NULL AND answered_at IS NOT NULL)",
            name=op.f("ck_ethics_appeals_appeal_answered_has_answer"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_ethics_appeals_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_appeals_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["lodged_by_id"], ["users.id"], name=op.f("fk_ethics_appeals_lodged_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_appeals")),
    )
    with op.batch_alter_table("ethics_appeals", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_appeals_app", ["application_id", "id"], unique=False)

    op.create_table(
        "ethics_application_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_application_versions_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_ethics_application_versions_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_application_versions")),
        sa.UniqueConstraint(
            "application_id",
            "number",
            name=op.f("uq_ethics_application_versions_application_id_number"),
        ),
    )
    op.create_table(
        "ethics_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_ethics_attachments_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_attachments_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["blob_sha256"],
            ["evidence_blobs.sha256"],
            name=op.f("fk_ethics_attachments_blob_sha256_evidence_blobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_attachments")),
    )
    with op.batch_alter_table("ethics_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_attachments_app", ["application_id", "id"], unique=False)

    op.create_table(
        "ethics_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_followups_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_ethics_followups_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_followups")),
    )
    with op.batch_alter_table("ethics_followups", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_followups_app", ["application_id", "id"], unique=False)

    op.create_table(
        "ethics_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_letters_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["committee_panels.id"],
            name=op.f("fk_ethics_letters_panel_id_committee_panels"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_ethics_letters_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_letters")),
        sa.UniqueConstraint("application_id", name=op.f("uq_ethics_letters_application_id")),
        sa.UniqueConstraint("panel_id", "number", name=op.f("uq_ethics_letters_panel_id_number")),
        sa.UniqueConstraint("sha256", name=op.f("uq_ethics_letters_sha256")),
    )
    op.create_table(
        "ethics_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("accepted", "returned", name="noticekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "procedure",
            sa.Enum(
                "general", "simplified", "emergency", name="procedure", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind <> 'accepted' OR procedure IS NOT NULL",
            name=op.f("ck_ethics_notices_acceptance_names_procedure"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_notices_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_ethics_notices_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_notices")),
    )
    with op.batch_alter_table("ethics_notices", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_notices_app", ["application_id", "id"], unique=False)

    op.create_table(
        "ethics_rereviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "filed",
                "panel",
                "agreed",
                "disagreed",
                name="rereviewstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("filed_by_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("formed_by_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("tally", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_ethics_rereviews_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_rereviews_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_ethics_rereviews_filed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["formed_by_id"], ["users.id"], name=op.f("fk_ethics_rereviews_formed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_rereviews")),
        sa.UniqueConstraint("application_id", name=op.f("uq_ethics_rereviews_application_id")),
    )
    with op.batch_alter_table("ethics_rereviews", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_rereviews_agency", ["agency_id", "state"], unique=False)

    op.create_table(
        "ethics_review_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "chair",
                "vice_chair",
                "member",
                "consultant",
                name="seatrole",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "peer", "ethics", "legal", "outside", name="category", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conflict_note", sa.Text(), nullable=True),
        sa.Column("recused", sa.Boolean(), nullable=False),
        sa.Column("recusal_reason", sa.Text(), nullable=True),
        sa.Column(
            "attendance",
            sa.Enum(
                "present", "absent", "recused", name="attendance", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column(
            "choice",
            sa.Enum("endorse", "return", "abstain", name="choice", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "NOT recused OR recusal_reason IS NOT NULL",
            name=op.f("ck_ethics_review_members_ethics_recusal_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["ethics_applications.id"],
            name=op.f("fk_ethics_review_members_application_id_ethics_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"],
            ["committee_seats.id"],
            name=op.f("fk_ethics_review_members_seat_id_committee_seats"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_review_members")),
        sa.UniqueConstraint(
            "application_id",
            "seat_id",
            name=op.f("uq_ethics_review_members_application_id_seat_id"),
        ),
    )
    with op.batch_alter_table("ethics_review_members", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_review_members_seat", ["seat_id"], unique=False)

    op.create_table(
        "ethics_attachment_custody",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "added", "downloaded", "removed", name="custodyaction", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ethics_attachment_custody_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["ethics_attachments.id"],
            name=op.f("fk_ethics_attachment_custody_attachment_id_ethics_attachments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_attachment_custody")),
    )
    with op.batch_alter_table("ethics_attachment_custody", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_attachment_custody", ["attachment_id", "id"], unique=False)

    op.create_table(
        "ethics_rereview_experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rereview_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "peer", "ethics", "legal", "outside", name="category", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "invited",
                "active",
                "declined",
                "ended",
                name="seatstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recused", sa.Boolean(), nullable=False),
        sa.Column("conflict_note", sa.Text(), nullable=True),
        sa.Column("choice", sa.String(length=16), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["committee_experts.id"],
            name=op.f("fk_ethics_rereview_experts_expert_id_committee_experts"),
        ),
        sa.ForeignKeyConstraint(
            ["rereview_id"],
            ["ethics_rereviews.id"],
            name=op.f("fk_ethics_rereview_experts_rereview_id_ethics_rereviews"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_rereview_experts")),
        sa.UniqueConstraint(
            "rereview_id",
            "expert_id",
            name=op.f("uq_ethics_rereview_experts_rereview_id_expert_id"),
        ),
    )
    with op.batch_alter_table("ethics_rereview_experts", schema=None) as batch_op:
        batch_op.create_index("ix_ethics_rereview_experts_expert", ["expert_id"], unique=False)


def downgrade():

    with op.batch_alter_table("ethics_rereview_experts", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_rereview_experts_expert")

    op.drop_table("ethics_rereview_experts")
    with op.batch_alter_table("ethics_attachment_custody", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_attachment_custody")

    op.drop_table("ethics_attachment_custody")
    with op.batch_alter_table("ethics_review_members", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_review_members_seat")

    op.drop_table("ethics_review_members")
    with op.batch_alter_table("ethics_rereviews", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_rereviews_agency")

    op.drop_table("ethics_rereviews")
    with op.batch_alter_table("ethics_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_notices_app")

    op.drop_table("ethics_notices")
    op.drop_table("ethics_letters")
    with op.batch_alter_table("ethics_followups", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_followups_app")

    op.drop_table("ethics_followups")
    with op.batch_alter_table("ethics_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_attachments_app")

    op.drop_table("ethics_attachments")
    op.drop_table("ethics_application_versions")
    with op.batch_alter_table("ethics_appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_appeals_app")

    op.drop_table("ethics_appeals")
    with op.batch_alter_table("ethics_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_applications_unit")
        batch_op.drop_index("ix_ethics_applications_panel")
        batch_op.drop_index(batch_op.f("ix_ethics_applications_followup_due"))

    op.drop_table("ethics_applications")
    with op.batch_alter_table("ethics_unit_users", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_unit_users_unit")

    op.drop_table("ethics_unit_users")
    with op.batch_alter_table("ethics_entrustments", schema=None) as batch_op:
        batch_op.drop_index("ix_ethics_entrustments_unit")
        batch_op.drop_index(batch_op.f("ix_ethics_entrustments_panel_id"))

    op.drop_table("ethics_entrustments")
    with op.batch_alter_table("ethics_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ethics_units_agency_id"))

    op.drop_table("ethics_units")
    op.drop_table("ethics_policies")
    op.drop_table("ethics_listed_activities")
