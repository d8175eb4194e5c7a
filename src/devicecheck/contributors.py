"""The registries that contribute values to the policy model (``policy/contributions.py``).

Listed by module name, as packaging entry points are, so that the policy package imports
none of them: the first read of a contributed setting imports these, and each fills its
slot when imported. A new registry that contributes a setting adds its module here
(``tests/policy/test_contributions.py`` checks that every slot is filled by exactly one).
"""

MODULES: tuple[str, ...] = (
    "devicecheck.checks.registry",       # check ids and their default severities
    "devicecheck.cleaner.catalogue",     # [cleaner] clients
    "devicecheck.teams.sources",         # [teams] disabled_sources
)
