"""Setup services: storing results (all or nothing), history, ownership, comparison and workspace checks."""

from datetime import datetime, timedelta, timezone

import pytest

from portal.accounts.models import User
from portal.extensions import db
from portal.setup import services
from portal.setup.models import SpeedTestResult, WorkspaceCheck
from portal.setup.readiness import FigureError

FIGURES = {"download_mbps": 80.5, "upload_mbps": 20, "ping_ms": 14.2, "jitter_ms": 2.1, "loaded_latency_ms": 40.0}


def make_user(name="ada") -> int:
    user = User(username=name, email=f"{name}@example.org")
    user.set_password("correct horse battery")
    db.session.add(user)
    db.session.commit()
    return user.id


def count_results() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(SpeedTestResult))


def test_record_result_stores_figures_details_and_an_aware_utc_time(app):
    with app.app_context():
        user_id = make_user()
        result_id = services.record_result(user_id, FIGURES, method="speedtest-cli", client_measured=False,
                                           details={"server": "speedtest.example (Town)",
                                                    "upload_measured_by": "server", "streams_down": 5})
        db.session.expire_all()
        stored = db.session.get(SpeedTestResult, result_id)
        assert stored.user_id == user_id and stored.method == "speedtest-cli" and stored.client_measured is False
        assert stored.figures() == {**FIGURES, "upload_mbps": 20.0, "loss_pct": None}
        assert stored.server == "speedtest.example (Town)" and stored.streams_down == 5
        assert stored.measured_at.tzinfo is not None
        assert abs(stored.measured_at - datetime.now(timezone.utc)) < timedelta(minutes=1)


@pytest.mark.parametrize("figures, details, field", [
    ({**FIGURES, "download_mbps": -3}, {}, "download_mbps"),
    ({**FIGURES, "ping_ms": float("nan")}, {}, "ping_ms"),
    ({k: v for k, v in FIGURES.items() if k != "upload_mbps"}, {}, "upload_mbps"),
    (FIGURES, {"streams_up": 2.5}, "streams_up"),
    (FIGURES, {"upload_measured_by": "guess"}, "upload_measured_by"),
    (FIGURES, {"colour": "blue"}, "colour"),
])
def test_bad_input_stores_nothing(app, figures, details, field):
    with app.app_context():
        user_id = make_user()
        with pytest.raises(FigureError) as raised:
            services.record_result(user_id, figures, method="browser", client_measured=True, details=details)
        assert raised.value.field == field
        assert count_results() == 0


def test_unknown_method_is_refused(app):
    with app.app_context():
        with pytest.raises(ValueError, match="method must be one of"):
            services.record_result(make_user(), FIGURES, method="pigeon", client_measured=True)
        assert count_results() == 0


def test_history_is_newest_first_and_only_the_users_own(app):
    with app.app_context():
        ada, bob = make_user("ada"), make_user("bob")
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        ids = [services.record_result(ada, {**FIGURES, "download_mbps": 10.0 * n}, method="browser",
                                      client_measured=True, measured_at=start + timedelta(days=n))
               for n in range(1, 4)]
        services.record_result(bob, FIGURES, method="browser", client_measured=True)
        assert [r.id for r in services.history(ada)] == ids[::-1]
        assert services.get_owned_result(ids[0], ada).id == ids[0]
        assert services.get_owned_result(ids[0], bob) is None


def test_compare_orders_runs_and_says_which_way_is_better(app):
    with app.app_context():
        ada, bob = make_user("ada"), make_user("bob")
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        old = services.record_result(ada, FIGURES, method="browser", client_measured=True, measured_at=start)
        new = services.record_result(ada, {**FIGURES, "download_mbps": 100.5, "ping_ms": 30.2},
                                     method="browser", client_measured=True, measured_at=start + timedelta(hours=1))
        comparison = services.compare_results(ada, new, old)  # given newest first, shown oldest first
        assert (comparison["before"].id, comparison["after"].id) == (old, new)
        rows = {row["figure"]: row for row in comparison["rows"]}
        assert rows["download_mbps"]["change"] == pytest.approx(20) and rows["download_mbps"]["improved"] is True
        assert rows["ping_ms"]["improved"] is False
        assert rows["jitter_ms"]["improved"] is None
        bobs = services.record_result(bob, FIGURES, method="browser", client_measured=True)
        assert services.compare_results(ada, old, bobs) is None


def test_workspace_is_one_row_per_user_with_detected_and_told_apart(app):
    with app.app_context():
        ada = make_user()
        services.save_workspace(ada, {"cpu_cores": 8, "screen_width": 1920}, {"second_monitor": "no"})
        services.save_workspace(ada, {"cpu_cores": 4, "extended_display": True}, {"headset": "yes"})
        checks = db.session.execute(db.select(WorkspaceCheck)).scalars().all()
        assert len(checks) == 1
        assert checks[0].detected == {"cpu_cores": 4, "extended_display": True}
        assert checks[0].answers == {"headset": "yes"}
        with pytest.raises(FigureError):
            services.save_workspace(ada, {"cpu_cores": -1}, {})
        db.session.expire_all()
        assert services.workspace_for(ada).detected["cpu_cores"] == 4


def test_deleting_a_user_deletes_their_results(app):
    with app.app_context():
        ada = make_user()
        services.record_result(ada, FIGURES, method="browser", client_measured=True)
        db.session.delete(db.session.get(User, ada))
        db.session.commit()
        assert count_results() == 0
