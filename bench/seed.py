"""A large, consistent Podium database made in seconds with set-based SQL, for the page benchmark
(``bench.pages``) and the query-plan test (``tests/query_counts/test_query_plans.py``).

At scale 1: 1,000 challenges in every state but judging_overdue, 50,000 submissions with their
versions and uploads, 500 judges on panels of 8 with about 150,000 assignments and as many reviews,
entry results and judge calibrations for decided challenges, funding in the ledger, an audit event and
a notification per entry, 10,000 contributors, three browser sessions a person and an API token for
every tenth. Going through the services would take hours; ``INSERT ... SELECT generate_series`` takes
seconds. The rows are those the services would write (states, dates, scores keyed by criterion id, one
entry per contributor per challenge, assignments only from a challenge's panel), then ``analyse``
vacuums and analyses the tables so the planner sees the sizes. Not seeded: the award and payout
postings and the payouts of awarded and paid challenges (their money figures show the funding only).

Named rows the benchmark and the plan test ask for (see ``Seeded``): an awarded challenge with 500
entries, a challenge being judged whose 500 entries are all in one judge's queue, an open challenge,
the sponsor who owns them, that judge, and read tokens of theirs for the API.

It writes explicit ids, so it needs an empty, migrated database; it does not commit (the caller does).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

PASSWORD = "bench-password-1"  # noqa: S105  (every seeded person's, in a throwaway database)
# Read tokens for the API lists: the sponsor's, the judge's and the contributor's (``Seeded``).
TOKENS = {
    "sponsor": "pdm_00000000000a_bench-read-token-of-the-sponsor-for-api-lists",
    "judge": "pdm_00000000000b_bench-read-token-of-the-judge-for-api-lists",
    "contributor": "pdm_00000000000c_bench-read-token-of-a-contributor-for-api-lists",
}
PANEL_SIZE = 8
SPONSOR_ORGS = 20

# Regular challenges cycle through these states, 20 to a cycle (decided ones weigh most, as on a
# platform that has run for a while).
STATE_CYCLE = (
    ["draft", "funded", "closed", "cancelled", "results_proposed"]
    + ["open"] * 3
    + ["judging"] * 3
    + ["awarded"] * 4
    + ["paid"] * 5
)
JUDGED = ("judging", "results_proposed", "awarded", "paid")
DECIDED = ("results_proposed", "awarded", "paid")


@dataclass(frozen=True)
class Seeded:
    """What the benchmark and the plan test reach for, and how much there is."""

    password: str
    admin_email: str
    sponsor_email: str
    judge_email: str
    contributor_email: str
    awarded_slug: str  # awarded, 500 entries, owned by the sponsor
    judging_slug: str  # being judged, 500 entries, all in the judge's queue
    open_slug: str  # open for entries
    tokens: dict[str, str]  # "sponsor", "judge", "contributor" -> a read token of theirs
    counts: dict[str, int]


@dataclass(frozen=True)
class Sizes:
    challenges: int
    submissions: int
    judges: int
    contributors: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            challenges=max(60, round(1000 * scale)),
            submissions=max(2000, round(50_000 * scale)),
            judges=max(20, round(500 * scale)),
            contributors=max(1000, round(10_000 * scale)),
        )


def seed(connection: Connection, *, scale: float = 1.0, password_hash: str, now: datetime) -> Seeded:
    """Fill the empty, migrated database behind ``connection``; ``password_hash`` is every user's."""
    sizes = Sizes.at(scale)
    taken = connection.execute(text("SELECT count(*) FROM users")).scalar_one()
    if taken:
        raise RuntimeError("bench.seed fills an empty database; this one has users")
    first_judge = 2 + SPONSOR_ORGS
    first_contributor = first_judge + sizes.judges
    values = {
        "now": now,
        "hash": password_hash,
        "orgs": SPONSOR_ORGS,
        "n_challenges": sizes.challenges,
        "n_submissions": sizes.submissions,
        "n_judges": sizes.judges,
        "n_contributors": sizes.contributors,
        "j0": first_judge,
        "c0": first_contributor,
        "panel": PANEL_SIZE,
        "cycle": list(STATE_CYCLE),
        "judged": list(JUDGED),
        "decided": list(DECIDED),
        **{f"{who}_prefix": token.rsplit("_", 1)[0] for who, token in TOKENS.items()},
        **{f"{who}_digest": hashlib.sha256(token.encode()).hexdigest() for who, token in TOKENS.items()},
    }
    for statement in _STATEMENTS:
        connection.execute(text(statement), values)
    counts = {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
        for table in COUNTED_TABLES
    }
    return Seeded(
        password=PASSWORD,
        admin_email="admin@podium-host.example",
        sponsor_email="sponsor-01@sponsor-01.example",
        judge_email="judge-0000@podium-host.example",
        contributor_email="contributor-00000@outside.example",
        awarded_slug="bench-awarded-500",
        judging_slug="bench-judging-500",
        open_slug="bench-open",
        tokens=dict(TOKENS),
        counts=counts,
    )


