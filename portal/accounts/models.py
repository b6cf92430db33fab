"""User accounts."""

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from portal.db_types import UTCDateTime, utcnow
from portal.extensions import db


class User(UserMixin, db.Model):
    """A registered person; usernames and emails are stored lower-cased so lookups are exact."""

    __tablename__ = "user"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(32), nullable=False, unique=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    display_name = db.Column(db.String(80), nullable=False, default="")
    password_hash = db.Column(db.String(255), nullable=False)
    is_admin = db.Column(db.Boolean, nullable=False, default=False)
    is_demo = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def name(self) -> str:
        return self.display_name or self.username
