"""The permission matrix: every route in the URL map, for every role, answers the status in EXPECTED.

How to read a row: ``web(...)`` and ``api(...)`` start from the usual answer for a role that may not
use the route and list only who differs.

- ``web(...)``: anonymous visitors, and API tokens (a token is no credential for a page, so the token
  roles are anonymous there), are sent to sign in (LOGIN); every signed-in role gets 403.
- ``api(...)``: anonymous callers get 401; every signed-in role (a browser session, writes with its
  CSRF header) gets 403. The token roles hold the admin's tokens: the read-write one answers as the
  admin does, the read-only one too for reads but 403 (insufficient_scope) for every write.
- ``everyone(status)``: the same answer whoever asks.

Role groups name several columns at once: ``people`` (every signed-in person), ``contributors`` (the
three entrants), ``contributor_role`` (everyone holding that role, the sponsor organisation's plain
member and the manager too), ``judges``, ``sponsors``; a role's own name wins over its group. A cell is
a status code, LOGIN (a 302 to the sign-in page), or ``known(status, why)`` for an answer that is wrong
today and left for a larger fix (the test expects today's answer there, so it still notices any change;
there are none today). The sound answer to something a role may not even know exists (a draft, someone
else's entry, token or notification) is 404; 403 is for what the role can see but not use.

Each request is made from the scene in tests/main/permission_scene.py with the address in ADDRESSES
and the body in BODIES (valid for the role that may act, so a refusal is the permission's and not the
form's). AT_A_DRAFT asks some routes again at the address of a draft, where the main row uses a public
challenge. Reads and the requests the table expects refused change nothing, so they run side by side,
a thread per role; the others run one at a time, each followed by putting the scene's rows back.

Adding a route: add its row to EXPECTED (and its address to ADDRESSES if the rule has parameters,
and a body to BODIES if it takes one). A failing run prints what each role got, ready to paste.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.core.timeutil import utcnow
from tests.api.conftest import challenge_body
from tests.main.permission_scene import ROLES, TOKEN_ROLES, Snapshot, World, build_world, callers

LOGIN = "login"
THREADS = 8  # for the requests that change nothing
SAFE = ("GET", "HEAD", "OPTIONS")
GROUPS = {
    "people": tuple(role for role in ROLES if role != "anonymous" and role not in TOKEN_ROLES),
    "contributors": ("contributor_internal", "contributor_external", "other_contributor"),
    "judges": ("judge_assigned", "judge_unassigned", "judge_conflicted"),
    "sponsors": ("sponsor", "rival_sponsor"),
    # Everyone holding the contributor role: the sponsor organisation's plain member and the manager too.
    "contributor_role": (
        "contributor_internal",
        "contributor_external",
        "other_contributor",
        "sponsor_org_member",
        "manager",
    ),
}


@dataclass(frozen=True)
class Known:
    """An answer that is wrong today, kept visible: the status we get, and what it should be and why."""

    status: int | str
    why: str


def known(status: int | str, why: str) -> Known:
    return Known(status, why)


Cell = int | str | Known


def _cells(default: dict[str, Cell], cells: dict[str, Cell]) -> dict[str, Cell]:
    row = dict(default)
    for name, outcome in cells.items():  # groups first, so a role's own name wins
        if name in GROUPS:
            row.update(dict.fromkeys(GROUPS[name], outcome))
    for name, outcome in cells.items():
        if name not in GROUPS:
            assert name in ROLES, f"unknown role {name!r}"
            row[name] = outcome
    return row


def everyone(status: Cell, **cells: Cell) -> dict[str, Cell]:
    return _cells(dict.fromkeys(ROLES, status), cells)


def web(**cells: Cell) -> dict[str, Cell]:
    default = {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, **dict.fromkeys(TOKEN_ROLES, LOGIN)}
    return _cells(default, cells)


def api(method: str = "GET", **cells: Cell) -> dict[str, Cell]:
    row = _cells({**dict.fromkeys(ROLES, 403), "anonymous": 401}, cells)
    if "token_rw" not in cells:
        row["token_rw"] = row["admin"]
    if "token_read" not in cells:
        row["token_read"] = row["admin"] if method in SAFE else 403
    return row


# fmt: off
AT_THE_DRAFT = {"people": 404}  # Acme's draft: unknown to all but its sponsors (and admins)
EXPECTED: dict[tuple[str, str], dict[str, Cell]] = {
    # --- home, sign-in, account -----------------------------------------------------------------------
    ("GET", "/"): everyone(200, people=302),  # signed in: to one's home
    ("GET", "/login"): everyone(200),
    ("POST", "/login"): everyone(403),  # wrong password, whoever asks
    ("GET", "/register"): everyone(200, people=302),
    ("POST", "/register"): everyone(422, people=302),
    ("GET", "/invitation/<token>"): everyone(200),  # the link is the credential
    ("POST", "/invitation/<token>"): everyone(422),
    ("POST", "/logout"): everyone(302),
    ("GET", "/account/forgot-password"): everyone(200),
    ("POST", "/account/forgot-password"): everyone(422),  # no address given
    ("GET", "/account/reset/<token>"): everyone(403),  # a link we never sent
    ("POST", "/account/reset/<token>"): everyone(422),
    ("GET", "/account/verify"): web(people=200),
    ("POST", "/account/verify"): web(people=302),  # another confirmation link is sent
    ("GET", "/account/verify/<token>"): everyone(403),  # a link we never sent
    ("POST", "/account/verify/<token>"): everyone(403),
    ("GET", "/account"): web(people=200),
    ("POST", "/account"): web(people=302),
    ("GET", "/account/password"): web(people=200),
    ("POST", "/account/password"): web(people=302),
    ("GET", "/account/tokens"): web(people=200),
    ("POST", "/account/tokens"): web(people=200),
    ("POST", "/account/tokens/<int:token_id>/revoke"): web(people=404, contributor_external=302),
    ("GET", "/inbox/"): web(people=200),
    ("POST", "/inbox/<int:notification_id>/read"): web(people=404, contributor_external=302),
    ("GET", "/contributor"): web(contributor_role=200),
    ("GET", "/judge"): web(judges=200),
    ("GET", "/sponsor"): web(sponsors=200),
    ("GET", "/admin"): web(admin=200),
    ("GET", "/static/<path:filename>"): everyone(200),
    # --- probes and metrics for operators (app/ops) ------------------------------------------------------
    ("GET", "/healthz"): everyone(200),
    ("GET", "/readyz"): everyone(200),
    ("GET", "/metrics"): everyone(404),  # off in the tests' settings; its token is tested in tests/ops
    # --- administration -------------------------------------------------------------------------------
    ("GET", "/admin/users"): web(admin=200),
    ("GET", "/admin/organizations"): web(admin=200),
    ("GET", "/admin/audit"): web(admin=200),
    ("GET", "/admin/jobs"): web(admin=200),
    ("GET", "/admin/jobs/queues"): web(admin=200),
    ("POST", "/admin/organizations"): web(admin=422),  # reached: an organisation with no name
    ("GET", "/admin/organizations/<int:organization_id>"): web(admin=200),
    ("POST", "/admin/organizations/<int:organization_id>/invitations"): web(admin=422),
    ("GET", "/admin/users/<int:user_id>"): web(admin=200),
    ("POST", "/admin/users/<int:user_id>/roles/grant"): web(admin=422),
    ("POST", "/admin/users/<int:user_id>/roles/revoke"): web(admin=422),
    ("GET", "/admin/storage"): web(admin=200),
    ("GET", "/admin/health"): web(admin=200),
    ("POST", "/admin/jobs/<int:record_id>/retry"): web(admin=302),
    ("GET", "/admin/skills"): web(admin=200),
    ("POST", "/admin/skills/<int:skill_id>/rename"): web(admin=303),
    ("POST", "/admin/skills/merge"): web(admin=303),
    ("GET", "/admin/org-chart"): web(admin=200),
    ("POST", "/admin/org-chart"): web(admin=422),  # reached: the sample file is refused
    ("POST", "/admin/approval-cap"): web(admin=303),
    # Werkzeug sends these aliases to the dashboard's own address before anything runs, for everyone.
    # --- finance --------------------------------------------------------------------------------------
    ("GET", "/payouts/admin/deposits"): web(admin=200),
    ("POST", "/payouts/admin/deposits"): web(admin=302),
    ("GET", "/payouts/admin/points"): web(admin=200),
    ("POST", "/payouts/admin/points"): web(admin=302),
    ("GET", "/payouts/admin/payouts"): web(admin=200),
    ("GET", "/payouts/admin/payouts/<int:payout_id>"): web(admin=200),
    ("POST", "/payouts/admin/payouts/<int:payout_id>/paid"): web(admin=302),
    ("POST", "/payouts/admin/payouts/<int:payout_id>/failed"): web(admin=302),
    ("POST", "/payouts/admin/payouts/<int:payout_id>/resend"): web(admin=409),  # reached: it was not failed
    ("GET", "/payouts/admin/batches"): web(admin=200),
    ("GET", "/payouts/admin/batches/<int:batch_id>.csv"): web(admin=200),
    ("GET", "/payouts/admin/confirmations"): web(admin=200),
    ("POST", "/payouts/admin/confirmations"): web(admin=422),  # reached: a file of no rows
    ("GET", "/payouts/admin/ledger"): web(admin=200),
    ("GET", "/payouts/earnings"): web(contributor_role=200),
    ("GET", "/payouts/payee"): web(contributor_role=200),
    ("POST", "/payouts/payee"): web(contributor_role=422),
    ("GET", "/payouts/points"): web(contributor_role=200),
    # --- challenges (the draft's address for managing, the open one's for acting) --------------------
    ("GET", "/challenges/"): everyone(200),
    ("GET", "/challenges/<slug>"): everyone(404, sponsor=200, admin=200),
    ("GET", "/challenges/new"): web(sponsors=200),
    ("POST", "/challenges/new"): web(sponsors=422),
    ("GET", "/challenges/new/prize-split"): web(sponsors=422, admin=422),
    ("GET", "/challenges/<slug>/manage"): web(sponsor=200, rival_sponsor=404, admin=200),
    ("GET", "/challenges/<slug>/edit"): web(sponsor=200, rival_sponsor=404, admin=200),
    ("POST", "/challenges/<slug>/edit"): web(sponsor=422, rival_sponsor=404, admin=422),
    ("POST", "/challenges/<slug>/fund"): web(sponsor=302, rival_sponsor=404, admin=302),
    ("POST", "/challenges/<slug>/open"): web(sponsor=409, rival_sponsor=404, admin=409),  # not funded
    ("POST", "/challenges/<slug>/close"): web(sponsor=422, admin=422),
    ("POST", "/challenges/<slug>/extend"): web(sponsor=302, admin=302),
    ("POST", "/challenges/<slug>/raise"): web(sponsor=302, admin=302),
    ("POST", "/challenges/<slug>/cancel"): web(sponsor=302, admin=302),
    ("POST", "/challenges/<slug>/approval"): web(contributor_role=303),  # a refusal is a message on the page
    ("GET", "/analytics"): web(sponsors=200, admin=200),
    ("GET", "/for-you"): web(contributor_role=200),
    ("GET", "/leaderboard"): web(),  # nobody in the scene opted in
    ("GET", "/approvals"): web(people=200),
    ("POST", "/approvals/<int:request_id>"): web(people=404, contributor_internal=403, manager=303),
    ("GET", "/surveys/<int:survey_id>"): web(people=404, contributor_external=200),
    ("POST", "/surveys/<int:survey_id>"): web(people=404, contributor_external=303),
    # --- submissions (Alice's entry, Alice's upload) ----------------------------------------------------
    ("GET", "/submissions/mine"): web(contributor_role=200),
    ("GET", "/submissions/new/<slug>"): web(contributor_role=200),
    ("POST", "/submissions/new/<slug>"): web(contributor_role=422),  # reached: no file
    ("POST", "/submissions/uploads"): web(contributor_external=201, other_contributor=201, sponsor_org_member=201),
    ("POST", "/submissions/uploads/<int:upload_id>/complete"): web(contributor_role=404, contributor_external=409),
    ("POST", "/submissions/uploads/<int:upload_id>/finalize"): web(contributor_role=404, contributor_external=409),
    ("GET", "/submissions/uploads/<int:upload_id>"): web(contributor_role=404, contributor_external=200),
    ("GET", "/submissions/uploads/<int:upload_id>/status"): web(contributor_role=404, contributor_external=200),
    ("GET", "/submissions/<int:submission_id>"): web(people=404, contributor_external=200),
    ("POST", "/submissions/<int:submission_id>/withdraw"): web(contributor_role=404, contributor_external=409),
    ("POST", "/submissions/<int:submission_id>/conflicts"): web(contributor_role=404, contributor_external=409),
    ("GET", "/submissions/<int:submission_id>/download"): web(
        people=404, contributor_external=302, judge_assigned=302, sponsor=302, admin=302
    ),
    ("GET", "/storage/local/download/<token>"): everyone(200),  # the signed link is the credential
    ("POST", "/storage/local/upload"): everyone(403),  # no signed link
    ("PUT", "/storage/local/part"): everyone(403),
    # --- judging (the judged challenge; the assigned judge's assignment) -------------------------------
    ("GET", "/judging/invitations"): web(judges=200),
    ("POST", "/judging/invitations/<int:member_id>/<any(accept, decline):answer>"): web(judges=302),  # others: a message
    ("POST", "/judging/conflicts"): web(judges=302),
    ("POST", "/judging/panel/<slug>/invite"): web(sponsor=302, admin=302),
    ("GET", "/judging/entries/<int:assignment_id>"): web(judge_assigned=200),
    ("POST", "/judging/entries/<int:assignment_id>"): web(judge_assigned=302),
    ("POST", "/judging/entries/<int:assignment_id>/recuse"): web(judge_assigned=302),
    ("GET", "/judging/results/<slug>"): web(sponsor=200, admin=200),
    ("POST", "/judging/results/<slug>/extra-review/<int:submission_id>"): web(sponsor=409, admin=409),
    ("POST", "/judging/results/<slug>/publish"): web(sponsor=409, admin=409),  # nothing proposed yet
    ("POST", "/judging/results/<slug>/extend"): web(sponsor=302, admin=302),
    ("POST", "/judging/results/<slug>/accept"): web(sponsor=409, admin=409),  # judging is not overdue
    # --- API ------------------------------------------------------------------------------------------
    ("GET", "/api/v1/openapi.json"): everyone(200),
    ("GET", "/api/v1/docs"): everyone(200),
    ("GET", "/api/v1/me"): api(people=200),
    ("PATCH", "/api/v1/me"): api("PATCH", people=200),
    ("GET", "/api/v1/me/tokens"): api(people=200),
    ("POST", "/api/v1/me/tokens"): api("POST", people=201, token_rw=403),  # a token makes no tokens
    ("DELETE", "/api/v1/me/tokens/<id:token_id>"): api("DELETE", people=404, contributor_external=204),
    ("GET", "/api/v1/me/approval-requests"): api(people=200),
    ("GET", "/api/v1/me/awards"): api(people=200),
    ("GET", "/api/v1/me/challenges"): api(people=200),
    ("GET", "/api/v1/me/recommendations"): api(contributor_role=200),
    ("GET", "/api/v1/challenges"): everyone(200),
    ("POST", "/api/v1/challenges"): api("POST", sponsors=201),
    ("GET", "/api/v1/challenges/<id:challenge_id>"): api(
        anonymous=404, people=404, sponsor=200, admin=200
    ),
    # Acme's draft: not found by those who may not see it, refused to Acme's member who is no sponsor.
    ("PATCH", "/api/v1/challenges/<id:challenge_id>"): api("PATCH", **AT_THE_DRAFT, sponsor=200, admin=200),
    ("POST", "/api/v1/challenges/<id:challenge_id>/fund"): api("POST", **AT_THE_DRAFT, sponsor=200, admin=200),
    ("POST", "/api/v1/challenges/<id:challenge_id>/open"): api("POST", **AT_THE_DRAFT, sponsor=409, admin=409),
    ("POST", "/api/v1/challenges/<id:challenge_id>/cancel"): api("POST", sponsor=200, admin=200),
    ("POST", "/api/v1/challenges/<id:challenge_id>/approval-requests"): api(
        "POST", contributor_internal=200, manager=422  # she asked already (so it holds: 200); he has no manager
    ),
    ("GET", "/api/v1/challenges/<id:challenge_id>/panel"): api(sponsor=200, admin=200),
    ("POST", "/api/v1/challenges/<id:challenge_id>/panel"): api("POST", sponsor=201, admin=201),
    ("GET", "/api/v1/challenges/<id:challenge_id>/results"): api(sponsor=200, admin=200),
    ("POST", "/api/v1/challenges/<id:challenge_id>/results/publish"): api("POST", sponsor=409, admin=409),
    ("GET", "/api/v1/approvals"): api(people=200),
    ("POST", "/api/v1/approvals/<id:request_id>/decision"): api(
        "POST", people=404, contributor_internal=403, manager=200
    ),
    ("GET", "/api/v1/judging/invitations"): api(people=200),
    ("POST", "/api/v1/judging/invitations/<id:invitation_id>/answer"): api("POST", people=404, judge_unassigned=200),
    ("GET", "/api/v1/judging/queue"): api(people=200),
    ("GET", "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>"): api(people=404, judge_assigned=200),
    ("GET", "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>/download"): api(
        people=404, judge_assigned=200
    ),
    ("PUT", "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>/review"): api(
        "PUT", people=404, judge_assigned=200
    ),
    ("POST", "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>/recuse"): api(
        "POST", people=404, judge_assigned=200
    ),
    ("GET", "/api/v1/submissions"): api(people=200),
    ("GET", "/api/v1/submissions/<id:submission_id>"): api(people=404, contributor_external=200),
    ("GET", "/api/v1/submissions/<id:submission_id>/download"): api(
        people=404, contributor_external=200, judge_assigned=200, sponsor=200, admin=200
    ),
    ("POST", "/api/v1/submissions/<id:submission_id>/withdraw"): api("POST", people=404, contributor_external=409),
    ("POST", "/api/v1/uploads"): api("POST", contributor_external=201, other_contributor=201, sponsor_org_member=201),
    ("POST", "/api/v1/uploads/<id:upload_id>/complete"): api("POST", people=404, contributor_external=409),
    ("POST", "/api/v1/uploads/<id:upload_id>/finalize"): api("POST", people=404, contributor_external=409),
    ("GET", "/api/v1/uploads/<id:upload_id>"): api(people=404, contributor_external=200),
    ("GET", "/api/v1/payouts"): api(admin=200),
    ("GET", "/api/v1/payouts/<id:payout_id>"): api(admin=200),
    ("POST", "/api/v1/payouts/<id:payout_id>/paid"): api("POST", admin=200),
    ("POST", "/api/v1/payouts/<id:payout_id>/failed"): api("POST", admin=200),
    ("POST", "/api/v1/payouts/<id:payout_id>/resend"): api("POST", admin=409),
    ("GET", "/api/v1/payout-batches"): api(admin=200),
    ("GET", "/api/v1/payout-batches/<id:batch_id>"): api(admin=200),
    ("GET", "/api/v1/payout-batches/<id:batch_id>/csv"): api(admin=200),
    ("POST", "/api/v1/payout-confirmations"): api("POST", admin=422),  # reached: a file of no rows
}

# The same routes at the address of Acme's draft, where the row above uses a public challenge: to whoever
# may not see the draft, every one of them answers as for an address nobody ever used.
AT_A_DRAFT: dict[tuple[str, str], dict[str, Cell]] = {
    ("GET", "/submissions/new/<slug>"): web(contributor_role=404),
    ("POST", "/submissions/new/<slug>"): web(contributor_role=404),
    ("POST", "/submissions/uploads"): web(contributor_role=404),  # nobody enters a draft
    ("POST", "/challenges/<slug>/approval"): web(contributor_role=404),
    ("POST", "/judging/panel/<slug>/invite"): web(sponsor=302, rival_sponsor=404, admin=302),
    ("GET", "/judging/results/<slug>"): web(sponsor=200, rival_sponsor=404, judges=404, admin=200),
    ("POST", "/judging/results/<slug>/publish"): web(sponsor=409, rival_sponsor=404, admin=409),
    ("POST", "/judging/results/<slug>/extra-review/<int:submission_id>"): web(sponsor=409, rival_sponsor=404, admin=409),
    ("GET", "/api/v1/challenges/<id:challenge_id>/panel"): api(**AT_THE_DRAFT, sponsor=200, admin=200),
    ("POST", "/api/v1/challenges/<id:challenge_id>/panel"): api("POST", **AT_THE_DRAFT, sponsor=201, admin=201),
    ("GET", "/api/v1/challenges/<id:challenge_id>/results"): api(**AT_THE_DRAFT, sponsor=200, admin=200),
    ("POST", "/api/v1/challenges/<id:challenge_id>/results/publish"): api("POST", **AT_THE_DRAFT, sponsor=409, admin=409),
    ("POST", "/api/v1/challenges/<id:challenge_id>/cancel"): api("POST", **AT_THE_DRAFT, sponsor=200, admin=200),
    # Nobody asks approval for, or enters, a draft: not even its own sponsor learns more than 404.
    ("POST", "/api/v1/challenges/<id:challenge_id>/approval-requests"): api("POST", people=404, token_read=403),
    ("POST", "/api/v1/uploads"): api("POST", people=404, token_read=403),
}
# fmt: on


# --- how each request is made ------------------------------------------------------------------------


@dataclass(frozen=True)
class Json:
    value: Any


@dataclass(frozen=True)
class Raw:
    data: bytes
    content_type: str


def _form(prefix: str = "", **fields: Any) -> dict[str, Any]:
    """A form's fields with its CSRF token (filled in per caller), named with the form's prefix."""
    start = f"{prefix}-" if prefix else ""
    return {f"{start}csrf_token": "", **{f"{start}{name}": value for name, value in fields.items()}}


ADDRESSES: dict[str, Callable[[World], str]] = {
    "/account/reset/<token>": lambda w: "/account/reset/not-a-link-we-sent",
    "/account/verify/<token>": lambda w: "/account/verify/not-a-link-we-sent",
    "/admin/organizations/<int:organization_id>": lambda w: (
        f"/admin/organizations/{w.users['sponsor'].organization_id}"
    ),
    "/admin/organizations/<int:organization_id>/invitations": (
        lambda w: f"/admin/organizations/{w.users['sponsor'].organization_id}/invitations"
    ),
    "/admin/users/<int:user_id>": lambda w: f"/admin/users/{w.users['other_contributor'].id}",
    "/admin/users/<int:user_id>/roles/grant": lambda w: (
        f"/admin/users/{w.users['other_contributor'].id}/roles/grant"
    ),
    "/admin/users/<int:user_id>/roles/revoke": lambda w: (
        f"/admin/users/{w.users['other_contributor'].id}/roles/revoke"
    ),
    "/account/tokens/<int:token_id>/revoke": lambda w: f"/account/tokens/{w.alice_token_id}/revoke",
    "/admin/jobs/<int:record_id>/retry": lambda w: f"/admin/jobs/{w.job_record_id}/retry",
    "/admin/skills/<int:skill_id>/rename": lambda w: f"/admin/skills/{w.skill_id}/rename",
    "/api/v1/approvals/<id:request_id>/decision": lambda w: f"/api/v1/approvals/{w.approval_id}/decision",
    "/api/v1/challenges/<id:challenge_id>": lambda w: f"/api/v1/challenges/{w.draft.id}",
    "/api/v1/challenges/<id:challenge_id>/approval-requests": (
        lambda w: f"/api/v1/challenges/{w.open.id}/approval-requests"
    ),
    "/api/v1/challenges/<id:challenge_id>/cancel": lambda w: f"/api/v1/challenges/{w.open.id}/cancel",
    "/api/v1/challenges/<id:challenge_id>/fund": lambda w: f"/api/v1/challenges/{w.draft.id}/fund",
    "/api/v1/challenges/<id:challenge_id>/open": lambda w: f"/api/v1/challenges/{w.draft.id}/open",
    "/api/v1/challenges/<id:challenge_id>/panel": lambda w: f"/api/v1/challenges/{w.judging.id}/panel",
    "/api/v1/challenges/<id:challenge_id>/results": lambda w: f"/api/v1/challenges/{w.judging.id}/results",
    "/api/v1/challenges/<id:challenge_id>/results/publish": (
        lambda w: f"/api/v1/challenges/{w.judging.id}/results/publish"
    ),
    "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>": (
        lambda w: f"/api/v1/judging/challenges/{w.judging.id}/entries/{w.entry.alias}"
    ),
    "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>/download": (
        lambda w: f"/api/v1/judging/challenges/{w.judging.id}/entries/{w.entry.alias}/download"
    ),
    "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>/recuse": (
        lambda w: f"/api/v1/judging/challenges/{w.judging.id}/entries/{w.entry.alias}/recuse"
    ),
    "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>/review": (
        lambda w: f"/api/v1/judging/challenges/{w.judging.id}/entries/{w.entry.alias}/review"
    ),
    "/api/v1/judging/invitations/<id:invitation_id>/answer": (
        lambda w: f"/api/v1/judging/invitations/{w.invitation_id}/answer"
    ),
    "/api/v1/me/tokens/<id:token_id>": lambda w: f"/api/v1/me/tokens/{w.alice_token_id}",
    "/api/v1/payout-batches/<id:batch_id>": lambda w: f"/api/v1/payout-batches/{w.batch_id}",
    "/api/v1/payout-batches/<id:batch_id>/csv": lambda w: f"/api/v1/payout-batches/{w.batch_id}/csv",
    "/api/v1/payouts/<id:payout_id>": lambda w: f"/api/v1/payouts/{w.payout.id}",
    "/api/v1/payouts/<id:payout_id>/failed": lambda w: f"/api/v1/payouts/{w.payout.id}/failed",
    "/api/v1/payouts/<id:payout_id>/paid": lambda w: f"/api/v1/payouts/{w.payout.id}/paid",
    "/api/v1/payouts/<id:payout_id>/resend": lambda w: f"/api/v1/payouts/{w.payout.id}/resend",
    "/api/v1/submissions/<id:submission_id>": lambda w: f"/api/v1/submissions/{w.entry.id}",
    "/api/v1/submissions/<id:submission_id>/download": lambda w: f"/api/v1/submissions/{w.entry.id}/download",
    "/api/v1/submissions/<id:submission_id>/withdraw": lambda w: f"/api/v1/submissions/{w.entry.id}/withdraw",
    "/api/v1/uploads/<id:upload_id>/complete": lambda w: f"/api/v1/uploads/{w.upload_id}/complete",
    "/api/v1/uploads/<id:upload_id>/finalize": lambda w: f"/api/v1/uploads/{w.upload_id}/finalize",
    "/api/v1/uploads/<id:upload_id>": lambda w: f"/api/v1/uploads/{w.upload_id}",
    "/approvals/<int:request_id>": lambda w: f"/approvals/{w.approval_id}",
    "/challenges/<slug>": lambda w: f"/challenges/{w.draft.slug}",
    "/challenges/<slug>/approval": lambda w: f"/challenges/{w.open.slug}/approval",
    "/challenges/<slug>/cancel": lambda w: f"/challenges/{w.open.slug}/cancel",
    "/challenges/<slug>/close": lambda w: f"/challenges/{w.open.slug}/close",
    "/challenges/<slug>/edit": lambda w: f"/challenges/{w.draft.slug}/edit",
    "/challenges/<slug>/extend": lambda w: f"/challenges/{w.open.slug}/extend",
    "/challenges/<slug>/fund": lambda w: f"/challenges/{w.draft.slug}/fund",
    "/challenges/<slug>/manage": lambda w: f"/challenges/{w.draft.slug}/manage",
    "/challenges/<slug>/open": lambda w: f"/challenges/{w.draft.slug}/open",
    "/challenges/<slug>/raise": lambda w: f"/challenges/{w.open.slug}/raise",
    "/inbox/<int:notification_id>/read": lambda w: f"/inbox/{w.notification_id}/read",
    "/invitation/<token>": lambda w: w.invitation_path,
    "/judging/entries/<int:assignment_id>": lambda w: f"/judging/entries/{w.assignment.id}",
    "/judging/entries/<int:assignment_id>/recuse": lambda w: f"/judging/entries/{w.assignment.id}/recuse",
    "/judging/invitations/<int:member_id>/<any(accept, decline):answer>": (
        lambda w: f"/judging/invitations/{w.invitation_id}/accept"
    ),
    "/judging/panel/<slug>/invite": lambda w: f"/judging/panel/{w.open.slug}/invite",
    "/judging/results/<slug>": lambda w: f"/judging/results/{w.judging.slug}",
    "/judging/results/<slug>/extra-review/<int:submission_id>": (
        lambda w: f"/judging/results/{w.judging.slug}/extra-review/{w.entry.id}"
    ),
    "/judging/results/<slug>/publish": lambda w: f"/judging/results/{w.judging.slug}/publish",
    "/judging/results/<slug>/extend": lambda w: f"/judging/results/{w.judging.slug}/extend",
    "/judging/results/<slug>/accept": lambda w: f"/judging/results/{w.judging.slug}/accept",
    "/payouts/admin/batches/<int:batch_id>.csv": lambda w: f"/payouts/admin/batches/{w.batch_id}.csv",
    "/payouts/admin/payouts/<int:payout_id>": lambda w: f"/payouts/admin/payouts/{w.payout.id}",
    "/payouts/admin/payouts/<int:payout_id>/failed": lambda w: f"/payouts/admin/payouts/{w.payout.id}/failed",
    "/payouts/admin/payouts/<int:payout_id>/paid": lambda w: f"/payouts/admin/payouts/{w.payout.id}/paid",
    "/payouts/admin/payouts/<int:payout_id>/resend": lambda w: f"/payouts/admin/payouts/{w.payout.id}/resend",
    "/static/<path:filename>": lambda w: "/static/css/podium.css",
    "/storage/local/download/<token>": lambda w: w.download_path,
    "/submissions/<int:submission_id>": lambda w: f"/submissions/{w.entry.id}",
    "/submissions/<int:submission_id>/conflicts": lambda w: f"/submissions/{w.entry.id}/conflicts",
    "/submissions/<int:submission_id>/download": lambda w: f"/submissions/{w.entry.id}/download",
    "/submissions/<int:submission_id>/withdraw": lambda w: f"/submissions/{w.entry.id}/withdraw",
    "/submissions/new/<slug>": lambda w: f"/submissions/new/{w.open.slug}",
    "/submissions/uploads/<int:upload_id>/complete": lambda w: f"/submissions/uploads/{w.upload_id}/complete",
    "/submissions/uploads/<int:upload_id>/finalize": lambda w: f"/submissions/uploads/{w.upload_id}/finalize",
    "/submissions/uploads/<int:upload_id>": lambda w: f"/submissions/uploads/{w.upload_id}",
    "/submissions/uploads/<int:upload_id>/status": lambda w: f"/submissions/uploads/{w.upload_id}/status",
    "/surveys/<int:survey_id>": lambda w: f"/surveys/{w.survey_id}",
}


DRAFT_ADDRESSES: dict[str, Callable[[World], str]] = {
    "/submissions/new/<slug>": lambda w: f"/submissions/new/{w.draft.slug}",
    "/submissions/uploads": lambda w: "/submissions/uploads",
    "/challenges/<slug>/approval": lambda w: f"/challenges/{w.draft.slug}/approval",
    "/judging/panel/<slug>/invite": lambda w: f"/judging/panel/{w.draft.slug}/invite",
    "/judging/results/<slug>": lambda w: f"/judging/results/{w.draft.slug}",
    "/judging/results/<slug>/publish": lambda w: f"/judging/results/{w.draft.slug}/publish",
    "/judging/results/<slug>/extra-review/<int:submission_id>": (
        lambda w: f"/judging/results/{w.draft.slug}/extra-review/{w.entry.id}"
    ),
    "/api/v1/challenges/<id:challenge_id>/panel": lambda w: f"/api/v1/challenges/{w.draft.id}/panel",
    "/api/v1/challenges/<id:challenge_id>/results": lambda w: f"/api/v1/challenges/{w.draft.id}/results",
    "/api/v1/challenges/<id:challenge_id>/results/publish": (
        lambda w: f"/api/v1/challenges/{w.draft.id}/results/publish"
    ),
    "/api/v1/challenges/<id:challenge_id>/cancel": lambda w: f"/api/v1/challenges/{w.draft.id}/cancel",
    "/api/v1/challenges/<id:challenge_id>/approval-requests": (
        lambda w: f"/api/v1/challenges/{w.draft.id}/approval-requests"
    ),
    "/api/v1/uploads": lambda w: "/api/v1/uploads",
}
# Bodies that name the challenge rather than take it from the address.
DRAFT_BODIES: dict[tuple[str, str], Callable[[World], Any]] = {
    ("POST", "/submissions/uploads"): lambda w: Json(
        {
            "challenge": w.draft.slug,
            "filename": "a.pdf",
            "size": 100,
            "content_type": "application/pdf",
            "title": "A",
        }
    ),
    ("POST", "/api/v1/uploads"): lambda w: Json(
        {
            "challenge_id": w.draft.id,
            "filename": "a.pdf",
            "size": 100,
            "content_type": "application/pdf",
            "title": "A",
        }
    ),
}


def _csv(text: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode()), "file.csv"


BODIES: dict[tuple[str, str], Callable[[World], Any]] = {
    ("POST", "/account"): lambda w: _form(display_name="Renamed Person", timezone="UTC"),
    ("POST", "/account/password"): lambda w: _form(
        current_password="correct horse battery",
        new_password="a much longer secret",
        confirm="a much longer secret",
    ),
    ("POST", "/account/tokens"): lambda w: _form(name="ci", scope="read", lifetime_days=30),
    ("POST", "/account/tokens/<int:token_id>/revoke"): lambda w: _form(),
    ("POST", "/admin/approval-cap"): lambda w: _form("cap", hours_per_week=20),
    ("POST", "/admin/jobs/<int:record_id>/retry"): lambda w: _form(),
    ("POST", "/admin/org-chart"): lambda w: _form(file=_csv("email,manager_email\ninez@host.example,\n")),
    ("POST", "/admin/skills/<int:skill_id>/rename"): lambda w: _form(f"s{w.skill_id}", name="Python 3"),
    ("POST", "/admin/skills/merge"): lambda w: _form("merge", duplicate=w.skill_id, into=w.skill_id + 1),
    ("POST", "/approvals/<int:request_id>"): lambda w: _form(f"r{w.approval_id}", approve="Approve"),
    ("POST", "/challenges/<slug>/approval"): lambda w: _form(hours_per_week=4),
    ("POST", "/challenges/<slug>/cancel"): lambda w: _form("cancel", reason="The budget was cut."),
    ("POST", "/challenges/<slug>/close"): lambda w: _form("close"),
    ("POST", "/challenges/<slug>/edit"): lambda w: _form(),
    ("POST", "/challenges/<slug>/extend"): lambda w: _form(
        "extend", closes_at=(w.open.closes_at + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    ),
    ("POST", "/challenges/<slug>/fund"): lambda w: _form("fund"),
    ("POST", "/challenges/<slug>/open"): lambda w: _form("open"),
    ("POST", "/challenges/<slug>/raise"): lambda w: _form("raise", bounty="12000.00"),
    ("POST", "/challenges/new"): lambda w: _form(),
    ("POST", "/inbox/<int:notification_id>/read"): lambda w: _form(),
    ("POST", "/invitation/<token>"): lambda w: _form(
        password="a long new password", confirm="does not match"
    ),
    ("POST", "/judging/conflicts"): lambda w: _form(email="someone@outside.example"),
    ("POST", "/judging/entries/<int:assignment_id>"): lambda w: _form(
        action="save", **{f"criterion-{c.id}": c.scale_min for c in w.judging.criteria}
    ),
    ("POST", "/judging/entries/<int:assignment_id>/recuse"): lambda w: _form(reason="I know this work."),
    ("POST", "/judging/invitations/<int:member_id>/<any(accept, decline):answer>"): lambda w: _form(),
    ("POST", "/judging/panel/<slug>/invite"): lambda w: _form("invite", email="fresh-judge@judges.example"),
    ("POST", "/judging/results/<slug>/extra-review/<int:submission_id>"): lambda w: _form(),
    ("POST", "/judging/results/<slug>/publish"): lambda w: _form(),
    ("POST", "/judging/results/<slug>/extend"): lambda w: _form(
        "extend", judging_due_at=(w.judging.judging_due_at + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    ),
    ("POST", "/judging/results/<slug>/accept"): lambda w: _form(),
    ("POST", "/login"): lambda w: _form(email="nobody@outside.example", password="not the password"),
    ("POST", "/logout"): lambda w: _form(),
    ("POST", "/payouts/admin/confirmations"): lambda w: _form(
        file=_csv("reference,bank_reference,amount,currency\n")
    ),
    ("POST", "/payouts/admin/deposits"): lambda w: _form(
        organization_id=w.open.sponsor_org_id, currency="EUR", amount="100.00", reference="WIRE-MATRIX"
    ),
    ("POST", "/payouts/admin/points"): lambda w: _form(
        organization_id=w.open.sponsor_org_id, amount="100", reference="GRANT-MATRIX"
    ),
    ("POST", "/payouts/admin/payouts/<int:payout_id>/failed"): lambda w: _form(
        "failed", reason="Bank refused."
    ),
    ("POST", "/payouts/admin/payouts/<int:payout_id>/paid"): lambda w: _form(
        "paid",
        bank_reference="BANK-MATRIX-1",
        amount=f"{w.payout.amount_minor / 100:.2f}",
        currency=w.payout.currency,
    ),
    ("POST", "/payouts/admin/payouts/<int:payout_id>/resend"): lambda w: _form("resend"),
    ("POST", "/payouts/payee"): lambda w: _form(legal_name="Alice Appleby"),
    ("POST", "/register"): lambda w: _form(
        email="newcomer@outside.example", display_name="New", password="a long password", confirm="other"
    ),
    ("POST", "/submissions/<int:submission_id>/conflicts"): lambda w: _form(),
    ("POST", "/submissions/<int:submission_id>/withdraw"): lambda w: _form(),
    ("POST", "/submissions/new/<slug>"): lambda w: _form(title="By form"),
    ("POST", "/submissions/uploads"): lambda w: Json(
        {
            "challenge": w.open.slug,
            "filename": "a.pdf",
            "size": 100,
            "content_type": "application/pdf",
            "title": "A",
        }
    ),
    ("POST", "/submissions/uploads/<int:upload_id>/complete"): lambda w: Json({"parts": [[1, "etag"]]}),
    ("POST", "/submissions/uploads/<int:upload_id>/finalize"): lambda w: Json({}),
    ("POST", "/surveys/<int:survey_id>"): lambda w: _form(
        useful_score="4", would_do_again="yes", skills_gained=""
    ),
    ("POST", "/api/v1/approvals/<id:request_id>/decision"): lambda w: Json({"decision": "approve"}),
    ("POST", "/api/v1/challenges"): lambda w: Json(challenge_body(utcnow())),
    ("PATCH", "/api/v1/challenges/<id:challenge_id>"): lambda w: Json({"title": "A better title"}),
    ("POST", "/api/v1/challenges/<id:challenge_id>/approval-requests"): lambda w: Json({"hours_per_week": 4}),
    ("POST", "/api/v1/challenges/<id:challenge_id>/cancel"): lambda w: Json(
        {"reason": "The budget was cut."}
    ),
    ("POST", "/api/v1/challenges/<id:challenge_id>/panel"): lambda w: Json(
        {"email": "fresh-judge@judges.example"}
    ),
    ("PUT", "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>/review"): lambda w: Json(
        {"scores": {}, "submit": False}
    ),
    ("POST", "/api/v1/judging/challenges/<id:challenge_id>/entries/<alias:alias>/recuse"): lambda w: Json(
        {"reason": "I know this work."}
    ),
    ("POST", "/api/v1/judging/invitations/<id:invitation_id>/answer"): lambda w: Json({"accept": True}),
    ("PATCH", "/api/v1/me"): lambda w: Json({"display_name": "Renamed Person"}),
    ("POST", "/api/v1/me/tokens"): lambda w: Json({"name": "ci"}),
    ("POST", "/api/v1/payout-confirmations"): lambda w: Raw(
        b"reference,bank_reference,amount,currency\n", "text/csv"
    ),
    ("POST", "/api/v1/payouts/<id:payout_id>/failed"): lambda w: Json({"reason": "Bank refused."}),
    ("POST", "/api/v1/payouts/<id:payout_id>/paid"): lambda w: Json(
        {
            "amount": {"amount_minor": w.payout.amount_minor, "currency": w.payout.currency},
            "bank_reference": "BANK-MATRIX-1",
        }
    ),
    ("POST", "/api/v1/uploads"): lambda w: Json(
        {
            "challenge_id": w.open.id,
            "filename": "a.pdf",
            "size": 100,
            "content_type": "application/pdf",
            "title": "A",
        }
    ),
    ("POST", "/api/v1/uploads/<id:upload_id>/complete"): lambda w: Json(
        {"parts": [{"part_number": 1, "etag": "etag"}]}
    ),
}
# Routes that end the caller's session go last, so no later request of theirs runs signed out.
LAST = {("POST", "/logout")}


def _routes(app) -> list[tuple[str, str]]:
    found = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    return sorted(found, key=lambda route: (route in LAST, route[1], route[0]))


def _outcome(response) -> int | str:
    if response.status_code == 302 and response.headers.get("Location", "").split("?")[0].endswith("/login"):
        return LOGIN
    return response.status_code


def _send(caller, method: str, url: str, body: Any, *, api: bool):
    headers = {}
    if caller.bearer is not None:
        headers["Authorization"] = f"Bearer {caller.bearer}"
    if method not in SAFE:
        headers["X-CSRFToken"] = caller.csrf  # as the pages' own scripts send it
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(body, Json):
        kwargs["json"] = body.value
    elif isinstance(body, Raw):
        kwargs["data"], kwargs["content_type"] = body.data, body.content_type
    elif body is not None:
        kwargs["data"] = {
            name: caller.csrf if name.endswith("csrf_token") else value for name, value in body.items()
        }
    return caller.client.open(url, method=method, **kwargs)


def _expected(cell: Cell) -> int | str:
    return cell.status if isinstance(cell, Known) else cell


@dataclass(frozen=True, eq=False)  # told apart by identity: a key in the answers
class Case:
    """One route at one address, and what each role should get there."""

    method: str
    rule: str
    url: str
    body: Callable[[World], Any] | None
    expected: dict[str, Cell] | None
    where: str = ""  # "" for the route's own row, "at a draft" for AT_A_DRAFT's

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.method, self.url, self.where) if part)

    def changes_nothing(self, role: str) -> bool:
        """Reads, and requests the matrix expects to be refused (a refusal changes nothing, as the
        services promise), except a failed sign-in, which is counted against the address."""
        if self.method in SAFE:
            return True
        if self.expected is None or self.rule == "/login":
            return False
        expected = _expected(self.expected[role])
        return expected == LOGIN or int(expected) >= 400

    def send(self, caller, world: World):
        return _send(
            caller,
            self.method,
            self.url,
            self.body(world) if self.body else None,
            api=self.rule.startswith("/api/"),
        )


def _cases(app, world: World) -> tuple[list[Case], list[tuple[str, str]]]:
    """Every route of the URL map at its address, then the draft's addresses; and the routes."""
    routes = _routes(app)
    cases = [
        Case(
            method,
            rule,
            ADDRESSES[rule](world) if "<" in rule else rule,
            BODIES.get((method, rule)),
            EXPECTED.get((method, rule)),
        )
        for method, rule in routes
        if "<" not in rule or rule in ADDRESSES
    ]
    cases += [
        Case(
            method,
            rule,
            DRAFT_ADDRESSES[rule](world),
            DRAFT_BODIES.get((method, rule), BODIES.get((method, rule))),
            row,
            "at a draft",
        )
        for (method, rule), row in AT_A_DRAFT.items()
        if (method, rule) in routes
    ]
    return cases, routes


