"""Committees: the regional expert pool, panels with their rules, seats, reviews and each
member's declaration, recusal, attendance and vote.

Revision ID: 0015_committees
Revises: 0012_domain
Create Date: 2026-12-01 20:54:12.299817
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_committees'
down_revision = "0012_domain"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('committee_panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ethics', 'academic', name='panelkind', native_enum=False, length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('min_members', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('threshold_num', sa.Integer(), nullable=False),
    sa.Column('threshold_den', sa.Integer(), nullable=False),
    sa.Column('inclusive', sa.Boolean(), nullable=False),
    sa.Column('abstentions_count_as_present', sa.Boolean(), nullable=False),
    sa.Column('quorum_covers_categories', sa.Boolean(), nullable=False),
    sa.Column('both_genders', sa.Boolean(), nullable=False),
    sa.Column('max_term_years', sa.Integer(), nullable=False),
    sa.CheckConstraint('quorum >= 1 AND quorum <= min_members', name=op.f('ck_committee_panels_panel_quorum_sense')),
    sa.CheckConstraint('threshold_num >= 1 AND threshold_num <= threshold_den', name=op.f('ck_committee_panels_panel_threshold_sense')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_committee_panels_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_panels'))
    )
    with op.batch_alter_table('committee_panels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_panels_agency_id'), ['agency_id'], unique=False)

    op.create_table('committee_experts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('fields', sa.String(length=300), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('gender', sa.Enum('female', 'male', name='gender', native_enum=False, length=8), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_committee_experts_agency_id_agencies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_committee_experts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_experts')),
    sa.UniqueConstraint('user_id', name=op.f('uq_committee_experts_user_id'))
    )
    with op.batch_alter_table('committee_experts', schema=None) as batch_op:
        batch_op.create_index('ix_committee_experts_agency', ['agency_id', 'name'], unique=False)

    op.create_table('committee_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('questions', sa.Text(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='reviewstatus', native_enum=False, length=16), nullable=False),
    sa.Column('outcome', sa.Enum('endorse', 'return', name='outcome', native_enum=False, length=16), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('tally', sa.JSON(), nullable=True),
    sa.Column('referred_by_id', sa.Integer(), nullable=False),
    sa.Column('referred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'closed' OR (outcome IS NOT NULL AND closed_at IS NOT NULL)", name=op.f('ck_committee_reviews_review_closed_has_outcome')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_committee_reviews_case_id_cases')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_committee_reviews_closed_by_id_users')),
    sa.ForeignKeyConstraint(['panel_id'], ['committee_panels.id'], name=op.f('fk_committee_reviews_panel_id_committee_panels')),
    sa.ForeignKeyConstraint(['referred_by_id'], ['users.id'], name=op.f('fk_committee_reviews_referred_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_reviews'))
    )
    with op.batch_alter_table('committee_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_committee_reviews_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_committee_reviews_panel', ['panel_id', 'status'], unique=False)

    op.create_table('committee_seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('chair', 'vice_chair', 'member', 'consultant', name='seatrole', native_enum=False, length=16), nullable=False),
    sa.Column('category', sa.Enum('peer', 'ethics', 'legal', 'outside', name='category', native_enum=False, length=16), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('invited', 'active', 'declined', 'ended', name='seatstatus', native_enum=False, length=16), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('term_end >= term_start', name=op.f('ck_committee_seats_seat_term_order')),
    sa.ForeignKeyConstraint(['expert_id'], ['committee_experts.id'], name=op.f('fk_committee_seats_expert_id_committee_experts')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_committee_seats_invited_by_id_users')),
    sa.ForeignKeyConstraint(['panel_id'], ['committee_panels.id'], name=op.f('fk_committee_seats_panel_id_committee_panels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_seats')),
    sa.UniqueConstraint('panel_id', 'expert_id', name=op.f('uq_committee_seats_panel_id_expert_id'))
    )
    with op.batch_alter_table('committee_seats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_seats_expert_id'), ['expert_id'], unique=False)

    op.create_table('committee_review_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('chair', 'vice_chair', 'member', 'consultant', name='seatrole', native_enum=False, length=16), nullable=False),
    sa.Column('category', sa.Enum('peer', 'ethics', 'legal', 'outside', name='category', native_enum=False, length=16), nullable=False),
    sa.Column('screened_conflict', sa.String(length=300), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('conflict', sa.Enum('relative', 'coauthor', 'supervisor_student', 'same_institution', 'other', name='conflictkind', native_enum=False, length=24), nullable=True),
    sa.Column('conflict_note', sa.Text(), nullable=True),
    sa.Column('recused', sa.Boolean(), nullable=False),
    sa.Column('recusal_reason', sa.Text(), nullable=True),
    sa.Column('recused_by_id', sa.Integer(), nullable=True),
    sa.Column('recused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attendance', sa.Enum('present', 'absent', 'recused', name='attendance', native_enum=False, length=16), nullable=True),
    sa.Column('choice', sa.Enum('endorse', 'return', 'abstain', name='choice', native_enum=False, length=16), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('voted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('vote_changes', sa.Integer(), nullable=False),
    sa.CheckConstraint('NOT recused OR recusal_reason IS NOT NULL', name=op.f('ck_committee_review_members_recusal_has_reason')),
    sa.ForeignKeyConstraint(['recused_by_id'], ['users.id'], name=op.f('fk_committee_review_members_recused_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['committee_reviews.id'], name=op.f('fk_committee_review_members_review_id_committee_reviews')),
    sa.ForeignKeyConstraint(['seat_id'], ['committee_seats.id'], name=op.f('fk_committee_review_members_seat_id_committee_seats')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_review_members')),
    sa.UniqueConstraint('review_id', 'seat_id', name=op.f('uq_committee_review_members_review_id_seat_id'))
    )
    with op.batch_alter_table('committee_review_members', schema=None) as batch_op:
        batch_op.create_index('ix_committee_review_members_seat', ['seat_id'], unique=False)



def downgrade():
    with op.batch_alter_table('committee_review_members', schema=None) as batch_op:
        batch_op.drop_index('ix_committee_review_members_seat')

    op.drop_table('committee_review_members')
    with op.batch_alter_table('committee_seats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_seats_expert_id'))

    op.drop_table('committee_seats')
    with op.batch_alter_table('committee_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_committee_reviews_panel')
        batch_op.drop_index('ix_committee_reviews_case')

    op.drop_table('committee_reviews')
    with op.batch_alter_table('committee_experts', schema=None) as batch_op:
        batch_op.drop_index('ix_committee_experts_agency')

    op.drop_table('committee_experts')
    with op.batch_alter_table('committee_panels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_panels_agency_id'))

    op.drop_table('committee_panels')