def analyse(connection: Connection) -> None:
    """VACUUM ANALYZE every table, so plans see the real sizes and index-only scans are possible.
    ``connection`` must be in autocommit mode (VACUUM cannot run inside a transaction)."""
    connection.exec_driver_sql("VACUUM ANALYZE")


COUNTED_TABLES = (
    "challenges",
    "user_sessions",
    "api_tokens",
    "submissions",
    "submission_versions",
    "panel_members",
    "assignments",
    "reviews",
    "entry_results",
    "users",
    "audit_events",
    "notifications",
)

# Users: 1 the admin; 2.. one sponsor per sponsor organisation (organisation id = user id); then the
# judges (host organisation); then the contributors, every other one internal.
# Challenges: 1 awarded with 500 entries, 2 judging with 500 entries, 3 open, all the first sponsor's;
# the rest cycle through STATE_CYCLE and the sponsor organisations.
_STATEMENTS = [
    "SET LOCAL statement_timeout = 0",  # a bulk load, not a request: the app's per-statement limit is for those
    """
    INSERT INTO organizations (id, name, is_host, is_sponsor, created_at, approval_cap_hours_per_week)
    SELECT 1, 'Podium Host', true, false, :now - interval '3 years', 8
    UNION ALL
    SELECT 1 + g, 'Sponsor ' || lpad(g::text, 2, '0') || ' Ltd', false, true,
           :now - interval '2 years', 8
    FROM generate_series(1, :orgs) AS g
    """,
    """
    INSERT INTO organization_domains (id, organization_id, domain)
    SELECT 1, 1, 'podium-host.example'
    UNION ALL
    SELECT 1 + g, 1 + g, 'sponsor-' || lpad(g::text, 2, '0') || '.example' FROM generate_series(1, :orgs) AS g
    """,
    """
    INSERT INTO users (id, email, email_key, display_name, password_hash, organization_id, timezone,
                       is_active_account, session_version, created_at, email_verified_at,
                       shows_on_leaderboard)
    SELECT id, email, email, name, :hash, org, 'UTC', true, 1, :now - interval '2 years',
           :now - interval '2 years', false
    FROM (
        SELECT 1 AS id, 'admin@podium-host.example' AS email, 'Ada Admin' AS name, 1 AS org
        UNION ALL
        SELECT 1 + g, 'sponsor-' || lpad(g::text, 2, '0') || '@sponsor-' || lpad(g::text, 2, '0') || '.example',
               'Sam Sponsor ' || g, 1 + g
        FROM generate_series(1, :orgs) AS g
        UNION ALL
        SELECT :j0 + g, 'judge-' || lpad(g::text, 4, '0') || '@podium-host.example', 'Judge ' || g, 1
        FROM generate_series(0, :n_judges - 1) AS g
        UNION ALL
        SELECT :c0 + g,
               CASE WHEN g % 2 = 0 THEN 'contributor-' || lpad(g::text, 5, '0') || '@outside.example'
                    ELSE 'contributor-' || lpad(g::text, 5, '0') || '@podium-host.example' END,
               'Contributor ' || g, CASE WHEN g % 2 = 0 THEN NULL ELSE 1 END
        FROM generate_series(0, :n_contributors - 1) AS g
    ) AS people
    """,
    """
    INSERT INTO user_roles (user_id, role, granted_at)
    SELECT id,
           CASE WHEN id = 1 THEN 'admin' WHEN id < :j0 THEN 'sponsor' WHEN id < :c0 THEN 'judge'
                ELSE 'contributor' END,
           created_at
    FROM users
    """,
    # The challenges: dates follow each state (open ones close in the future, decided ones long ago).
    """
    CREATE TEMP TABLE bench_challenge_states ON COMMIT DROP AS
    SELECT g AS id,
           CASE g WHEN 1 THEN 'awarded' WHEN 2 THEN 'judging' WHEN 3 THEN 'open'
                  ELSE (CAST(:cycle AS text[]))[1 + g % cardinality(CAST(:cycle AS text[]))] END AS status,
           CASE WHEN g <= 3 THEN 2 ELSE 2 + g % :orgs END AS org
    FROM generate_series(1, :n_challenges) AS g
    """,
    """
    INSERT INTO challenges (id, slug, title, summary, brief_md, rules_md, status, sponsor_org_id,
                            created_by_id, eligibility, currency, bounty_minor, tiers_bp, tie_rule,
                            unawarded_rule, opens_at, closes_at, judging_due_at, max_file_bytes,
                            allowed_types, submissions_per_contributor, versions_per_submission,
                            judges_per_entry, requires_manager_approval, judges_conflict_with_own_org,
                            created_at, status_changed_at)
    SELECT s.id,
           CASE s.id WHEN 1 THEN 'bench-awarded-500' WHEN 2 THEN 'bench-judging-500' WHEN 3 THEN 'bench-open'
                     ELSE 'challenge-' || lpad(s.id::text, 5, '0') END,
           'Challenge ' || s.id || ': ' || (ARRAY['Route planner', 'Invoice matcher', 'Slotting query',
               'Forklift battery model', 'Returns triage', 'Shift rota solver'])[1 + s.id % 6],
           'A short summary of challenge ' || s.id || ' for the list page.',
           '## Brief' || chr(10) || chr(10) || 'What we need, in a few paragraphs.',
           'Rules of challenge ' || s.id || '.',
           s.status, s.org, s.org, (ARRAY['open', 'internal', 'external'])[1 + s.id % 3],
           CASE WHEN s.id % 7 = 0 THEN 'PTS' ELSE 'USD' END,
           100000 * (10 + s.id % 90), '[5000, 3000, 2000]'::json, 'share', 'return',
           :now + d.opens, :now + d.closes, :now + d.closes + interval '20 days',
           104857600, '["application/pdf"]'::json, 1, 10,
           3, false, false, :now + d.opens - interval '10 days', :now + d.changed
    FROM bench_challenge_states AS s
    CROSS JOIN LATERAL (
        SELECT CASE s.status
                 WHEN 'draft' THEN interval '10 days' WHEN 'funded' THEN interval '10 days'
                 WHEN 'open' THEN interval '-10 days' WHEN 'cancelled' THEN interval '-10 days'
                 WHEN 'closed' THEN interval '-30 days' WHEN 'judging' THEN interval '-40 days'
                 WHEN 'results_proposed' THEN interval '-60 days'
                 ELSE interval '-100 days' - (s.id % 300) * interval '1 day' END AS opens,
               CASE s.status
                 WHEN 'draft' THEN interval '40 days' WHEN 'funded' THEN interval '40 days'
                 WHEN 'open' THEN interval '5 days' + (s.id % 30) * interval '1 day'
                 WHEN 'cancelled' THEN interval '10 days'
                 WHEN 'closed' THEN interval '-1 hour' WHEN 'judging' THEN interval '-15 days'
                 WHEN 'results_proposed' THEN interval '-30 days'
                 ELSE interval '-70 days' - (s.id % 300) * interval '1 day' END AS closes,
               CASE s.status
                 WHEN 'draft' THEN interval '-1 day' WHEN 'funded' THEN interval '-1 day'
                 WHEN 'open' THEN interval '-10 days' WHEN 'cancelled' THEN interval '-2 days'
                 WHEN 'closed' THEN interval '-1 hour' WHEN 'judging' THEN interval '-15 days'
                 WHEN 'results_proposed' THEN interval '-3 days'
                 ELSE interval '-40 days' - (s.id % 300) * interval '1 day' END AS changed
    ) AS d
    """,
    """
    INSERT INTO rubric_criteria (id, challenge_id, position, name, guidance, weight, scale_min, scale_max)
    SELECT (c.id - 1) * 3 + p, c.id, p, (ARRAY['Correctness', 'Clarity', 'Cost'])[p],
           'How well the entry does on this.', p, 1, 10
    FROM challenges AS c CROSS JOIN generate_series(1, 3) AS p
    """,
    # Where entries go: the two 500-entry challenges, then the others that take or took entries, the
    # judged ones three times over so most entries end up judged (as they do on a running platform).
    """
    CREATE TEMP TABLE bench_targets ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY c.id, copy) - 1 AS position, c.id AS challenge_id
    FROM challenges AS c
    CROSS JOIN generate_series(1, 3) AS copy
    WHERE c.id > 2 AND c.status NOT IN ('draft', 'funded')
      AND (copy = 1 OR c.status = ANY(CAST(:judged AS text[])))
    """,
    """
    INSERT INTO submissions (id, challenge_id, contributor_id, alias, title, description_md, status, created_at)
    SELECT placed.id, placed.challenge_id,
           :c0 + (row_number() OVER (PARTITION BY placed.challenge_id ORDER BY placed.id) * 7919
                  + placed.challenge_id * 104729) % :n_contributors,
           upper(to_hex(placed.id)), 'Entry ' || placed.id || ' of challenge ' || placed.challenge_id,
           'How this entry works.', 'active', c.opens_at + interval '1 day'
    FROM (
        SELECT g AS id, CASE WHEN g <= 500 THEN 1 WHEN g <= 1000 THEN 2 ELSE t.challenge_id END AS challenge_id
        FROM generate_series(1, :n_submissions) AS g
        CROSS JOIN (SELECT count(*) AS n FROM bench_targets) AS total
        LEFT JOIN bench_targets AS t ON g > 1000 AND t.position = (g - 1001) % total.n
    ) AS placed
    JOIN challenges AS c ON c.id = placed.challenge_id
    """,
    # Version 1 of every entry, version 2 of every third; each made from a finalized upload.
    """
    CREATE TEMP TABLE bench_versions ON COMMIT DROP AS
    SELECT s.id AS submission_id, n AS number,
           CASE n WHEN 1 THEN s.id ELSE :n_submissions + s.id END AS id,
           s.challenge_id, s.contributor_id, s.created_at + (n - 1) * interval '2 hours' AS created_at
    FROM submissions AS s CROSS JOIN generate_series(1, 2) AS n
    WHERE n = 1 OR s.id % 3 = 0
    """,
    """
    INSERT INTO submission_versions (id, submission_id, number, storage_key, size_bytes, sha256,
                                     content_type, original_filename, upload_started_at, created_at)
    SELECT v.id, v.submission_id, v.number, 'versions/' || md5('v' || v.id), 200000 + v.id % 5000,
           encode(sha256(('v' || v.id)::bytea), 'hex'), 'application/pdf', 'entry.pdf',
           v.created_at - interval '1 minute', v.created_at
    FROM bench_versions AS v
    """,
    """
    INSERT INTO uploads (id, challenge_id, contributor_id, submission_id, storage_key, original_filename,
                         declared_size, declared_content_type, status, started_at, finished_at)
    SELECT v.id, v.challenge_id, v.contributor_id, v.submission_id, 'uploads/' || md5('u' || v.id),
           'entry.pdf', 200000 + v.id % 5000, 'application/pdf', 'finalized',
           v.created_at - interval '1 minute', v.created_at
    FROM bench_versions AS v
    """,
    # Panels of 8 judges for every challenge past funding; the first two challenges share judges 0-7,
    # and judge 0 sits on no other panel, so their queue holds exactly the 500 entries being judged.
    """
    INSERT INTO panel_members (challenge_id, judge_id, status, invited_by_id, invited_at, responded_at)
    SELECT c.id, :j0 + CASE WHEN c.id <= 2 THEN j ELSE 1 + (c.id * 37 + j) % (:n_judges - 1) END, 'accepted',
           c.created_by_id, c.opens_at - interval '5 days', c.opens_at - interval '4 days'
    FROM challenges AS c CROSS JOIN generate_series(0, :panel - 1) AS j
    WHERE c.status NOT IN ('draft', 'funded')
    """,
    # Entries of judged challenges get 3 judges (every third one a 4th, asked for as an extra review),
    # rotating through the panel; in the challenge being judged, judge 0 has every entry.
    """
    INSERT INTO assignments (challenge_id, judge_id, submission_id, status, assigned_at)
    SELECT s.challenge_id,
           :j0 + CASE WHEN s.challenge_id <= 2 THEN (CASE WHEN s.challenge_id = 2 THEN 0 ELSE s.slot END + j) % :panel
                      ELSE 1 + (s.challenge_id * 37 + (s.slot + j) % :panel) % (:n_judges - 1) END,
           s.id, 'active', c.closes_at + interval '1 hour'
    FROM (SELECT id, challenge_id, row_number() OVER (PARTITION BY challenge_id ORDER BY id) - 1 AS slot
          FROM submissions) AS s
    JOIN challenges AS c ON c.id = s.challenge_id
    CROSS JOIN generate_series(0, 3) AS j
    WHERE c.status = ANY(CAST(:judged AS text[])) AND (j < 3 OR s.id % 3 = 0)
    ORDER BY s.id, j
    """,
    # Decided challenges: every review submitted. Being judged: two in three submitted, the rest drafts.
    """
    INSERT INTO reviews (assignment_id, scores, comment_for_sponsor, comment_for_contributor, status,
                         updated_at, submitted_at)
    SELECT a.id,
           (SELECT json_object_agg(rc.id::text, 1 + (a.id + rc.position) % 10)
            FROM rubric_criteria AS rc WHERE rc.challenge_id = a.challenge_id),
           'Solid work.', 'Thank you for the entry.',
           CASE WHEN c.status = 'judging' AND a.id % 3 = 0 THEN 'draft' ELSE 'submitted' END,
           a.assigned_at + interval '3 days',
           CASE WHEN c.status = 'judging' AND a.id % 3 = 0 THEN NULL ELSE a.assigned_at + interval '3 days' END
    FROM assignments AS a JOIN challenges AS c ON c.id = a.challenge_id
    ORDER BY a.id
    """,
    """
    INSERT INTO entry_results (challenge_id, submission_id, rank, place, calibrated_score, raw_mean, p_prize,
                               p_first, sd, tie_group, review_count, flags, computed_at)
    SELECT ranked.challenge_id, ranked.id, ranked.rank, ranked.rank, 9.5 - ranked.rank * 0.01,
           9.4 - ranked.rank * 0.01, greatest(0.0, 1.0 - ranked.rank * 0.2), greatest(0.0, 1.0 - ranked.rank * 0.5),
           0.4, ranked.rank, CASE WHEN ranked.id % 3 = 0 THEN 4 ELSE 3 END,
           CASE WHEN ranked.rank = 3 THEN '["near_prize_line"]'::json ELSE '[]'::json END,
           c.closes_at + interval '10 days'
    FROM (SELECT id, challenge_id, row_number() OVER (PARTITION BY challenge_id ORDER BY id) AS rank
          FROM submissions) AS ranked
    JOIN challenges AS c ON c.id = ranked.challenge_id
    WHERE c.status = ANY(CAST(:decided AS text[]))
    """,
    """
    INSERT INTO judge_calibrations (challenge_id, judge_id, leniency, scale, noise, relative_weight,
                                    review_count, computed_at)
    SELECT p.challenge_id, p.judge_id, 0.1 * (p.judge_id % 5) - 0.2, 1.0, 0.5, 1.0,
           (SELECT count(*) FROM assignments AS a
            WHERE a.challenge_id = p.challenge_id AND a.judge_id = p.judge_id),
           c.closes_at + interval '10 days'
    FROM panel_members AS p JOIN challenges AS c ON c.id = p.challenge_id
    WHERE c.status = ANY(CAST(:decided AS text[]))
    """,
    # Funding: each sponsor organisation's account, each challenge's escrow, one transaction per funding.
    """
    INSERT INTO ledger_accounts (kind, currency, organization_id, challenge_id, owner, created_at)
    SELECT 'sponsor', cur, o.id, NULL, 'organization:' || o.id, o.created_at
    FROM organizations AS o CROSS JOIN (VALUES ('USD'), ('PTS')) AS currencies(cur) WHERE o.is_sponsor
    UNION ALL
    SELECT 'escrow', c.currency, NULL, c.id, 'challenge:' || c.id, c.created_at
    FROM challenges AS c WHERE c.status <> 'draft'
    """,
    """
    INSERT INTO ledger_transactions (id, idempotency_key, kind, memo, challenge_id, created_by_id, created_at)
    SELECT c.id, 'challenge:' || c.id || '\\:fund', 'fund', 'Bounty into escrow', c.id, c.created_by_id,
           c.opens_at - interval '2 days'
    FROM challenges AS c WHERE c.status <> 'draft'
    """,
    """
    INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency)
    SELECT c.id, a.id, CASE a.kind WHEN 'escrow' THEN c.bounty_minor ELSE -c.bounty_minor END, c.currency
    FROM challenges AS c
    JOIN ledger_accounts AS a
      ON a.currency = c.currency
     AND (a.owner = 'challenge:' || c.id OR a.owner = 'organization:' || c.sponsor_org_id)
    WHERE c.status <> 'draft'
    """,
    """
    INSERT INTO audit_events (occurred_at, actor_id, action, subject_type, subject_id, data)
    SELECT c.created_at, c.created_by_id, 'challenge.created', 'challenges', c.id::text, '{}'::json
    FROM challenges AS c
    UNION ALL
    SELECT s.created_at, s.contributor_id, 'submission.created', 'submissions', s.id::text,
           json_build_object('challenge_id', s.challenge_id)
    FROM submissions AS s
    """,
    """
    INSERT INTO notifications (user_id, subject, body, link, created_at, read_at)
    SELECT s.contributor_id, 'Your entry is in', 'Entry ' || s.alias || ' was received.',
           '/submissions/' || s.id, s.created_at, CASE WHEN s.id % 2 = 0 THEN s.created_at END
    FROM submissions AS s
    """,
    """
    INSERT INTO api_tokens (user_id, name, prefix, secret_sha256, scope, created_at, expires_at)
    VALUES (2, 'bench', :sponsor_prefix, :sponsor_digest, 'read', :now - interval '1 day', :now + interval '300 days'),
           (:j0, 'bench', :judge_prefix, :judge_digest, 'read', :now - interval '1 day', :now + interval '300 days'),
           (:c0, 'bench', :contributor_prefix, :contributor_digest, 'read', :now - interval '1 day',
            :now + interval '300 days')
    """,
    # Signed-in browsers: three per person over the years, all but the last signed out.
    """
    INSERT INTO user_sessions (user_id, key_sha256, created_at, ended_at)
    SELECT u.id, encode(sha256(('session:' || u.id || ':' || n)::bytea), 'hex'),
           :now - (4 - n) * interval '90 days', CASE WHEN n < 3 THEN :now - (4 - n) * interval '80 days' END
    FROM users AS u CROSS JOIN generate_series(1, 3) AS n
    """,
    # Every tenth person keeps an API token (the bench's own tokens are added below).
    """
    INSERT INTO api_tokens (user_id, name, prefix, secret_sha256, scope, created_at, expires_at)
    SELECT u.id, 'script', 'pdm_' || lpad(to_hex(4096 + u.id), 12, '0'), encode(sha256(('t' || u.id)::bytea), 'hex'),
           'read', :now - interval '30 days', :now + interval '60 days'
    FROM users AS u WHERE u.id % 10 = 0
    """,
    # Explicit ids were written: move each sequence past them, so the services can add rows afterwards.
    """
    SELECT setval(pg_get_serial_sequence(table_name, 'id'), greatest(1, max_id))
    FROM (VALUES
        ('organizations', (SELECT max(id) FROM organizations)),
        ('organization_domains', (SELECT max(id) FROM organization_domains)),
        ('users', (SELECT max(id) FROM users)),
        ('challenges', (SELECT max(id) FROM challenges)),
        ('rubric_criteria', (SELECT max(id) FROM rubric_criteria)),
        ('submissions', (SELECT max(id) FROM submissions)),
        ('submission_versions', (SELECT max(id) FROM submission_versions)),
        ('uploads', (SELECT max(id) FROM uploads)),
        ('ledger_transactions', (SELECT max(id) FROM ledger_transactions))
    ) AS written(table_name, max_id)
    """,
]
