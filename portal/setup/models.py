"""Setup-check records: speed-test results and each user's workspace answers."""

from portal.db_types import UTCDateTime, utcnow
from portal.extensions import db


class SpeedTestResult(db.Model):
    """One finished speed test of a logged-in user, kept so they can compare runs over time."""

    __tablename__ = "setup_speed_test_result"
    __table_args__ = (db.Index("ix_setup_speed_test_result_user_measured", "user_id", "measured_at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    measured_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    download_mbps = db.Column(db.Float, nullable=False)
    upload_mbps = db.Column(db.Float, nullable=False)
    upload_server_mbps = db.Column(db.Float, nullable=True)   # as received by the portal, when it said
    ping_ms = db.Column(db.Float, nullable=False)
    jitter_ms = db.Column(db.Float, nullable=False)
    loaded_latency_ms = db.Column(db.Float, nullable=True)
    loaded_latency_down_ms = db.Column(db.Float, nullable=True)
    loaded_latency_up_ms = db.Column(db.Float, nullable=True)
    loss_pct = db.Column(db.Float, nullable=True)
    server = db.Column(db.String(200), nullable=True)
    method = db.Column(db.String(16), nullable=False)          # "browser" or "speedtest-cli"
    client_measured = db.Column(db.Boolean, nullable=False)    # figures reported by the client, not the portal
    upload_measured_by = db.Column(db.String(8), nullable=True)  # "server" or "client"
    streams_down = db.Column(db.Integer, nullable=True)
    streams_up = db.Column(db.Integer, nullable=True)
    user_agent = db.Column(db.String(120), nullable=True)      # a summary such as "Chrome 126 on Linux"

    def figures(self) -> dict:
        """The figures the readiness rules take."""
        return {"download_mbps": self.download_mbps, "upload_mbps": self.upload_mbps, "ping_ms": self.ping_ms,
                "jitter_ms": self.jitter_ms, "loaded_latency_ms": self.loaded_latency_ms,
                "loss_pct": self.loss_pct}


class WorkspaceCheck(db.Model):
    """A user's latest workspace check: what the browser detected and what they told us, kept apart."""

    __tablename__ = "setup_workspace_check"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, unique=True)
    detected = db.Column(db.JSON, nullable=False)   # facts read by the browser, e.g. {"cpu_cores": 8}
    answers = db.Column(db.JSON, nullable=False)    # the questionnaire, e.g. {"second_monitor": "yes"}
    updated_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
