from portal.models import Tenant, User


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_tenants_create_sets_the_historical_cutoff(app, db):
    result = _run(app, "tenants", "create", "--name", "Acme Medical", "--timezone", "America/Chicago")
    assert result.exit_code == 0, result.output
    tenant = db.session.scalar(db.select(Tenant))
    assert (tenant.slug, tenant.timezone) == ("acme-medical", "America/Chicago")
    assert tenant.sync_enabled_at is not None


def test_users_created_with_the_cli_can_log_in(app, db, client, auth):
    _run(app, "tenants", "create", "--name", "Acme Medical")
    admin_args = ["--email", "Ann@Acme.test", "--role", "tenant_admin", "--tenant", "acme-medical"]
    admin = _run(app, "users", "create", *admin_args, "--password", "long enough pw")
    support = _run(
        app,
        "users",
        "create",
        "--email",
        "help@bridge.test",
        "--role",
        "support",
        "--password",
        "long enough pw",
    )
    assert admin.exit_code == 0, admin.output
    assert support.exit_code == 0, support.output
    assert auth.login("ann@acme.test", "long enough pw").status_code == 302
    auth.logout()
    assert auth.login("help@bridge.test", "long enough pw").status_code == 302
    assert db.session.scalar(db.select(User).filter_by(role="support")).tenant_id is None


def test_tenant_admin_needs_an_existing_tenant(app):
    result = _run(app, "users", "create", "--email", "a@b.test", "--role", "tenant_admin", "--tenant", "nope",
                  "--password", "long enough pw")  # fmt: skip
    assert result.exit_code != 0
    assert "no tenant with slug 'nope'" in result.output


def test_support_user_cannot_belong_to_a_tenant(app):
    _run(app, "tenants", "create", "--name", "Acme")
    result = _run(app, "users", "create", "--email", "s@b.test", "--role", "support", "--tenant", "acme",
                  "--password", "long enough pw")  # fmt: skip
    assert result.exit_code != 0
    assert "support users belong to no tenant" in result.output


def test_short_passwords_are_refused(app, db):
    result = _run(app, "users", "create", "--email", "s@b.test", "--role", "support", "--password", "short")
    assert result.exit_code != 0
    assert db.session.scalar(db.select(User)) is None


def test_tenants_create_refuses_an_unknown_time_zone(app, db):
    result = _run(app, "tenants", "create", "--name", "Acme Medical", "--timezone", "America")
    assert result.exit_code != 0
    assert "'America' is not a time zone we know" in result.output
    assert db.session.scalar(db.select(Tenant)) is None
