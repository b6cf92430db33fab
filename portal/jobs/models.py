"""Job records: configured sources with their last run, merged postings, their source links,
saved jobs and saved searches. `ingest.py` is the only writer of sources, postings and links."""

from portal.db_types import UTCDateTime, utcnow
from portal.extensions import db


class JobSource(db.Model):
    """A configured source and the outcome of its last refresh (what the admin view lists)."""

    __tablename__ = "job_source"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False, unique=True)
    kind = db.Column(db.String(20), nullable=False)
    url = db.Column(db.String(2000), nullable=False)
    company = db.Column(db.String(200), nullable=True)
    enabled = db.Column(db.Boolean, nullable=False, default=True)
    etag = db.Column(db.String(255), nullable=True)  # for conditional GET
    last_modified = db.Column(db.String(64), nullable=True)
    last_run_at = db.Column(UTCDateTime(), nullable=True)
    last_success_at = db.Column(UTCDateTime(), nullable=True)
    last_status = db.Column(db.String(16), nullable=False, default="never")  # never|ok|not_modified|failed
    last_error = db.Column(db.Text, nullable=True)
    last_counts = db.Column(db.JSON, nullable=True)  # {"fetched", "new", "updated", "merged", "closed", "skipped"}
    last_skip_reasons = db.Column(db.JSON, nullable=True)  # ["<id> '<title>': <why>", ...], the first few


class JobPosting(db.Model):
    """One opening, merged across every source that lists it."""

    __tablename__ = "job_posting"
    __table_args__ = (
        db.Index("ix_job_posting_open_posted", "closed_at", "posted_at"),
        db.Index("ix_job_posting_company_key", "company_key"),
    )

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(300), nullable=False)
    company = db.Column(db.String(200), nullable=False)
    company_key = db.Column(db.String(200), nullable=False)  # normalised company, for de-duplication
    fingerprint = db.Column(db.String(64), nullable=False, index=True)  # company + title + location
    location = db.Column(db.String(300), nullable=False, default="")
    countries = db.Column(db.JSON, nullable=False, default=list)
    remote = db.Column(db.String(10), nullable=False, default="unknown")
    employment_type = db.Column(db.String(20), nullable=True)
    pay_min = db.Column(db.Float, nullable=True)
    pay_max = db.Column(db.Float, nullable=True)
    pay_currency = db.Column(db.String(3), nullable=True)
    pay_period = db.Column(db.String(8), nullable=True)
    pay_source = db.Column(db.String(12), nullable=True)  # structured|text
    hourly_min_usd = db.Column(db.Float, nullable=True, index=True)  # for the minimum-pay filter
    posted_at = db.Column(UTCDateTime(), nullable=True, index=True)
    expires_at = db.Column(UTCDateTime(), nullable=True)
    first_seen_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    closed_at = db.Column(UTCDateTime(), nullable=True)  # vanished from every source, or expired
    apply_url = db.Column(db.String(2000), nullable=False)
    description_html = db.Column(db.Text, nullable=False, default="")  # sanitized with nh3
    description_text = db.Column(db.Text, nullable=False, default="")
    languages = db.Column(db.JSON, nullable=False, default=list)
    task_types = db.Column(db.JSON, nullable=False, default=list)
    flags = db.Column(db.JSON, nullable=False, default=list)  # [{"code", "message"}]
    is_flagged = db.Column(db.Boolean, nullable=False, default=False)
    is_sample = db.Column(db.Boolean, nullable=False, default=False)  # from the bundled demo snapshot

    links = db.relationship("JobPostingSource", backref="posting", cascade="all, delete-orphan",
                            order_by="JobPostingSource.id")


class JobPostingSource(db.Model):
    """Where a posting was seen: one row per source listing, kept after a merge."""

    __tablename__ = "job_posting_source"
    __table_args__ = (db.UniqueConstraint("source_name", "external_id"),)

    id = db.Column(db.Integer, primary_key=True)
    posting_id = db.Column(db.Integer, db.ForeignKey("job_posting.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    source_name = db.Column(db.String(80), nullable=False)
    external_id = db.Column(db.String(300), nullable=False)
    url = db.Column(db.String(2000), nullable=False)
    canonical_url = db.Column(db.String(2000), nullable=False, index=True)
    first_seen_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    closed_at = db.Column(UTCDateTime(), nullable=True)


class JobRefreshLock(db.Model):
    """A named lock row: inserting it takes the lock on SQLite and PostgreSQL alike."""

    __tablename__ = "job_refresh_lock"

    name = db.Column(db.String(40), primary_key=True)
    holder = db.Column(db.String(120), nullable=False)
    acquired_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime(), nullable=False)


class SavedJob(db.Model):
    """A posting a user kept for later."""

    __tablename__ = "saved_job"
    __table_args__ = (db.UniqueConstraint("user_id", "posting_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    posting_id = db.Column(db.Integer, db.ForeignKey("job_posting.id", ondelete="CASCADE"), nullable=False)
    saved_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)


class SavedSearch(db.Model):
    """A user's board filters, with an unguessable token for its public Atom feed."""

    __tablename__ = "saved_search"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    params = db.Column(db.JSON, nullable=False)  # the board's query parameters
    feed_token = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
