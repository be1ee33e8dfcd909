"""Sign-in, registration, sign-out and password change pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import bp, services
from app.accounts.forms import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from app.accounts.navigation import home_endpoint, is_safe_next
from app.errors import PodiumError


def _form_error(form, error: PodiumError) -> None:
    """Show a service's refusal beside the field it names, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "unknown"
            )
        except PodiumError as error:
            form.form_errors.append(error.message)
            status = error.status
        else:
            # A fresh session at login: nothing set before sign-in (fixation) survives it.
            session.clear()
            login_user(user, remember=form.remember.data)
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for(home_endpoint(user)))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.register_user(form.email.data, form.display_name.data, form.password.data)
        except PodiumError as error:
            _form_error(form, error)
            status = error.status
        else:
            session.clear()
            login_user(user)
            flash("Welcome to Podium. Your account is ready.", "success")
            return redirect(url_for(home_endpoint(user)))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/register.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except PodiumError as error:
            _form_error(form, error)
            status = error.status
        else:
            # The session version moved on; sign this browser in again with the new one.
            session.clear()
            login_user(current_user._get_current_object())
            flash("Your password was changed. Other devices have been signed out.", "success")
            return redirect(url_for(home_endpoint(current_user)))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm()
    if request.method == "GET":
        form.display_name.data = current_user.display_name
        form.timezone.data = current_user.timezone
        form.skills.data = ", ".join(skill.name for skill in current_user.skills)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                display_name=form.display_name.data,
                timezone=form.timezone.data.strip(),
                skills=(form.skills.data or "").split(","),
            )
        except PodiumError as error:
            _form_error(form, error)
            status = error.status
        else:
            flash("Your profile was saved.", "success")
            return redirect(url_for("accounts.profile"))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/profile.html", form=form), status
