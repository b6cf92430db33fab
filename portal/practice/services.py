"""Practice operations: items, attempts, assessments, cooldowns, certificates and progress.

The only code that writes practice rows. Task types are called from here, never the reverse.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import current_app

from portal.db_types import utcnow
from portal.extensions import db
from portal.practice.models import Assessment, AssessmentAnswer, Attempt, Certificate
from portal.practice.tasks.base import DIFFICULTIES, AnswerError, Item, ScoreResult, parse_item_id
from portal.practice.tasks.registry import get_task_type

SESSION_KEY = "practice_progress"
SESSION_TREND_LENGTH = 20
TREND_LENGTH = 30
# Quals ramp up: a few easy items, mostly medium, the hardest last.
ASSESSMENT_DIFFICULTY_SHARES = (("easy", 0.3), ("medium", 0.5), ("hard", 0.2))


class AssessmentClosed(Exception):
    """The assessment no longer accepts answers; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


class CooldownActive(Exception):
    """A retake was asked for before the cooldown ended."""

    def __init__(self, available_at):
        super().__init__(f"next attempt available at {available_at.isoformat()}")
        self.available_at = available_at


@lru_cache(maxsize=256)
def get_item(task_type: str, difficulty: str, seed: int) -> Item:
    """The generated item (generation is deterministic, so caching it is safe)."""
    return get_task_type(task_type).generate(seed, difficulty)


@lru_cache(maxsize=128)
def get_asset(task_type: str, difficulty: str, seed: int) -> tuple[bytes, str] | None:
    """The item's rendered media, cached in memory; the HTTP layer adds long cache headers."""
    task = get_task_type(task_type)
    return task.render_asset(get_item(task_type, difficulty, seed))


def item_from_id(task_type: str, item_id) -> Item:
    """Regenerate the practice item named by an id, checking it belongs to this task type."""
    id_task, difficulty, seed = parse_item_id(item_id)
    if id_task != task_type:
        raise AnswerError(f"item_id is for '{id_task}', not '{task_type}'", "item_id")
    return get_item(task_type, difficulty, seed)


def random_seed() -> int:
    return secrets.randbelow(2**31 - 1)


def grade(item: Item, raw_answer) -> tuple[dict, ScoreResult]:
    """Validate an answer against its item and score it; AnswerError on a bad answer."""
    task = get_task_type(item.task_type)
    answer = task.validate_answer(raw_answer, item)
    return answer, task.score(item.gold, answer)


def record_practice(user_id: int, item: Item, answer: dict, result: ScoreResult, elapsed_ms: int | None) -> Attempt:
    """Store one graded practice answer (one transaction: all of it or nothing)."""
    attempt = Attempt(user_id=user_id, task_type=item.task_type, difficulty=item.difficulty, seed=item.seed,
                      mode="practice", answer=answer, metrics=result.metrics, score=result.score,
                      passed=result.passed, elapsed_ms=elapsed_ms)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def remember_in_session(session, task_type: str, score: float) -> None:
    """Keep an anonymous visitor's progress in their (signed) session cookie, bounded in size."""
    progress = session.get(SESSION_KEY) or {}
    entry = progress.get(task_type) or {"count": 0, "total": 0.0, "best": 0.0, "trend": []}
    entry["count"] += 1
    entry["total"] = round(entry["total"] + score, 4)
    entry["best"] = max(entry["best"], round(score, 4))
    entry["trend"] = (entry["trend"] + [round(score, 3)])[-SESSION_TREND_LENGTH:]
    progress[task_type] = entry
    session[SESSION_KEY] = progress


# Assessments

def assessment_settings() -> dict:
    config = current_app.config
    return {
        "item_count": config["ASSESSMENT_ITEM_COUNT"],
        "time_limit_seconds": config["ASSESSMENT_TIME_LIMIT_SECONDS"],
        "pass_mark": config["ASSESSMENT_PASS_MARK"],
        "cooldown": timedelta(seconds=config["ASSESSMENT_COOLDOWN_SECONDS"]),
    }


