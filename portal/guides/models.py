"""Reading progress: which guides a user has marked as read."""

from portal.db_types import UTCDateTime, utcnow
from portal.extensions import db


class GuideRead(db.Model):
    """A user's mark that they have read a guide; guides are files, so the slug is the key."""

    __tablename__ = "guide_read"
    __table_args__ = (db.UniqueConstraint("user_id", "guide_slug"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    guide_slug = db.Column(db.String(100), nullable=False)
    read_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
