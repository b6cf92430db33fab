"""Accounts: registration, login, logout and the profile page."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def init_app(app):
    """Register the account pages and the user loader."""
    from portal.accounts import models, routes  # noqa: F401
    from portal.extensions import db, login_manager

    @login_manager.user_loader
    def load_user(user_id):
        if not user_id.isdigit():
            return None
        return db.session.get(models.User, int(user_id))

    app.register_blueprint(bp)