def next_attempt_at(user_id: int, task_type: str):
    """When this user may next start an assessment of this type; None means now."""
    last = db.session.execute(
        db.select(Assessment.started_at)
        .where(Assessment.user_id == user_id, Assessment.task_type == task_type)
        .order_by(Assessment.started_at.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None:
        return None
    available = last + assessment_settings()["cooldown"]
    return available if available > utcnow() else None


def assessment_plan(item_count: int) -> list[str]:
    """Difficulty of each position: easy first, then medium, then hard."""
    plan = []
    for difficulty, share in ASSESSMENT_DIFFICULTY_SHARES:
        plan += [difficulty] * round(item_count * share)
    plan = (plan + ["medium"] * item_count)[:item_count]
    return sorted(plan, key=DIFFICULTIES.index)


def start_assessment(user_id: int, task_type: str) -> Assessment:
    """Begin a timed test with server-chosen items, unless the retake cooldown is running."""
    get_task_type(task_type)
    available_at = next_attempt_at(user_id, task_type)
    if available_at is not None:
        raise CooldownActive(available_at)
    settings = assessment_settings()
    started = utcnow()
    assessment = Assessment(
        user_id=user_id, task_type=task_type,
        items=[[difficulty, random_seed()] for difficulty in assessment_plan(settings["item_count"])],
        time_limit_seconds=settings["time_limit_seconds"], pass_mark=settings["pass_mark"],
        started_at=started, deadline_at=started + timedelta(seconds=settings["time_limit_seconds"]),
    )
    db.session.add(assessment)
    db.session.commit()
    return assessment


def assessment_items(assessment: Assessment) -> list[Item]:
    return [get_item(assessment.task_type, difficulty, seed) for difficulty, seed in assessment.items]


def get_owned_assessment(assessment_id: int, user_id: int, for_update: bool = False) -> Assessment | None:
    """The assessment if this user owns it; None otherwise (callers answer 404 either way)."""
    query = db.select(Assessment).where(Assessment.id == assessment_id, Assessment.user_id == user_id)
    if for_update:
        query = query.with_for_update()
    return db.session.execute(query).scalar_one_or_none()


def seconds_left(assessment: Assessment) -> int:
    return max(0, int((assessment.deadline_at - utcnow()).total_seconds()))


def ensure_open(assessment: Assessment) -> None:
    """Refuse work on a finished or overdue test; an overdue one is graded as it stands."""
    if assessment.status != "in_progress":
        raise AssessmentClosed("This test has already been submitted; see its review.", 409)
    if utcnow() > assessment.deadline_at:
        finalise(assessment, "expired")
        raise AssessmentClosed("The time limit has passed: answers saved before it were graded.", 403)


def save_answer(assessment: Assessment, position: int, raw_answer) -> None:
    """Validate and store the answer for one item, replacing any earlier one."""
    ensure_open(assessment)
    if not 0 <= position < assessment.item_count:
        raise AnswerError(f"position must be from 0 to {assessment.item_count - 1}", "position")
    difficulty, seed = assessment.items[position]
    item = get_item(assessment.task_type, difficulty, seed)
    answer = get_task_type(assessment.task_type).validate_answer(raw_answer, item)
    existing = next((saved for saved in assessment.answers if saved.position == position), None)
    if existing is None:
        assessment.answers.append(AssessmentAnswer(position=position, answer=answer))
    else:
        existing.answer = answer
        existing.saved_at = utcnow()
    db.session.commit()


def submit_assessment(assessment: Assessment) -> Assessment:
    """Grade every item now; a second submission or one after the deadline is refused."""
    ensure_open(assessment)
    return finalise(assessment, "submitted")


def expire_if_overdue(assessment: Assessment) -> Assessment:
    """Grade an abandoned test once its time is up, so its review and cooldown are real."""
    if assessment.status == "in_progress" and utcnow() > assessment.deadline_at:
        try:
            finalise(assessment, "expired")
        except AssessmentClosed:  # another request graded it a moment ago
            db.session.refresh(assessment)
    return assessment


def finalise(assessment: Assessment, status: str) -> Assessment:
    """Score all items (unanswered ones as empty answers), store attempts, maybe certify: one commit.

    The status change is claimed first with a conditional UPDATE, so two racing submissions (two
    tabs, two workers) cannot both grade the test: the loser sees no row change and is refused.
    """
    claimed = db.session.execute(
        db.update(Assessment).where(Assessment.id == assessment.id, Assessment.status == "in_progress")
        .values(status=status, finished_at=utcnow())
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise AssessmentClosed("This test has already been submitted; see its review.", 409)
    db.session.refresh(assessment)
    task = get_task_type(assessment.task_type)
    saved = {answer.position: answer.answer for answer in assessment.answers}
    scores = []
    for position, item in enumerate(assessment_items(assessment)):
        answer = saved.get(position, empty_answer(task))
        result = task.score(item.gold, answer)
        scores.append(result.score)
        db.session.add(Attempt(user_id=assessment.user_id, task_type=assessment.task_type,
                               difficulty=item.difficulty, seed=item.seed, mode="assessment",
                               assessment_id=assessment.id, position=position, answer=answer,
                               metrics=result.metrics, score=result.score, passed=result.passed))
    assessment.score = round(sum(scores) / len(scores), 6) if scores else 0.0
    assessment.passed = assessment.score >= assessment.pass_mark
    if assessment.passed:
        from portal.accounts.models import User
        user = db.session.get(User, assessment.user_id)
        db.session.add(Certificate(token=secrets.token_urlsafe(24), user_id=assessment.user_id,
                                   assessment_id=assessment.id, holder_name=user.name,
                                   task_type=assessment.task_type, score=assessment.score))
    db.session.commit()
    return assessment


def empty_answer(task) -> dict:
    """What an unanswered item is graded as."""
    return task.validate_answer({"objects": []})


@dataclass(frozen=True)
class ReviewedItem:
    position: int
    item: Item
    answer: dict
    result: ScoreResult


def review(assessment: Assessment) -> list[ReviewedItem]:
    """Per-item results of a finished assessment, re-scored from the stored answers and gold."""
    task = get_task_type(assessment.task_type)
    saved = {answer.position: answer.answer for answer in assessment.answers}
    reviewed = []
    for position, item in enumerate(assessment_items(assessment)):
        answer = saved.get(position, empty_answer(task))
        reviewed.append(ReviewedItem(position, item, answer, task.score(item.gold, answer)))
    return reviewed


def certificate_for(assessment: Assessment) -> Certificate | None:
    return db.session.execute(
        db.select(Certificate).where(Certificate.assessment_id == assessment.id)).scalar_one_or_none()


# Progress

def progress_for_user(user_id: int) -> dict[str, dict]:
    """Per task type: practice items done, average and best score, assessments passed, trend."""
    summary = defaultdict(lambda: {"count": 0, "average": 0.0, "best": 0.0, "passed_assessments": 0, "trend": []})
    rows = db.session.execute(
        db.select(Attempt.task_type, db.func.count(), db.func.avg(Attempt.score), db.func.max(Attempt.score))
        .where(Attempt.user_id == user_id, Attempt.mode == "practice").group_by(Attempt.task_type))
    for task_type, count, average, best in rows:
        summary[task_type].update(count=count, average=float(average), best=float(best))
        trend = db.session.execute(
            db.select(Attempt.score).where(Attempt.user_id == user_id, Attempt.task_type == task_type,
                                           Attempt.mode == "practice")
            .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(TREND_LENGTH)).scalars().all()
        summary[task_type]["trend"] = list(reversed(trend))
    passed = db.session.execute(
        db.select(Assessment.task_type, db.func.count())
        .where(Assessment.user_id == user_id, Assessment.passed.is_(True)).group_by(Assessment.task_type))
    for task_type, count in passed:
        summary[task_type]["passed_assessments"] = count
    return dict(summary)


def progress_from_session(session) -> dict[str, dict]:
    """The same summary for an anonymous visitor, from their session."""
    progress = {}
    for task_type, entry in (session.get(SESSION_KEY) or {}).items():
        count = entry.get("count", 0)
        progress[task_type] = {"count": count, "average": entry["total"] / count if count else 0.0,
                               "best": entry.get("best", 0.0), "passed_assessments": 0,
                               "trend": entry.get("trend", [])}
    return progress


def user_certificates(user_id: int) -> list[Certificate]:
    return db.session.execute(
        db.select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.issued_at.desc())
    ).scalars().all()


def recent_assessments(user_id: int, task_type: str, limit: int = 5) -> list[Assessment]:
    return db.session.execute(
        db.select(Assessment).where(Assessment.user_id == user_id, Assessment.task_type == task_type)
        .order_by(Assessment.started_at.desc()).limit(limit)).scalars().all()
