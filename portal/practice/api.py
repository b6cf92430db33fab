"""The practice JSON API under /api/v1: items, submissions, assessments and stateless scoring.

Bodies are JSON only and logged-in writes carry `X-CSRFToken` (see portal/api.py).
"""

from flask import jsonify, request, session, url_for
from flask_login import current_user

from portal.api import ApiError, json_api_blueprint, json_body
from portal.errors import error_response
from portal.practice import services
from portal.practice.tasks.base import DIFFICULTIES, AnswerError, Item, parse_seed
from portal.practice.tasks.registry import UnknownTaskType, get_task_type

api_bp = json_api_blueprint("practice_api", __name__, "/api/v1")
MAX_ELAPSED_MS = 24 * 3600 * 1000




@api_bp.errorhandler(AnswerError)
def handle_answer_error(error: AnswerError):
    return error_response(400, f"{error.field}: {error.message}" if error.field else error.message, error.field)


@api_bp.errorhandler(UnknownTaskType)
def handle_unknown_task(error: UnknownTaskType):
    return error_response(404, str(error), "task_type")




def public_item(item: Item) -> dict:
    """What the browser may see of an item: everything but the gold."""
    task = get_task_type(item.task_type)
    payload = {"item_id": item.item_id, "task_type": item.task_type, "difficulty": item.difficulty,
               "seed": item.seed, "pass_mark": task.pass_mark, **item.public}
    if "image" in payload:
        payload["image"] = {**payload["image"], "url": url_for("practice.asset", item_id=item.item_id)}
    return payload


def result_payload(task_type: str, result) -> dict:
    task = get_task_type(task_type)
    return {"task_type": task_type, **result.as_dict(), "pass_mark": task.pass_mark}


@api_bp.get("/practice/<task_type>/item")
def practice_item(task_type):
    get_task_type(task_type)
    difficulty = request.args.get("difficulty", "easy")
    if difficulty not in DIFFICULTIES:
        raise ApiError(f"difficulty must be one of {', '.join(DIFFICULTIES)}", "difficulty")
    seed_text = request.args.get("seed")
    seed = parse_seed(seed_text) if seed_text not in (None, "") else services.random_seed()
    response = jsonify(public_item(services.get_item(task_type, difficulty, seed)))
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.post("/practice/<task_type>/submit")
def practice_submit(task_type):
    task = get_task_type(task_type)
    body = json_body()
    if "answer" not in body:
        raise ApiError("the body needs an 'answer'", "answer")
    item = services.item_from_id(task_type, body.get("item_id"))
    elapsed_ms = body.get("elapsed_ms")
    if elapsed_ms is not None and (isinstance(elapsed_ms, bool) or not isinstance(elapsed_ms, int)
                                   or not 0 <= elapsed_ms <= MAX_ELAPSED_MS):
        raise ApiError(f"elapsed_ms must be a whole number of milliseconds up to {MAX_ELAPSED_MS}", "elapsed_ms")
    answer, result = services.grade(item, body["answer"])
    if current_user.is_authenticated:
        services.record_practice(current_user.id, item, answer, result, elapsed_ms)
    else:
        services.remember_in_session(session, task_type, result.score)
    payload = result_payload(task_type, result)
    payload.update(item_id=item.item_id, gold=item.gold,
                   guide_url=url_for("guides.show", slug=task.guide_slug))
    return jsonify(payload)


@api_bp.post("/score/<task_type>")
def stateless_score(task_type):
    """Grade any gold against any answer: for teams checking their own annotators."""
    task = get_task_type(task_type)
    body = json_body()
    for name in ("gold", "answer"):
        if name not in body:
            raise ApiError(f"the body needs '{name}'", name)
    gold = task.validate_answer(body["gold"], None, "gold")
    answer = task.validate_answer(body["answer"], None, "answer")
    params = task.validate_params(body.get("params"))
    result = task.score(gold, answer, params)
    return jsonify(result_payload(task_type, result))


# Assessments: always the logged-in owner's; anyone else gets the same 404 as a missing test.

def owned_assessment(assessment_id: int, for_update: bool = False):
    if not current_user.is_authenticated:
        raise ApiError("log in to take assessments", None, 401)
    assessment = services.get_owned_assessment(assessment_id, current_user.id, for_update)
    if assessment is None:
        raise ApiError("no such assessment", "assessment_id", 404)
    return assessment


def assessment_payload(assessment) -> dict:
    payload = {
        "id": assessment.id, "task_type": assessment.task_type, "status": assessment.status,
        "deadline": assessment.deadline_at.isoformat(), "seconds_left": services.seconds_left(assessment),
        "item_count": assessment.item_count, "pass_mark": assessment.pass_mark,
        "time_limit_seconds": assessment.time_limit_seconds,
        "review_url": url_for("practice.assessment_review", assessment_id=assessment.id),
    }
    if assessment.status == "in_progress":
        payload["items"] = [public_item(item) for item in services.assessment_items(assessment)]
        payload["answers"] = {str(saved.position): saved.answer for saved in assessment.answers}
    else:
        payload.update(score=assessment.score, passed=assessment.passed)
    return payload


@api_bp.get("/assessments/<id:assessment_id>")
def assessment_detail(assessment_id):
    assessment = services.expire_if_overdue(owned_assessment(assessment_id))
    response = jsonify(assessment_payload(assessment))
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.put("/assessments/<id:assessment_id>/answers/<int:position>")
def assessment_save(assessment_id, position):
    assessment = owned_assessment(assessment_id, for_update=True)
    body = json_body()
    if "answer" not in body:
        raise ApiError("the body needs an 'answer'", "answer")
    try:
        services.save_answer(assessment, position, body["answer"])
    except services.AssessmentClosed as closed:
        raise ApiError(closed.message, None, closed.status) from None
    return jsonify({"saved": True, "position": position})


@api_bp.post("/assessments/<id:assessment_id>/submit")
def assessment_submit(assessment_id):
    assessment = owned_assessment(assessment_id, for_update=True)
    try:
        services.submit_assessment(assessment)
    except services.AssessmentClosed as closed:
        raise ApiError(closed.message, None, closed.status) from None
    certificate = services.certificate_for(assessment)
    return jsonify({
        "status": assessment.status, "score": assessment.score, "passed": assessment.passed,
        "review_url": url_for("practice.assessment_review", assessment_id=assessment.id),
        "certificate_url": url_for("practice.certificate", token=certificate.token) if certificate else None,
    })
