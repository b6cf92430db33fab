"""The `flask portal` commands."""

import pytest

from portal.accounts.models import User
from portal.extensions import db


def test_demo_data_is_idempotent(runner, app):
    first = runner.invoke(args=["portal", "demo-data"])
    second = runner.invoke(args=["portal", "demo-data"])
    assert first.exit_code == second.exit_code == 0
    assert "demo-password" in first.output
    with app.app_context():
        users = db.session.execute(db.select(User)).scalars().all()
        assert [(user.username, user.is_demo) for user in users] == [("demo", True)]


@pytest.mark.app_config(PORTAL_DEMO_DATA=False)
def test_demo_data_can_be_switched_off(runner, app):
    result = runner.invoke(args=["portal", "demo-data"])
    assert "PORTAL_DEMO_DATA=0" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_check_content_lists_every_guide(runner, app):
    result = runner.invoke(args=["portal", "check-content"])
    assert result.exit_code == 0
    assert "bounding-boxes" in result.output
    assert "guides OK." in result.output


def test_make_admin_grants_and_revokes_the_role(runner, app, auth):
    auth.register(username="grace", email="grace@example.org")
    result = runner.invoke(args=["portal", "make-admin", "Grace"])
    assert result.exit_code == 0 and "now an admin" in result.output
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(username="grace")).scalar_one().is_admin
    assert runner.invoke(args=["portal", "make-admin", "grace", "--revoke"]).exit_code == 0
    with app.app_context():
        assert not db.session.execute(db.select(User).filter_by(username="grace")).scalar_one().is_admin
    missing = runner.invoke(args=["portal", "make-admin", "nobody"])
    assert missing.exit_code != 0 and "no user named 'nobody'" in missing.output
