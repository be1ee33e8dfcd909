"""Account services: the only code that creates or changes organisations, users and roles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from app.accounts.hooks import account_email
from app.accounts.models import LoginFailure, Organization, OrganizationDomain, User, UserRole
from app.accounts.passwords import burn_verification_time, hash_password, needs_rehash, verify_password
from app.accounts.sessions import end_every_session
from app.core import audit
from app.core.access import Role
from app.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from app.core.text import TextError, clean_name
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.skills import services as skills_service
from app.skills.levels import SkillLevel
from app.skills.models import Skill, UserSkill

MIN_PASSWORD_LENGTH = 10
_DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
INVALID_CREDENTIALS = "Invalid e-mail or password."
TOO_MANY_ATTEMPTS = "Too many failed sign-in attempts. Wait a few minutes and try again."


def email_key(email: str) -> str:
    """The form of an e-mail address used for uniqueness and lookup: trimmed and lower-cased."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email_key == email_key(email)))


def check_password_strength(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.", field=field)


def organization_for_email(email: str) -> Organization | None:
    """The organisation that owns the address's domain, if any."""
    domain = email_key(email).rsplit("@", 1)[-1]
    entry = db.session.scalar(select(OrganizationDomain).where(OrganizationDomain.domain == domain))
    return entry.organization if entry else None


@atomic
def checked_display_name(display_name: str) -> str:
    """The name others will see, cleaned (spaces collapsed, bidi controls removed), or
    ValidationFailed when it is empty, holds a control character or shows nothing."""
    if not (display_name or "").strip():
        raise ValidationFailed("Enter the name other people will see.", field="display_name")
    try:
        return clean_name(display_name, what="name")
    except TextError as error:
        raise ValidationFailed(str(error), field="display_name") from None


def register_user(
    email: str,
    display_name: str,
    password: str,
    *,
    roles: Iterable[Role] = (Role.CONTRIBUTOR,),
    organization: Organization | None = None,
    actor: User | None = None,
    email_verified: bool = False,
    commit: bool = True,
) -> User:
    """Create an account.

    Only a verified address (``email_verified``: the caller vouches for it, as the operator's shell
    and the demo seed do) makes the person a member of the organisation owning its domain; otherwise
    they join ``organization`` if one is given, or none until they verify (``accounts.verification``).
    ``commit=False`` leaves the commit to a calling service of this domain.
    """
    email = email.strip()
    if "@" not in email:
        raise ValidationFailed("Enter a valid e-mail address.", field="email")
    try:  # every way in (the form, an invitation, the API, the shell) is held to the same rule
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed(
            f"That is not an e-mail address Podium can write to: {error}", field="email"
        ) from None
    display_name = checked_display_name(display_name)
    check_password_strength(password)
    if find_user_by_email(email) is not None:
        raise Conflict("An account with this e-mail address already exists.", field="email")
    user = User(
        email=email,
        email_key=email_key(email),
        display_name=display_name,
        password_hash=hash_password(password),
        organization=organization or (organization_for_email(email) if email_verified else None),
        email_verified_at=utcnow() if email_verified else None,
    )
    user.role_grants = [UserRole(role=Role(role).value) for role in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.registered",
        user,
        actor=actor or user,
        roles=sorted(r.value for r in user.roles),
        email_verified=email_verified,
    )
    if commit:
        db.session.commit()
    return user


def _recent_failures(column, value: str) -> int:
    since = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    return db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(column == value, LoginFailure.occurred_at >= since)
    )


@atomic
def authenticate(email: str, password: str, remote_addr: str) -> User:
    """Check a login; raise the same generic error for an unknown e-mail and a wrong password.

    Failures are counted per e-mail tried and per client address inside a sliding window; past either
    limit every attempt is refused, right password or not, until the window moves on.
    """
    key = email_key(email)
    config = current_app.config
    too_many = (
        _recent_failures(LoginFailure.email, key) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(LoginFailure.remote_addr, remote_addr) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )
    if too_many:
        burn_verification_time(password)
        raise RateLimited(TOO_MANY_ATTEMPTS)

    user = find_user_by_email(key)
    if user is None:
        burn_verification_time(password)
    if user is None or not verify_password(user.password_hash, password) or not user.is_active:
        db.session.add(LoginFailure(email=key, remote_addr=remote_addr))
        audit.record("user.login_failed", subject_type="login", subject_id=None, remote_addr=remote_addr)
        db.session.commit()
        raise PermissionDenied(INVALID_CREDENTIALS)

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == key))
    audit.record("user.logged_in", user, actor=user, remote_addr=remote_addr)
    db.session.commit()
    return user


