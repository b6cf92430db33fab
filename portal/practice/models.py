"""Practice records: graded attempts, assessments with their saved answers, and certificates."""

from portal.db_types import UTCDateTime, utcnow
from portal.extensions import db


class Attempt(db.Model):
    """One graded answer of a logged-in user, kept forever: the raw answer, metrics and timing."""

    __tablename__ = "practice_attempt"
    __table_args__ = (db.Index("ix_practice_attempt_user_task", "user_id", "task_type", "submitted_at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    task_type = db.Column(db.String(32), nullable=False)
    difficulty = db.Column(db.String(16), nullable=False)
    seed = db.Column(db.BigInteger, nullable=False)
    mode = db.Column(db.String(16), nullable=False)  # "practice" or "assessment"
    assessment_id = db.Column(db.Integer, db.ForeignKey("assessment.id", ondelete="CASCADE"), nullable=True,
                              index=True)
    position = db.Column(db.Integer, nullable=True)
    answer = db.Column(db.JSON, nullable=False)
    metrics = db.Column(db.JSON, nullable=False)
    score = db.Column(db.Float, nullable=False)
    passed = db.Column(db.Boolean, nullable=False)
    elapsed_ms = db.Column(db.Integer, nullable=True)
    submitted_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)


class Assessment(db.Model):
    """A timed qualification test: fixed items chosen by the server, graded only at the end."""

    __tablename__ = "assessment"
    __table_args__ = (db.Index("ix_assessment_user_task", "user_id", "task_type", "started_at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    task_type = db.Column(db.String(32), nullable=False)
    items = db.Column(db.JSON, nullable=False)  # [[difficulty, seed], ...] in test order
    time_limit_seconds = db.Column(db.Integer, nullable=False)
    pass_mark = db.Column(db.Float, nullable=False)
    started_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    deadline_at = db.Column(UTCDateTime(), nullable=False)
    finished_at = db.Column(UTCDateTime(), nullable=True)
    status = db.Column(db.String(16), nullable=False, default="in_progress")  # in_progress|submitted|expired
    score = db.Column(db.Float, nullable=True)
    passed = db.Column(db.Boolean, nullable=True)

    answers = db.relationship("AssessmentAnswer", backref="assessment", cascade="all, delete-orphan",
                              order_by="AssessmentAnswer.position")

    @property
    def item_count(self) -> int:
        return len(self.items)


class AssessmentAnswer(db.Model):
    """The latest saved answer for one item of an assessment (autosaved while the test runs)."""

    __tablename__ = "assessment_answer"
    __table_args__ = (db.UniqueConstraint("assessment_id", "position"),)

    id = db.Column(db.Integer, primary_key=True)
    assessment_id = db.Column(db.Integer, db.ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    answer = db.Column(db.JSON, nullable=False)
    saved_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)


class Certificate(db.Model):
    """Proof of a passed assessment, public to anyone holding its unguessable token."""

    __tablename__ = "certificate"

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    assessment_id = db.Column(db.Integer, db.ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False,
                              unique=True)
    holder_name = db.Column(db.String(80), nullable=False)
    task_type = db.Column(db.String(32), nullable=False)
    score = db.Column(db.Float, nullable=False)
    issued_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
