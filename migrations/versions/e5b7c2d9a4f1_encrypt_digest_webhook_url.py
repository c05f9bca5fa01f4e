"""encrypt the tenant's digest webhook URL at rest (String(500) plaintext -> Text holding a Fernet token)

Revision ID: e5b7c2d9a4f1
Revises: ccbf08e4dc8a
Create Date: 2026-12-06 00:30:00

A webhook URL often carries its credential in the path (Slack, Teams, Zapier), so it is a secret like the
tokens and passwords: the model stores it with ``EncryptedText``. Existing plaintext values are encrypted
here with the newest of the running app's ``ENCRYPTION_KEYS`` (``flask db upgrade`` always runs inside the
app's context; this module imports nothing from the application itself). Downgrading decrypts them again.
"""
from alembic import op
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'e5b7c2d9a4f1'
down_revision = 'ccbf08e4dc8a'
branch_labels = None
depends_on = None

tenant = sa.table('tenant', sa.column('id', sa.Integer), sa.column('digest_webhook_url', sa.Text))


def _fernet():
    return MultiFernet([Fernet(key) for key in current_app.config['ENCRYPTION_KEYS']])


def _rewrite(change):
    """Apply ``change`` to every stored webhook URL (None when the value is left as it is)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(tenant.c.id, tenant.c.digest_webhook_url).where(tenant.c.digest_webhook_url.isnot(None))
    ).all()
    for row_id, value in rows:
        new = change(value)
        if new is not None:
            connection.execute(tenant.update().where(tenant.c.id == row_id).values(digest_webhook_url=new))


def _encrypt(fernet, value):
    try:
        fernet.decrypt(value.encode())
        return None  # already a token (a re-run after a partial upgrade)
    except InvalidToken:
        return fernet.encrypt(value.encode()).decode()


def upgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.alter_column('digest_webhook_url', existing_type=sa.String(length=500), type_=sa.Text(),
                              existing_nullable=True)
    fernet = _fernet()
    _rewrite(lambda value: _encrypt(fernet, value))


def downgrade():
    fernet = _fernet()
    _rewrite(lambda value: fernet.decrypt(value.encode()).decode())
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.alter_column('digest_webhook_url', existing_type=sa.Text(), type_=sa.String(length=500),
                              existing_nullable=True)