def _side_by_side(people, world: World, cells: list[tuple[Case, str]]) -> dict[tuple[Case, str], int | str]:
    """Requests that change nothing, a thread per role: they may run side by side, and the time goes
    on waiting for the database more than on Python. Bodies are made here, outside the threads."""
    by_role: dict[str, list[tuple[Case, Any]]] = {role: [] for role in ROLES}
    for case, role in cells:
        by_role[role].append((case, case.body(world) if case.body else None))

    def one_role(role: str) -> list[tuple[tuple[Case, str], int | str]]:
        return [
            (
                (case, role),
                _outcome(_send(people[role], case.method, case.url, body, api=case.rule.startswith("/api/"))),
            )
            for case, body in by_role[role]
        ]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return {cell: outcome for answers in pool.map(one_role, ROLES) for cell, outcome in answers}


def _one_at_a_time(
    people, world: World, snapshot: Snapshot, cells: list[tuple[Case, str]]
) -> dict[tuple[Case, str], int | str]:
    """The requests that may change something, in order, putting the scene back after each."""
    observed = {}
    for case, role in cells:
        observed[(case, role)] = _outcome(case.send(people[role], world))
        snapshot.restore()
        people[role].forget_new_cookies()
    return observed


def test_every_route_answers_every_role_as_the_matrix_says(app, scene, make_user, login):
    started = time.monotonic()
    world = build_world(scene, make_user)
    people = callers(app, world, login)
    snapshot = Snapshot()
    cases, routes = _cases(app, world)
    cells = [(case, role) for case in cases for role in ROLES]
    answers = _side_by_side(
        people, world, [(case, role) for case, role in cells if case.changes_nothing(role)]
    )
    snapshot.restore()  # in case a request expected to be refused was not
    answers |= _one_at_a_time(
        people, world, snapshot, [(case, role) for case, role in cells if not case.changes_nothing(role)]
    )

    report = []
    unaddressed = sorted({rule for _, rule in routes if "<" in rule and rule not in ADDRESSES})
    if unaddressed:
        report.append("Rules without an address in ADDRESSES: " + ", ".join(unaddressed))
    missing = [case for case in cases if case.expected is None]
    if missing:
        report.append("Routes without a row (what each role got):")
        report += [
            f"    ({case.method!r}, {case.rule!r}): {dict((role, answers[(case, role)]) for role in ROLES)!r},"
            for case in missing
        ]
    stale = sorted((set(EXPECTED) | set(AT_A_DRAFT)) - set(routes))
    if stale:
        report.append("Rows for routes that no longer exist: " + ", ".join(f"{m} {r}" for m, r in stale))
    wrong = [
        f"    {case.name} as {role}: expected {_expected(case.expected[role])}, got {answers[(case, role)]}"
        for case in cases
        if case.expected is not None
        for role in ROLES
        if answers[(case, role)] != _expected(case.expected[role])
    ]
    if wrong:
        report += ["Answers that differ from the matrix:", *wrong]
    print(
        f"{len(routes)} routes x {len(ROLES)} roles, and {len(AT_A_DRAFT)} at a draft, in {time.monotonic() - started:.1f} s"
    )
    assert not report, "\n".join(report)
