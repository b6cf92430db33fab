"""setup check: speed-test results and workspace checks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 04:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('setup_speed_test_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('measured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('download_mbps', sa.Float(), nullable=False),
    sa.Column('upload_mbps', sa.Float(), nullable=False),
    sa.Column('upload_server_mbps', sa.Float(), nullable=True),
    sa.Column('ping_ms', sa.Float(), nullable=False),
    sa.Column('jitter_ms', sa.Float(), nullable=False),
    sa.Column('loaded_latency_ms', sa.Float(), nullable=True),
    sa.Column('loaded_latency_down_ms', sa.Float(), nullable=True),
    sa.Column('loaded_latency_up_ms', sa.Float(), nullable=True),
    sa.Column('loss_pct', sa.Float(), nullable=True),
    sa.Column('server', sa.String(length=200), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('client_measured', sa.Boolean(), nullable=False),
    sa.Column('upload_measured_by', sa.String(length=8), nullable=True),
    sa.Column('streams_down', sa.Integer(), nullable=True),
    sa.Column('streams_up', sa.Integer(), nullable=True),
    sa.Column('user_agent', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_setup_speed_test_result_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_setup_speed_test_result'))
    )
    with op.batch_alter_table('setup_speed_test_result', schema=None) as batch_op:
        batch_op.create_index('ix_setup_speed_test_result_user_measured', ['user_id', 'measured_at'],
                              unique=False)

    op.create_table('setup_workspace_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('detected', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_setup_workspace_check_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_setup_workspace_check')),
    sa.UniqueConstraint('user_id', name=op.f('uq_setup_workspace_check_user_id'))
    )


def downgrade():
    op.drop_table('setup_workspace_check')
    with op.batch_alter_table('setup_speed_test_result', schema=None) as batch_op:
        batch_op.drop_index('ix_setup_speed_test_result_user_measured')
    op.drop_table('setup_speed_test_result')
