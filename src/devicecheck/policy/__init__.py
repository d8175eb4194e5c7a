"""Policy: what IT decides, as one typed model built from layered sources."""

from devicecheck.policy.loader import LoadedPolicy, load_policy
from devicecheck.policy.model import CHECK_IDS, ChecklistItem, Policy, Severity
from devicecheck.policy.schema import PolicyError

__all__ = ["CHECK_IDS", "ChecklistItem", "LoadedPolicy", "Policy", "PolicyError", "Severity",
           "load_policy"]
