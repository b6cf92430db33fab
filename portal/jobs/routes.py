"""Job-board pages: the board, one posting, saving jobs and searches, Atom feeds, the admin view."""

from urllib.parse import parse_qsl, urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.db_types import utcnow
from portal.jobs import feeds, services
from portal.jobs.blueprint import bp
from portal.jobs.forms import BoardFilterForm, DeleteForm, SaveJobForm, SaveSearchForm
from portal.jobs.search import JobQuery, QueryError, parse_job_query, search_postings

SCAM_GUIDE = "recognising-job-scams"
FEED_MAX_AGE = 15 * 60


def local_path_or(target: str | None, default: str) -> str:
    """Only same-site paths are redirect targets (no open redirect through `next`)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.get("/jobs", strict_slashes=False)
def board():
    form = BoardFilterForm(request.args)
    try:
        query = parse_job_query(request.args)
        error = None
    except QueryError as problem:
        query, error = JobQuery(), problem
        getattr(form, problem.field, form.q).errors = [problem.message]
    results = search_postings(query) if error is None else None
    saved_ids = set()
    if results and current_user.is_authenticated:
        saved_ids = services.saved_posting_ids(current_user.id, [posting.id for posting in results.postings])
    save_form = SaveSearchForm(params=urlencode(query.with_page(1).as_params())) \
        if current_user.is_authenticated and error is None else None
    return render_template("jobs/board.html", form=form, query=query, results=results, error=error,
                           saved_ids=saved_ids, save_form=save_form, save_job_form=SaveJobForm(),
                           demo=services.demo_snapshot_shown()), 400 if error else 200


@bp.get("/jobs/<id:posting_id>")
def show(posting_id):
    posting = services.get_posting(posting_id)
    if posting is None:
        abort(404)
    is_saved = current_user.is_authenticated and bool(services.saved_posting_ids(current_user.id, [posting.id]))
    return render_template("jobs/show.html", posting=posting, is_saved=is_saved, form=SaveJobForm(),
                           task_infos=services.task_infos(posting.task_types),
                           source_kinds=services.source_kinds([link.source_name for link in posting.links]), scam_guide=SCAM_GUIDE)


@bp.post("/jobs/<id:posting_id>/save")
@login_required
def save(posting_id):
    form = SaveJobForm()
    if not form.validate_on_submit():
        abort(400)
    if not services.save_job(current_user.id, posting_id):
        abort(404)
    flash("Saved. Find it again on your profile.", "success")
    return redirect(local_path_or(form.next.data, url_for("jobs.show", posting_id=posting_id)))


@bp.post("/jobs/<id:posting_id>/unsave")
@login_required
def unsave(posting_id):
    form = SaveJobForm()
    if not form.validate_on_submit():
        abort(400)
    services.unsave_job(current_user.id, posting_id)
    flash("Removed from your saved jobs.", "info")
    return redirect(local_path_or(form.next.data, url_for("jobs.show", posting_id=posting_id)))


@bp.post("/jobs/searches")
@login_required
def save_search():
    form = SaveSearchForm()
    if not form.validate_on_submit():
        flash("Give the search a name (up to 80 characters) to save it.", "error")
        return redirect(url_for("jobs.board"))
    params = dict(parse_qsl(form.params.data or "", keep_blank_values=False))
    try:
        query = parse_job_query(params)
    except QueryError as problem:
        flash(f"That search cannot be saved: {problem.message}.", "error")
        return redirect(url_for("jobs.board"))
    try:
        services.create_saved_search(current_user.id, form.name.data, query)
    except services.SavedSearchLimit as limit:
        flash(str(limit).capitalize() + ".", "error")
        return redirect(url_for("jobs.board", **query.as_params()))
    flash("Search saved. Its feed and a link back are on your profile.", "success")
    return redirect(url_for("jobs.board", **query.as_params()))


@bp.post("/jobs/searches/<id:search_id>/delete")
@login_required
def delete_search(search_id):
    if not DeleteForm().validate_on_submit():
        abort(400)
    if not services.delete_saved_search(current_user.id, search_id):
        abort(404)
    flash("Saved search deleted; its feed address no longer works.", "info")
    return redirect(url_for("accounts.profile"))


@bp.get("/jobs/feeds/<token>.atom")
def feed(token):
    saved = services.saved_search_by_token(token)
    if saved is None:
        abort(404)
    postings = services.feed_postings(saved)
    entries = [feeds.FeedEntry(
        entry_id=url_for("jobs.show", posting_id=posting.id, _external=True),
        title=posting.title, link=url_for("jobs.show", posting_id=posting.id, _external=True),
        updated=posting.posted_at or posting.first_seen_at, author=posting.company,
        summary=" · ".join(part for part in (posting.company, posting.location, services.pay_label(posting)) if part)
        + ("\n\n" + posting.description_text[:500] if posting.description_text else ""),
    ) for posting in postings]
    updated = max((entry.updated for entry in entries), default=saved.created_at)
    body = feeds.atom_feed(
        feed_id=f"urn:annotator-portal:saved-search:{saved.feed_token}",
        title=f"{saved.name}: jobs on Annotator Portal",
        self_url=url_for("jobs.feed", token=token, _external=True),
        alternate_url=url_for("jobs.board", _external=True, **saved.params),
        updated=updated or utcnow(), entries=entries)
    response = current_app.response_class(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/jobs/admin/sources")
def admin_sources():
    """Admins only; everyone else gets the same 404 as a missing page."""
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(404)
    return render_template("jobs/admin_sources.html", sources=services.job_sources())
