"""Where the policy model's contributed values come from (``policy/contributions.py``).

Slot -> "module:function", as packaging entry points name their objects, so that the
policy package imports none of these registries (and they import nothing of the policy:
they stay plain data). The function returns the slot's ids in order, each with its one
value; the first read of a slot imports its module. A new registry that gives the policy
its values adds a line here (``tests/policy/test_contributions.py`` checks every slot has
exactly one).
"""

PROVIDERS: dict[str, str] = {
    "checks": "devicecheck.checks.registry:policy_values",     # ids, default severities
    "clients": "devicecheck.cleaner.catalogue:policy_values",  # [cleaner] clients
    "signal-sources": "devicecheck.teams.sources:policy_values",  # [teams] disabled_sources
}
