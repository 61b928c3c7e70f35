"""Members: sign in by email link, signed-in sessions, and the tables "My claims" builds on
(records, reminders); the outbox also carries mail to a member (no submission).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 07:50:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('members',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('email_key', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('draft', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email_key')
    )
    op.create_table('member_sessions',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index('ix_member_sessions_expires_at', 'member_sessions', ['expires_at'], unique=False)
    op.create_index('ix_member_sessions_member_id', 'member_sessions', ['member_id'], unique=False)
    op.create_table('sign_in_links',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('email_key', sa.String(length=64), nullable=False),
    sa.Column('email', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index('ix_sign_in_links_email_key', 'sign_in_links', ['email_key'], unique=False)
    op.create_index('ix_sign_in_links_expires_at', 'sign_in_links', ['expires_at'], unique=False)
    op.create_table('records',
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.String(length=32), nullable=False),
    sa.Column('journey', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('packet', sa.LargeBinary(), nullable=True),
    sa.Column('keep_until', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reference')
    )
    op.create_index('ix_records_keep_until', 'records', ['keep_until'], unique=False)
    op.create_index('ix_records_member_id', 'records', ['member_id'], unique=False)
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reference'], ['records.reference'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference', 'kind')
    )
    op.create_index('ix_reminders_due_at', 'reminders', ['due_at'], unique=False)
    op.create_index('ix_reminders_member_id', 'reminders', ['member_id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_key', sa.String(length=64), nullable=True))
        batch_op.alter_column('reference', existing_type=sa.String(length=32), nullable=True)
        batch_op.create_index('ix_outbox_member_key', ['member_key'], unique=False)


def downgrade():
    # Mail to members has no submission: it cannot stay in the older outbox.
    op.execute(sa.text("DELETE FROM outbox WHERE reference IS NULL"))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_member_key')
        batch_op.alter_column('reference', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('member_key')
    for table in ('reminders', 'records', 'sign_in_links', 'member_sessions', 'members'):
        op.drop_table(table)  # its indexes go with it
