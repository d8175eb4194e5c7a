"""Officer-facing remediation: the text for this OS and the deep link that opens the right
settings page, both from the check's entry in ``checks.registry``."""

from __future__ import annotations

from collections.abc import Mapping

from devicecheck.checks import registry
from devicecheck.checks.base import Check, Context, Remediation


def remedy(check: Check, ctx: Context, texts: Mapping[str, str] | None = None, *,
           contact: bool = True, **fill: object) -> Remediation:
    """The remediation for ``ctx.os_name``: ``texts`` (situation-specific words) or else
    the registry's, with ``fill`` put into its ``{placeholders}``; ``contact`` adds the IT
    contact for problems the officer cannot fix alone."""
    try:
        entry: registry.CheckSpec | None = registry.spec(check.id)
    except KeyError:
        entry = None
    if texts is None:
        texts = entry.remedy if entry else {}
    text = texts.get(ctx.os_name) or texts.get("any") or "Ask IT to check this laptop."
    if fill:
        text = text.format(**fill)
    if contact:
        text = check.with_contact(text, ctx)
    return Remediation(text, entry.links.get(ctx.os_name) if entry else None)
