"""Guide pages: the index, one guide, search, and marking a guide read."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.guides import services
from portal.guides.blueprint import bp, get_index, get_library
from portal.guides.forms import MarkReadForm
from portal.guides.search import MAX_QUERY_LENGTH
from portal.page_cache import anonymous_page
from portal.practice.catalog import practice_title


@bp.get("", strict_slashes=False)
def index():
    library = get_library()
    slugs_read = services.read_slugs(current_user.id) if current_user.is_authenticated else set()
    return render_template("guides/index.html", groups=library.by_category(),
                           slugs_read=slugs_read, total=len(library))


@bp.get("/search")
def search():
    query = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]

    def render():
        hits = get_index().search(query) if query else []
        return render_template("guides/search.html", query=query, hits=hits)
    return anonymous_page(("guides.search", query), render)


@bp.get("/<slug>")
def show(slug):
    library = get_library()
    guide = library.get(slug)
    if guide is None:
        abort(404)

    def render():
        previous, following = library.neighbours(slug)
        is_read = current_user.is_authenticated and slug in services.read_slugs(current_user.id)
        form = MarkReadForm(read="0" if is_read else "1") if current_user.is_authenticated else None
        return render_template("guides/show.html", guide=guide, previous=previous, following=following,
                               is_read=is_read, form=form,
                               practice_title=practice_title(guide.practice) if guide.practice else None)
    return anonymous_page(("guides.show", slug), render)


@bp.post("/<slug>/read")
@login_required
def mark_read(slug):
    if get_library().get(slug) is None:
        abort(404)
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    read = form.read.data != "0"
    services.set_read(current_user.id, slug, read)
    flash("Marked as read. Nice work!" if read else "Marked as unread.", "success")
    return redirect(url_for("guides.show", slug=slug))
