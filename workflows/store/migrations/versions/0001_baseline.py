"""The schema of the last release without migrations, as its create_all made it.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 04:42:46

Written by `flask db migrate` against an empty database, then cut into one function per
table so that `adopt` can make only the tables an older database lacks.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def budgets():
    op.create_table('budgets',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start')
    )
    op.create_index('ix_budgets_expires_at', 'budgets', ['expires_at'], unique=False)


def drafts():
    op.create_table('drafts',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index('ix_drafts_expires_at', 'drafts', ['expires_at'], unique=False)


def send_counts():
    op.create_table('send_counts',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start')
    )
    op.create_index('ix_send_counts_expires_at', 'send_counts', ['expires_at'], unique=False)


def draft_rotations():
    op.create_table('draft_rotations',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('previous', sa.String(length=64), nullable=False),
    sa.Column('proof', sa.String(length=64), nullable=False),
    sa.Column('rotated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['key'], ['drafts.key'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key')
    )


def submissions():
    op.create_table('submissions',
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('draft_key', sa.String(length=64), nullable=False),
    sa.Column('journey', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['draft_key'], ['drafts.key'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reference')
    )
    op.create_index('ix_submissions_draft_key', 'submissions', ['draft_key'], unique=False)


def uploads():
    op.create_table('uploads',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('draft_key', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['draft_key'], ['drafts.key'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_uploads_draft_key', 'uploads', ['draft_key'], unique=False)


def outbox():
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['reference'], ['submissions.reference'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference', 'purpose')
    )
    op.create_index('ix_outbox_next_attempt_at', 'outbox', ['next_attempt_at'], unique=False)
    op.create_index('ix_outbox_reference', 'outbox', ['reference'], unique=False)


def packets():
    op.create_table('packets',
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['reference'], ['submissions.reference'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reference')
    )


# In an order that makes every table after the ones it refers to.
TABLES = {create.__name__: create for create in (
    budgets, drafts, send_counts, draft_rotations, submissions, uploads, outbox, packets)}


def upgrade():
    for create in TABLES.values():
        create()


def downgrade():
    for name in reversed(TABLES):
        op.drop_table(name)  # its indexes go with it


def adopt(existing: set[str], draft_columns: set[str]):
    """Bring a database made before migrations (no revision, a `drafts` table) to this
    revision, as that release did at each start (workflows/store/schema.adopt_unversioned):
    create_all made the tables it lacked, and drafts made before drafts had a version got the
    column (`ALTER TABLE drafts ADD COLUMN version INTEGER NOT NULL DEFAULT 0`: every row 0)."""
    for name, create in TABLES.items():
        if name not in existing:
            create()
    if "version" not in draft_columns:
        op.add_column('drafts', sa.Column('version', sa.Integer(), server_default='0', nullable=False))
