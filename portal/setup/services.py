"""Setup-check operations: store speed-test results and workspace checks, list and compare them.

The only code that writes setup rows. Figures are validated by the readiness rules before any
write, so a bad figure stores nothing.
"""

import math
from datetime import datetime

from portal.db_types import utcnow
from portal.extensions import db
from portal.setup.models import SpeedTestResult, WorkspaceCheck
from portal.setup.readiness import FigureError, Figures, clean_detected, compare_figures

METHODS = ("browser", "speedtest-cli")
HISTORY_LIMIT = 200
# Optional facts about how a result was measured: column -> (type, check, what is allowed).
DETAILS = {
    "upload_server_mbps": (float, lambda v: 0 <= v <= 100_000, "a number of Mbps from 0 to 100000"),
    "loaded_latency_down_ms": (float, lambda v: 0 <= v <= 60_000, "a number of ms from 0 to 60000"),
    "loaded_latency_up_ms": (float, lambda v: 0 <= v <= 60_000, "a number of ms from 0 to 60000"),
    "server": (str, lambda v: 0 < len(v) <= 200, "text of at most 200 characters"),
    "upload_measured_by": (str, lambda v: v in ("server", "client"), '"server" or "client"'),
    "streams_down": (int, lambda v: 1 <= v <= 64, "a whole number from 1 to 64"),
    "streams_up": (int, lambda v: 1 <= v <= 64, "a whole number from 1 to 64"),
    "user_agent": (str, lambda v: 0 < len(v) <= 120, "text of at most 120 characters"),
}


def is_kind(value, kind) -> bool:
    """True when `value` from JSON can stand for `kind`: text, a finite number, or a whole number."""
    if kind is str:
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return kind is float or float(value).is_integer()


def checked_details(details: dict) -> dict:
    """Known detail fields of the right type and range; FigureError names the first bad one."""
    cleaned = {}
    for name, value in details.items():
        if name not in DETAILS:
            raise FigureError(name, f"is not a detail we keep ({', '.join(DETAILS)})")
        if value is None:
            continue
        kind, allowed, words = DETAILS[name]
        if not is_kind(value, kind) or not allowed(kind(value)):
            raise FigureError(name, f"must be {words}")
        cleaned[name] = kind(value)
    return cleaned


def record_result(user_id: int, figures: dict, *, method: str, client_measured: bool,
                  details: dict | None = None, measured_at: datetime | None = None) -> int:
    """Validate and store one result in one transaction; returns its id. FigureError on bad input."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    checked = Figures.from_mapping(figures)
    result = SpeedTestResult(user_id=user_id, method=method, client_measured=bool(client_measured),
                             measured_at=measured_at or utcnow(), **checked.as_dict(),
                             **checked_details(details or {}))
    db.session.add(result)
    db.session.commit()
    return result.id


def history(user_id: int, limit: int = HISTORY_LIMIT) -> list[SpeedTestResult]:
    """The user's results, newest first."""
    query = (db.select(SpeedTestResult).where(SpeedTestResult.user_id == user_id)
             .order_by(SpeedTestResult.measured_at.desc(), SpeedTestResult.id.desc()).limit(limit))
    return list(db.session.execute(query).scalars())


def get_owned_result(result_id: int, user_id: int) -> SpeedTestResult | None:
    """The result when it belongs to this user; None for anyone else's, exactly as for a missing one."""
    query = db.select(SpeedTestResult).where(SpeedTestResult.id == result_id,
                                             SpeedTestResult.user_id == user_id)
    return db.session.execute(query).scalar_one_or_none()


def compare_results(user_id: int, first_id: int, second_id: int) -> dict | None:
    """Two of the user's runs, older first, figure by figure; None when either is not theirs."""
    first, second = get_owned_result(first_id, user_id), get_owned_result(second_id, user_id)
    if first is None or second is None:
        return None
    before, after = sorted((first, second), key=lambda result: (result.measured_at, result.id))
    return {"before": before, "after": after, "rows": compare_figures(before.figures(), after.figures())}


def result_payload(result: SpeedTestResult) -> dict:
    """A stored result as JSON."""
    return {"id": result.id, "measured_at": result.measured_at.isoformat(), **result.figures(),
            "method": result.method, "client_measured": result.client_measured,
            **{name: getattr(result, name) for name in DETAILS}}


def workspace_for(user_id: int) -> WorkspaceCheck | None:
    return db.session.execute(db.select(WorkspaceCheck).where(WorkspaceCheck.user_id == user_id)
                              ).scalar_one_or_none()


def save_workspace(user_id: int, detected: dict, answers: dict) -> WorkspaceCheck:
    """Keep the user's latest workspace check; detected facts are checked, answers come from the form."""
    detected = clean_detected(detected)
    check = workspace_for(user_id)
    if check is None:
        check = WorkspaceCheck(user_id=user_id, detected=detected, answers=answers)
        db.session.add(check)
    else:
        check.detected, check.answers, check.updated_at = detected, answers, utcnow()
    db.session.commit()
    return check
