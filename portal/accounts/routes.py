"""Account pages."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import services
from portal.accounts.blueprint import bp
from portal.accounts.forms import LoginForm, LogoutForm, RegistrationForm
from portal.extensions import limiter
from portal.guides.blueprint import get_library
from portal.practice import services as practice_services
from portal.guides import services as guide_services

LOGIN_FAILED = "Invalid username/email or password."


def safe_next_url(target: str | None) -> str:
    """Only same-site relative paths may be redirect targets after login (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("accounts.profile")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(form.username.data, form.email.data, form.password.data)
        except services.RegistrationRefused as refusal:
            form.username.errors.append(str(refusal))
        else:
            login_user(user)
            flash(f"Welcome, {user.name}! Your account is ready.", "success")
            return redirect(url_for("accounts.profile"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(safe_next_url(request.args.get("next")))
        form.password.errors.append(LOGIN_FAILED)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = LogoutForm()
    if request.method == "POST":
        if form.validate_on_submit():
            logout_user()
            flash("You are logged out. See you soon!", "info")
            return redirect(url_for("home.index"))
        return render_template("accounts/logout.html", form=form), 400
    if not current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("accounts/logout.html", form=form)


@bp.get("/profile")
@login_required
def profile():
    library = get_library()
    slugs_read = guide_services.read_slugs(current_user.id)
    read_guides = [guide for guide in library.guides if guide.slug in slugs_read]
    return render_template(
        "accounts/profile.html",
        progress=guide_services.progress_by_category(library, slugs_read),
        read_guides=read_guides, total=len(library), read_count=len(read_guides),
        next_guide=next((guide for guide in library.guides if guide.slug not in slugs_read), None),
        certificates=practice_services.user_certificates(current_user.id),
    )
