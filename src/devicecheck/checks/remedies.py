"""Remediation: the officer's text for this OS and the deep link that opens the right
settings page, plus IT's side of the same fix (``it_detail``), all from the check's entry in
``checks.registry`` unless the check has words for its situation."""

from __future__ import annotations

from collections.abc import Mapping

from devicecheck.checks import registry
from devicecheck.checks.base import Check, Context, Remediation


def _for_os(texts: Mapping[str, str], os_name: str) -> str:
    return texts.get(os_name) or texts.get("any") or ""


def remedy(check: Check, ctx: Context, texts: Mapping[str, str] | None = None, *,
           contact: bool = True, it: Mapping[str, str] | str | None = None,
           **fill: object) -> Remediation:
    """The remediation for ``ctx.os_name``: ``texts`` (situation-specific words) or else
    the registry's, with ``fill`` put into its ``{placeholders}``; ``contact`` adds the IT
    contact for problems the officer cannot fix alone. ``it`` is IT's detail (per OS, or
    one string); without it, the registry's ``it_remedy`` when the officer's words are the
    registry's too (a situation's own words get no IT text that was written for another)."""
    try:
        entry: registry.CheckSpec | None = registry.spec(check.id)
    except KeyError:
        entry = None
    if it is None and texts is None and entry is not None:
        it = entry.it_remedy
    if texts is None:
        texts = entry.remedy if entry else {}
    text = _for_os(texts, ctx.os_name) or "Ask IT to check this laptop."
    detail = it if isinstance(it, str) else _for_os(it or {}, ctx.os_name)
    if fill:
        text = text.format(**fill)
        detail = detail.format(**fill)
    if contact:
        text = check.with_contact(text, ctx)
    return Remediation(text, entry.links.get(ctx.os_name) if entry else None, detail)


def could_not_read(ctx: Context, fix: Remediation) -> Remediation:
    """A setting the check could not read: nothing says it is off, so the officer is not
    told to turn it on (that advice would be a guess); they check again or ask IT. The
    fix for when it really is off is IT's detail, and the settings link stays so the
    officer can look."""
    detail = " ".join(p for p in (f"If it is off: {fix.text}", fix.it_detail) if p)
    return Remediation("DeviceCheck could not read this setting. Check again in a few "
                       "minutes. If this keeps happening, contact "
                       f"{ctx.policy.organisation.it_contact}.", fix.link, detail)


def try_again(ctx: Context, detail: str) -> Remediation:
    """A check that could not run or read its facts: nothing the officer can fix but a new
    try; what went wrong is IT's detail (an exception, a timeout, a command's error)."""
    return Remediation("Check again in a few minutes. If this keeps happening, contact "
                       f"{ctx.policy.organisation.it_contact}.", it_detail=detail)
