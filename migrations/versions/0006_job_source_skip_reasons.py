"""job sources: the reasons listings were skipped in the last refresh, for the admin view

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_source') as batch_op:
        batch_op.add_column(sa.Column('last_skip_reasons', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('job_source') as batch_op:
        batch_op.drop_column('last_skip_reasons')
