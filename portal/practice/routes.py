"""Practice pages: exercises, assessments, reviews, progress, certificates and item images."""

import hashlib

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from portal.practice import services
from portal.practice.blueprint import bp
from portal.practice.catalog import TASK_TYPES
from portal.practice.charts import trend_chart
from portal.practice.forms import StartAssessmentForm
from portal.practice.tasks.base import DIFFICULTIES, AnswerError, parse_seed
from portal.practice.tasks.registry import UnknownTaskType, all_task_types, get_task_type

ASSET_MAX_AGE = 365 * 24 * 3600


def implemented(slug: str):
    """The registered task type, or None while its exercise is still being built."""
    try:
        return get_task_type(slug)
    except UnknownTaskType:
        return None


@bp.get("/practice", strict_slashes=False)
def index():
    available = {task.slug for task in all_task_types()}
    return render_template("practice/index.html", task_types=TASK_TYPES.values(), available=available)


@bp.get("/practice/<slug>")
def exercise(slug):
    info = TASK_TYPES.get(slug)
    if info is None:
        abort(404)
    task = implemented(slug)
    if task is None:
        return render_template("practice/coming_soon.html", info=info)
    difficulty = request.args.get("difficulty", "easy")
    if difficulty not in DIFFICULTIES:
        difficulty = "easy"
    try:
        seed = parse_seed(request.args["seed"]) if request.args.get("seed") else None
    except AnswerError:
        seed = None
    return render_template("practice/exercise.html", info=info, task=task, difficulty=difficulty,
                           seed=seed, difficulties=DIFFICULTIES)


@bp.get("/practice/assets/<item_id>.png")
def asset(item_id):
    """An item's picture; deterministic, so cached by browsers for a year and validated by ETag."""
    try:
        task_type = item_id.split(".", 1)[0]
        item = services.item_from_id(task_type, item_id)
        rendered = services.get_asset(item.task_type, item.difficulty, item.seed)
    except (AnswerError, UnknownTaskType):
        abort(404)
    if rendered is None:
        abort(404)
    data, mimetype = rendered
    response = current_app.response_class(data, mimetype=mimetype)
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    response.cache_control.immutable = True
    return response.make_conditional(request)


@bp.route("/practice/<slug>/assessment", methods=["GET", "POST"])
def assessment_start(slug):
    info = TASK_TYPES.get(slug)
    task = implemented(slug)
    if info is None or task is None:
        abort(404)
    settings = services.assessment_settings()
    form = StartAssessmentForm()
    available_at = recent = None
    if current_user.is_authenticated:
        available_at = services.next_attempt_at(current_user.id, slug)
        recent = [services.expire_if_overdue(a) for a in services.recent_assessments(current_user.id, slug)]
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.path))
        if form.validate_on_submit():
            try:
                assessment = services.start_assessment(current_user.id, slug)
            except services.CooldownActive as cooldown:
                available_at = cooldown.available_at
                flash("You can retake this test once the cooldown ends.", "error")
            else:
                return redirect(url_for("practice.assessment_run", assessment_id=assessment.id))
    return render_template("practice/assessment_start.html", info=info, task=task, settings=settings,
                           form=form, available_at=available_at, recent=recent or [])


def owned_or_404(assessment_id: int):
    assessment = services.get_owned_assessment(assessment_id, current_user.id)
    if assessment is None:
        abort(404)
    return services.expire_if_overdue(assessment)


@bp.get("/practice/assessments/<id:assessment_id>")
@login_required
def assessment_run(assessment_id):
    assessment = owned_or_404(assessment_id)
    if assessment.status != "in_progress":
        return redirect(url_for("practice.assessment_review", assessment_id=assessment.id))
    task = get_task_type(assessment.task_type)
    return render_template("practice/assessment_run.html", assessment=assessment, task=task,
                           info=TASK_TYPES[task.slug], seconds_left=services.seconds_left(assessment))


@bp.get("/practice/assessments/<id:assessment_id>/review")
@login_required
def assessment_review(assessment_id):
    assessment = owned_or_404(assessment_id)
    if assessment.status == "in_progress":
        flash("Finish the test first: the review opens once it is submitted or its time is up.", "info")
        return redirect(url_for("practice.assessment_run", assessment_id=assessment.id))
    task = get_task_type(assessment.task_type)
    return render_template("practice/assessment_review.html", assessment=assessment, task=task,
                           info=TASK_TYPES[task.slug], reviewed=services.review(assessment),
                           certificate=services.certificate_for(assessment),
                           next_attempt=services.next_attempt_at(current_user.id, task.slug))


@bp.get("/practice/progress")
def progress():
    if current_user.is_authenticated:
        summary = services.progress_for_user(current_user.id)
        certificates = services.user_certificates(current_user.id)
    else:
        summary, certificates = services.progress_from_session(session), []
    rows = []
    for info in TASK_TYPES.values():
        entry = summary.get(info.slug)
        task = implemented(info.slug)
        chart = trend_chart(entry["trend"], task.pass_mark) if entry and task else None
        rows.append({"info": info, "entry": entry, "chart": chart, "available": task is not None})
    return render_template("practice/progress.html", rows=rows, certificates=certificates)


@bp.get("/certificates/<token>")
def certificate(token):
    """Public verification page: anyone with the link can confirm who passed what, when."""
    from portal.extensions import db
    from portal.practice.models import Certificate
    if len(token) > 64:
        abort(404)
    found = db.session.execute(db.select(Certificate).where(Certificate.token == token)).scalar_one_or_none()
    if found is None:
        abort(404)
    response = current_app.make_response(render_template(
        "practice/certificate.html", certificate=found, info=TASK_TYPES[found.task_type]))
    response.headers["Referrer-Policy"] = "no-referrer"  # keep the token out of other sites' logs
    return response
