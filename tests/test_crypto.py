import pytest
from cryptography.fernet import Fernet, InvalidToken

from portal.models import OpenBoxesConnection, QuickBooksConnection
from tests.conftest import app_context, raw_value
from tests.factories import make_tenant


def _store_secrets(db):
    tenant = make_tenant("Crypto Co")
    ob = OpenBoxesConnection(
        tenant=tenant, base_url="http://ob", username="sync", password="ob-pass-123", location_id="L1"
    )
    qbo = QuickBooksConnection(
        tenant=tenant, realm_id="9130", access_token="access-tok-abc", refresh_token="refresh-tok-xyz"
    )
    db.session.add_all([ob, qbo])
    db.session.commit()
    return ob.id, qbo.id


def test_secrets_are_not_stored_in_plaintext(db):
    ob_id, qbo_id = _store_secrets(db)
    stored = [
        raw_value("openboxes_connection", "password", ob_id),
        raw_value("quickbooks_connection", "access_token", qbo_id),
        raw_value("quickbooks_connection", "refresh_token", qbo_id),
    ]
    for value, secret in zip(stored, ("ob-pass-123", "access-tok-abc", "refresh-tok-xyz"), strict=True):
        assert secret not in value
        assert value.startswith("gAAAA")  # a Fernet token
    db.session.expire_all()
    assert db.session.get(QuickBooksConnection, qbo_id).refresh_token == "refresh-tok-xyz"


def test_rotated_keys_still_decrypt_old_rows(app, db, base_config, encryption_key):
    ob_id, _ = _store_secrets(db)
    new_key = Fernet.generate_key().decode()
    with app_context({**base_config, "ENCRYPTION_KEYS": [new_key, encryption_key]}):
        connection = db.session.get(OpenBoxesConnection, ob_id)
        assert connection.password == "ob-pass-123"
        connection.password = "ob-pass-456"
        db.session.commit()
    with app_context({**base_config, "ENCRYPTION_KEYS": [new_key]}):
        assert db.session.get(OpenBoxesConnection, ob_id).password == "ob-pass-456"


def test_a_removed_key_cannot_decrypt(app, db, base_config):
    ob_id, _ = _store_secrets(db)
    with app_context({**base_config, "ENCRYPTION_KEYS": [Fernet.generate_key().decode()]}):
        with pytest.raises(InvalidToken):
            db.session.get(OpenBoxesConnection, ob_id).password  # noqa: B018