@atomic
def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password and invalidate every other session of this user."""
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed("Your current password is not correct.", field="current_password")
    check_password_strength(new_password, field="new_password")
    if current_password == new_password:
        raise ValidationFailed("Choose a password different from the current one.", field="new_password")
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    ended = end_every_session(user)  # this browser too: the view signs it in again
    audit.record("user.password_changed", user, actor=user, sessions_ended=ended)
    db.session.commit()


def normalise_domains(domains: Iterable[str]) -> list[str]:
    cleaned = []
    for raw in domains:
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if not _DOMAIN_PATTERN.match(domain):
            raise ValidationFailed(
                f"{raw.strip()!r} is not an e-mail domain such as example.com.", field="domains"
            )
        cleaned.append(domain)
    return list(dict.fromkeys(cleaned))


def _require_admin(actor: User | None) -> None:
    """``actor`` None is the operator at the shell (``flask users ...``) or the demo seed; any person
    acting must be an administrator."""
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only administrators can manage organisations and roles.")


def _role(value: Role | str, field: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise ValidationFailed(f"{value!r} is not a role; choose one of {choices}.", field=field) from None


@atomic
def create_organization(
    name: str,
    domains: Iterable[str] = (),
    *,
    is_host: bool = False,
    is_sponsor: bool = False,
    actor: User | None = None,
) -> Organization:
    """Create an organisation that owns the given e-mail domains; only one may be the host."""
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the organisation a name.", field="name")
    if db.session.scalar(select(Organization).where(func.lower(Organization.name) == name.lower())):
        raise Conflict(f"An organisation named {name!r} already exists.", field="name")
    cleaned = normalise_domains(domains)
    taken = db.session.scalars(
        select(OrganizationDomain.domain).where(OrganizationDomain.domain.in_(cleaned))
    ).all()
    if taken:
        raise Conflict(
            f"These domains already belong to another organisation: {', '.join(taken)}.", field="domains"
        )
    if is_host and db.session.scalar(select(Organization).where(Organization.is_host)):
        raise Conflict("There is already a host organisation.", field="is_host")
    organization = Organization(
        name=name,
        is_host=is_host,
        is_sponsor=is_sponsor,
        domains=[OrganizationDomain(domain=domain) for domain in cleaned],
    )
    db.session.add(organization)
    db.session.flush()
    # People who registered (and verified their address) before their organisation existed join it now.
    if cleaned:
        for user in db.session.scalars(
            select(User).where(User.organization_id.is_(None), User.email_verified_at.is_not(None))
        ):
            if user.email_domain in cleaned:
                user.organization = organization
    audit.record(
        "organization.created",
        organization,
        actor=actor,
        domains=cleaned,
        is_host=is_host,
        is_sponsor=is_sponsor,
    )
    db.session.commit()
    return organization


@atomic
def grant_role(user: User, role: Role | str, *, actor: User | None = None) -> None:
    """Give ``user`` a role; a sponsor must belong to an organisation, which becomes a sponsor."""
    role = Role(role)
    if role in user.roles:
        return
    if role is Role.SPONSOR:
        if user.organization is None:
            raise ValidationFailed("A sponsor must belong to an organisation.", field="role")
        user.organization.is_sponsor = True
    user.role_grants.append(UserRole(role=role.value))
    audit.record("user.role_granted", user, actor=actor, role=role.value)
    db.session.commit()


def organizations_named(name: str) -> list[Organization]:
    """The organisation with this name, compared without case (a list of at most one)."""
    return list(
        db.session.scalars(select(Organization).where(func.lower(Organization.name) == name.strip().lower()))
    )


def get_organization(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("No such organisation.")
    return organization


@atomic
def give_role(user_id: int, role: Role | str, *, actor: User | None) -> User:
    """An administrator (or the operator) grants a role. A sponsor must have confirmed their address and
    belong to an organisation, which then sponsors."""
    _require_admin(actor)
    user = get_user(user_id)
    role = _role(role)
    if role in user.roles:
        return user
    if role in (Role.SPONSOR, Role.ADMIN) and not user.is_email_verified:
        raise Conflict(
            f"{user.email} is not confirmed yet; the person must confirm it before becoming {role.value}.",
            field="role",
        )
    grant_role(user, role, actor=actor)
    return user


@atomic
def take_role(user_id: int, role: Role | str, *, actor: User | None) -> User:
    """An administrator (or the operator) withdraws a role; it stops counting on the next request."""
    _require_admin(actor)
    user = get_user(user_id)
    role = _role(role)
    grant = next((grant for grant in user.role_grants if grant.role == role.value), None)
    if grant is None:
        return user
    if role is Role.ADMIN and actor is not None and actor.id == user.id:
        raise Conflict("You cannot take away your own administrator role.", field="role")
    user.role_grants.remove(grant)
    audit.record("user.role_revoked", user, actor=actor, role=role.value)
    db.session.commit()
    return user


@atomic
def invite_member(
    organization_id: int, email: str, display_name: str, role: Role | str, *, actor: User | None
) -> User:
    """Add a person to an organisation with a role (the first sponsor, say), by e-mail.

    Someone without an account gets one with no password and an invitation link (single-use, 14 days)
    to set it; accepting confirms the address. Someone with a confirmed account in no organisation, or
    in this one, joins it with the role. Anyone else is refused: an unconfirmed account may not be its
    address's owner, and a member of another organisation must leave it first.
    """
    _require_admin(actor)
    organization = get_organization(organization_id)
    role = _role(role)
    email = (email or "").strip()
    if "@" not in email or len(email) > 320:
        raise ValidationFailed("Enter the person's e-mail address.", field="email")
    user = find_user_by_email(email)
    created = user is None
    if user is None:
        user = User(
            email=email,
            email_key=email_key(email),
            display_name=(display_name or "").strip() or email.split("@", 1)[0],
            password_hash=UNUSABLE_PASSWORD_HASH,
            organization=organization,
        )
        user.role_grants = [UserRole(role=role.value)]
        db.session.add(user)
        db.session.flush()
        url = public_url(invitation_link(user))
        body = (
            f"Hello {user.display_name},\n\nYou are invited to join {organization.name} on Podium as "
            f"{role.value}. Choose your password within 14 days here:\n\n{url}\n\n"
            "The link works once. If you were not expecting this, ignore this message."
        )
    else:
        if not user.is_email_verified:
            raise Conflict(
                f"{user.email} has an account whose owner has not confirmed the address yet; they must "
                "confirm it before they can be added.",
                field="email",
            )
        if user.organization_id not in (None, organization.id):
            raise Conflict(f"{user.email} belongs to another organisation.", field="email")
        user.organization = organization
        if role not in user.roles:
            user.role_grants.append(UserRole(role=role.value))
        body = (
            f"Hello {user.display_name},\n\nYou are now a member of {organization.name} on Podium, "
            f"with the {role.value} role. Sign in at {public_url('/login')}."
        )
    if role is Role.SPONSOR:
        organization.is_sponsor = True
    subject = (
        f"You are invited to join {organization.name} on Podium"
        if created
        else f"You were added to {organization.name} on Podium"
    )
    account_email.answers(user.email, subject=subject, body=body)
    audit.record(
        "organization.member_invited",
        organization,
        actor=actor,
        user_id=user.id,
        role=role.value,
        new_account=created,
    )
    db.session.commit()
    return user


@atomic
def set_manager(user: User, manager: User | None, *, actor: User | None = None) -> None:
    """Record who ``user`` reports to, refusing a chain that would loop back to them."""
    cursor = manager
    while cursor is not None:
        if cursor.id == user.id:
            raise ValidationFailed("That would make a reporting cycle.", field="manager")
        cursor = cursor.manager
    user.manager = manager
    audit.record("user.manager_set", user, actor=actor, manager_id=manager.id if manager else None)
    db.session.commit()


def host_domains() -> set[str]:
    """E-mail domains whose people are internal: the host organisation's plus INTERNAL_EMAIL_DOMAINS."""
    owned = db.session.scalars(
        select(OrganizationDomain.domain).join(Organization).where(Organization.is_host)
    ).all()
    return set(owned) | set(current_app.config["INTERNAL_EMAIL_DOMAINS"])


