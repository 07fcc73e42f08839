"""The audit trail: every apply written ahead, step by step, hash-chained.

records.py  what a line holds (begin, step, tokens, end)
trail.py    the writer an apply appends to as it goes
verify.py   reading a log back, and checking its chain
"""

from pathlib import Path

from scimform.audit.records import (
    UNKNOWN_ACTOR,
    Begin,
    End,
    Member,
    PullRequest,
    Step,
    TokenRecord,
    Tokens,
    actor_of,
    target_for_record,
)
from scimform.audit.trail import REDACTED, AuditTrail
from scimform.audit.verify import ApplyRecord, Log, read_log, read_records

DEFAULT_AUDIT_LOG = Path(".scimform") / "audit.jsonl"

__all__ = [
    "DEFAULT_AUDIT_LOG",
    "REDACTED",
    "UNKNOWN_ACTOR",
    "ApplyRecord",
    "AuditTrail",
    "Begin",
    "End",
    "Log",
    "Member",
    "PullRequest",
    "Step",
    "TokenRecord",
    "Tokens",
    "actor_of",
    "read_log",
    "read_records",
    "target_for_record",
]
