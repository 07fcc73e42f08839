"""scimform: plan and apply the people in AWS IAM Identity Center from YAML in git.

The public API (see scimform.api):

    config = scimform.load("people")
    plan = scimform.plan(config, environ=os.environ)
    outcome = scimform.apply(config, plan, environ=os.environ)

or a `scimform.Session` to plan, show, ask and apply against one live read. Errors are
the types of scimform.errors, all under ScimformError.
"""

__version__ = "0.1.0"

from scimform.api import ApplyOutcome, Config, Session, apply, load, plan
from scimform.engine.plan import Plan
from scimform.errors import (
    ConfigError,
    InvalidPlanError,
    LiveReadError,
    ScimformError,
    StalePlanError,
    TargetError,
    TokenRefused,
    UnsafePlanError,
)

__all__ = [
    "ApplyOutcome",
    "Config",
    "ConfigError",
    "InvalidPlanError",
    "LiveReadError",
    "Plan",
    "ScimformError",
    "Session",
    "StalePlanError",
    "TargetError",
    "TokenRefused",
    "UnsafePlanError",
    "__version__",
    "apply",
    "load",
    "plan",
]