def is_internal(user: User, domains: set[str] | None = None) -> bool:
    """A contributor is internal when their verified e-mail address is at one of the host's domains.

    A caller asking about many people passes ``host_domains()`` once as ``domains``."""
    return user.is_email_verified and user.email_domain in (host_domains() if domains is None else domains)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


MAX_HOURS_AVAILABLE = 60
UNUSABLE_PASSWORD_HASH = "!invited"  # noqa: S105 - matches no password: argon2 refuses it as a hash
_KEEP: object = object()


def _set_skill_levels(user: User, pairs: list[tuple[Skill, SkillLevel]]) -> None:
    current = {row.skill.slug: row for row in user.skill_levels}
    kept = []
    for skill, level in pairs:
        row = current.get(skill.slug) or UserSkill(skill=skill)
        row.level = int(level)
        kept.append(row)
    user.skill_levels = kept


@atomic
def update_profile(
    user: User,
    *,
    display_name: str,
    timezone: str,
    skills: Iterable[str],
    hours_available_per_week: int | object | None = _KEEP,
    shows_on_leaderboard: bool | object = _KEEP,
) -> None:
    """Change the name others see, the timezone times are shown in, the skills listed (each may carry
    a level: "Python: expert"), and, when given, weekly availability and the leaderboard opt-in."""
    display_name = checked_display_name(display_name)
    if timezone not in available_timezones():
        raise ValidationFailed(f"{timezone!r} is not a timezone such as Europe/Paris.", field="timezone")
    if hours_available_per_week is not _KEEP:
        if hours_available_per_week is not None and not (
            isinstance(hours_available_per_week, int) and 0 <= hours_available_per_week <= MAX_HOURS_AVAILABLE
        ):
            raise ValidationFailed(
                f"Give your availability as 0 to {MAX_HOURS_AVAILABLE} hours a week.",
                field="hours_available_per_week",
            )
        user.hours_available_per_week = hours_available_per_week
    if shows_on_leaderboard is not _KEEP:
        user.shows_on_leaderboard = bool(shows_on_leaderboard)
    user.display_name = display_name
    user.timezone = timezone
    _set_skill_levels(user, skills_service.skill_levels(skills))
    audit.record(
        "user.profile_updated",
        user,
        actor=user,
        timezone=timezone,
        skills={row.skill.slug: row.level for row in user.skill_levels},
        hours_available_per_week=user.hours_available_per_week,
        shows_on_leaderboard=user.shows_on_leaderboard,
    )
    db.session.commit()


