"""Sign-in, registration, sign-out, profile and password pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import bp, services, sessions, tokens, verification
from app.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    RevokeTokenForm,
    SetPasswordForm,
    TokenForm,
)
from app.accounts.navigation import home_endpoint, is_safe_next
from app.core.errors import PodiumError
from app.core.forms import submit_form
from app.core.timeutil import utcnow
from app.skills.levels import format_skill_entries


def _start_session(user, *, remember: bool = False) -> None:
    """A fresh session at sign-in: nothing set before it (fixation) survives, and the server keeps a
    row for it that sign-out ends."""
    session.clear()
    sessions.start_session(user)
    login_user(user, remember=remember)


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    outcome = submit_form(
        form,
        lambda: services.authenticate(form.email.data, form.password.data, _client()),
    )
    if outcome.done:
        _start_session(outcome.result, remember=bool(form.remember.data))
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for(home_endpoint(outcome.result)))
    return render_template("accounts/login.html", form=form), outcome.status


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = RegisterForm()
    outcome = submit_form(
        form,
        lambda: verification.sign_up(form.email.data, form.display_name.data, form.password.data, _client()),
    )
    if outcome.done and outcome.result is not None:
        _start_session(outcome.result)
        flash(
            f"Welcome to Podium. We sent a link to {outcome.result.email}: open it to confirm your address.",
            "success",
        )
        return redirect(url_for("accounts.verify_status"))
    return render_template("accounts/register.html", form=form), outcome.status


@bp.route("/account/verify", methods=["GET", "POST"])
@login_required
def verify_status():
    """Whether the address is confirmed, and a button to send the link again."""
    form = ConfirmForm()
    outcome = submit_form(form, lambda: verification.resend_verification(current_user, _client()))
    if outcome.done:
        if outcome.result:
            flash(f"We sent a new link to {current_user.email}. Earlier links no longer work.", "success")
        return redirect(url_for("accounts.verify_status"))
    return render_template("accounts/verify_status.html", form=form), outcome.status


@bp.route("/account/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """An e-mailed link opens a page; only its button (a POST) confirms the address."""
    form = ConfirmForm()
    if request.method == "GET":
        try:
            person = verification.check_verification_link(token)
        except PodiumError as error:
            return render_template("accounts/link_refused.html", message=error.message), error.status
        return render_template("accounts/verify_email.html", form=form, person=person)
    outcome = submit_form(form, lambda: verification.verify_email(token))
    if outcome.done and outcome.result is not None:
        flash(f"Thank you: {outcome.result.email} is confirmed.", "success")
        if current_user.is_authenticated:
            return redirect(url_for(home_endpoint(current_user)))
        return redirect(url_for("accounts.login"))
    message = form.form_errors[-1] if form.form_errors else "The form expired; open the link again."
    return render_template("accounts/link_refused.html", message=message), outcome.status


@bp.route("/account/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    outcome = submit_form(form, lambda: verification.request_password_reset(form.email.data, _client()))
    if outcome.done:
        return render_template("accounts/reset_sent.html", email=form.email.data.strip())
    return render_template("accounts/forgot_password.html", form=form), outcome.status


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = SetPasswordForm()
    if request.method == "GET":
        try:
            verification.check_reset_link(token)
        except PodiumError as error:
            return render_template("accounts/link_refused.html", message=error.message), error.status
    outcome = submit_form(form, lambda: verification.reset_password(token, form.password.data))
    if outcome.done:
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(
            "Your password was changed and every device was signed out. Sign in with the new password.",
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), outcome.status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        sessions.end_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    outcome = submit_form(
        form,
        lambda: services.change_password(current_user, form.current_password.data, form.new_password.data),
    )
    if outcome.done:
        # The session version moved on; sign this browser in again with the new one.
        _start_session(current_user._get_current_object())
        flash("Your password was changed. Other devices have been signed out.", "success")
        return redirect(url_for(home_endpoint(current_user)))
    return render_template("accounts/change_password.html", form=form), outcome.status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm()
    if request.method == "GET":
        form.display_name.data = current_user.display_name
        form.timezone.data = current_user.timezone
        form.skills.data = format_skill_entries(
            sorted(
                ((row.skill.name, row.level) for row in current_user.skill_levels), key=lambda p: p[0].lower()
            )
        )
        form.hours_available_per_week.data = current_user.hours_available_per_week
        form.shows_on_leaderboard.data = current_user.shows_on_leaderboard
    outcome = submit_form(
        form,
        lambda: services.update_profile(
            current_user,
            display_name=form.display_name.data,
            timezone=form.timezone.data.strip(),
            skills=(form.skills.data or "").split(","),
            hours_available_per_week=form.hours_available_per_week.data,
            shows_on_leaderboard=bool(form.shows_on_leaderboard.data),
        ),
    )
    if outcome.done:
        flash("Your profile was saved.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form), outcome.status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    form = SetPasswordForm()
    outcome = submit_form(form, lambda: services.set_password_from_invitation(token, form.password.data))
    if outcome.done:
        _start_session(outcome.result)
        flash("Your password is set. Welcome to Podium.", "success")
        return redirect(url_for(home_endpoint(outcome.result)))
    return render_template("accounts/set_password.html", form=form), outcome.status


def _render_tokens(form: TokenForm, status: int = 200, issued: tokens.IssuedToken | None = None):
    return (
        render_template(
            "accounts/tokens.html",
            form=form,
            revoke_form=RevokeTokenForm(),
            tokens=tokens.tokens_of(current_user),
            issued=issued,
            now=utcnow(),
        ),
        status,
    )


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    """Personal API tokens: the new one's secret is shown in this answer only, never stored or shown again."""
    form = TokenForm()
    outcome = submit_form(
        form,
        lambda: tokens.issue_token(
            current_user, form.name.data, scope=form.scope.data, lifetime_days=form.lifetime_days.data
        ),
    )
    if outcome.done:
        page, status = _render_tokens(TokenForm(formdata=None), 200, outcome.result)
        return page, status, {"Cache-Control": "no-store"}  # the secret must not linger in a cache
    return _render_tokens(form, outcome.status)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    form = RevokeTokenForm()
    if form.validate_on_submit():
        tokens.revoke_token(token_id, current_user)
        flash("The token was revoked; it stopped working at once.", "success")
    else:
        flash("The form expired; try again.", "error")
    return redirect(url_for("accounts.api_tokens"))
