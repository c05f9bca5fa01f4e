"""user accounts: session token (ends sessions on logout, password or role change), one email per address whatever its case

Revision ID: ccbf08e4dc8a
Revises: c38faa9bc251
Create Date: 2026-12-06 00:40:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ccbf08e4dc8a'
down_revision = 'c38faa9bc251'
branch_labels = None
depends_on = None

users = sa.table('app_user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))


def upgrade():
    bind = op.get_bind()
    _refuse_case_duplicates(bind)
    bind.execute(sa.text('UPDATE app_user SET email = lower(trim(email))'))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(24)))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_check_constraint(op.f('ck_app_user_email_lower_case'), 'email = lower(email)')


def _refuse_case_duplicates(bind):
    """Accounts whose emails differ only in case cannot both stay: say which, and stop before changing anything."""
    clashes = bind.execute(
        sa.text('SELECT lower(trim(email)) FROM app_user GROUP BY lower(trim(email)) HAVING count(*) > 1')
    ).scalars().all()
    if clashes:
        raise RuntimeError(
            'These emails belong to more than one account when letter case is ignored: '
            + ', '.join(sorted(clashes))
            + '. Delete or rename the extra accounts, then run the upgrade again.'
        )


def downgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_app_user_email_lower_case'), type_='check')
        batch_op.drop_column('session_token')