def new_invited_user(email: str, display_name: str) -> User:
    """A building block for imports: an account with no usable password yet, added to the session
    (the caller commits). The person sets a password through ``invitation_link``.

    The address counts as confirmed: an administrator imports it from the organisation's own directory
    (as the operator vouches at the shell), and nobody can sign in to it but through the invitation
    e-mailed to it."""
    email = email.strip()
    user = User(
        email=email,
        email_key=email_key(email),
        display_name=checked_display_name(display_name),
        password_hash=UNUSABLE_PASSWORD_HASH,
        organization=organization_for_email(email),
        email_verified_at=utcnow(),
    )
    user.role_grants = [UserRole(role=Role.CONTRIBUTOR.value)]
    db.session.add(user)
    return user


INVITATION_MAX_AGE_SECONDS = 14 * 24 * 3600


def _invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="podium-invitation")


def public_url(path: str) -> str:
    """``path`` on this site as a full address, for e-mails read outside any browser (``PUBLIC_URL``,
    never the request's Host header, which the client chooses)."""
    return current_app.config["PUBLIC_URL"] + path


def invitation_link(user: User) -> str:
    """A path that lets an invited person set their first password; it works once, for 14 days."""
    token = _invitation_serializer().dumps({"user": user.id, "version": user.session_version})
    return f"/invitation/{token}"  # the accounts.accept_invitation route; no request needed to build it


@atomic
def set_password_from_invitation(token: str, password: str) -> User:
    """Set the password of an invited account; the link stops working once used."""
    try:
        data = _invitation_serializer().loads(token, max_age=INVITATION_MAX_AGE_SECONDS)
    except SignatureExpired:
        raise PermissionDenied("This invitation link has expired; ask for a new one.") from None
    except BadSignature:
        raise PermissionDenied("This invitation link is not valid.") from None
    user = db.session.get(User, data.get("user"))
    if user is None or user.session_version != data.get("version"):
        raise PermissionDenied("This invitation link was already used; sign in instead.")
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    # The link came by e-mail: the address is theirs.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    if user.organization is None:
        user.organization = organization_for_email(user.email)
    audit.record("user.invitation_accepted", user, actor=user, organization_id=user.organization_id)
    db.session.commit()
    return user
