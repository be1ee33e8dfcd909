"""Imports every model module, so the metadata that Alembic and the tests compare is complete."""

from app.challenges.models import Challenge, RubricCriterion  # noqa: F401
from app.core.audit import AuditEvent  # noqa: F401
from app.jobs import JobRecord  # noqa: F401
from app.judging.models import (  # noqa: F401
    Assignment,
    DeclaredConflict,
    EntryResult,
    JudgeCalibration,
    NamedJudgeConflict,
    PanelMember,
    Review,
)
from app.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction  # noqa: F401
from app.marketplace.models import ApprovalRequest, OutcomeSurvey  # noqa: F401
from app.notifications.models import Notification, OutboxMessage  # noqa: F401
from app.payouts.models import PayeeDetails, Payout, PayoutBatch  # noqa: F401
from app.submissions.models import (  # noqa: F401
    StorageCheck,
    StorageMismatch,
    Submission,
    SubmissionVersion,
    Upload,
)

# Read by the app factory: importing this module is what puts every table in the metadata.
METADATA_IS_COMPLETE = True
