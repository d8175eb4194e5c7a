"""``screen-lock``: the screen locks by itself after at most the policy's idle minutes.

We compute "seconds of idleness until the screen is locked" from what each OS exposes
without admin rights, and compare it with ``screen_lock.max_idle_minutes``. A setting we
cannot read is ``unknown``; "never" is a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Context, PerOsCheck, Remediation, Status, Verdict
from devicecheck.checks.per_user import (
    judging_console_user,
    only_console_user,
    user_home,
    user_registry,
)
from devicecheck.checks.remedies import remedy
from devicecheck.probes import linux, macos, windows
from devicecheck.probes.processes import find_processes

#: Desktop shells that tell us which desktop runs when the environment does not say.
SHELLS = ("gnome-shell", "plasmashell", "ksmserver", "kwin_wayland", "kwin_x11")
#: KDE's defaults when kscreenlockerrc leaves a key out.
KDE_DEFAULTS = {"autolock": True, "timeout_min": 5, "lock_grace_s": 5}


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def windows_lock_seconds(values: Mapping[str, Any]) -> tuple[int | None, list[str]]:
    """Seconds until Windows locks, from the machine inactivity limit and the secure screen
    saver (a policy value beats the user's own), plus the signals seen."""
    signals: list[str] = []
    candidates: list[int] = []
    limit = _int((values.get("machine_policy") or {}).get("InactivityTimeoutSecs"))
    if limit:
        signals.append(f"machine inactivity limit {limit} s")
        candidates.append(limit)
    device_lock = values.get("mdm_device_lock") or {}
    minutes = _int(device_lock.get("MaxInactivityTimeDeviceLock"))
    if minutes:
        # Counts only while DevicePasswordEnabled is 0 (probes.windows DEVICE_LOCK_VALUES).
        enforced = _int(device_lock.get("DevicePasswordEnabled")) == 0
        signals.append(f"Intune DeviceLock limit {minutes} min"
                       + ("" if enforced else " (not enforced: DevicePasswordEnabled is not 0)"))
        if enforced:
            candidates.append(minutes * 60)
    merged = {**(values.get("user") or {}), **(values.get("user_policy") or {})}
    if merged:
        active = str(merged.get("ScreenSaveActive", "1")).strip() == "1"
        secure = str(merged.get("ScreenSaverIsSecure", "0")).strip() == "1"
        timeout = _int(merged.get("ScreenSaveTimeOut"))
        chosen = bool(str(merged.get("SCRNSAVE.EXE") or "").strip())
        active = active and chosen
        signals.append(f"screen saver {'on' if active else 'off' if chosen else 'not chosen'}, "
                       f"{'asks for sign-in' if secure else 'no sign-in on resume'}, "
                       f"after {timeout if timeout is not None else '?'} s"
                       + (" (policy)" if values.get("user_policy") else ""))
        if active and secure and timeout:
            candidates.append(timeout)
    return (min(candidates) if candidates else None), signals


class ScreenLockCheck(PerOsCheck):
    id = "screen-lock"
    timeout_s = 8.0
    per_user = True

    def gather_windows(self, ctx: Context) -> Mapping[str, Any]:
        return windows.screen_lock_values(user_registry(ctx))

    def gather_macos(self, ctx: Context) -> Mapping[str, Any]:
        console = judging_console_user(ctx) and ctx.console
        user = ctx.console.name if console and ctx.console else ctx.account
        return macos.screen_lock(ctx.runner, ctx.root, user, as_root=ctx.service)

    def gather_linux(self, ctx: Context) -> Mapping[str, Any]:
        # As root the session's environment is not ours: the desktop is read from the
        # console user's own shell process, and their settings as them.
        as_user = judging_console_user(ctx) and ctx.console is not None
        env = {} if as_user else dict(ctx.env)
        running = [] if linux.session_desktop(env, []) else \
            [p.name for p in only_console_user(ctx, find_processes(SHELLS, os_name="linux"))]
        desktop = linux.session_desktop(env, running)
        facts: dict[str, Any] = {"desktop": desktop, "family": linux.desktop_family(desktop)}
        if facts["family"] == "gnome":
            facts["gnome"] = linux.gnome_screen_lock(
                ctx.runner, as_user=(ctx.console.name, ctx.console.home, ctx.console.uid)
                if as_user and ctx.console else None)
        elif facts["family"] == "kde":
            facts["kde"] = linux.kde_screen_lock(ctx.root, user_home(ctx), env)
        return facts

    def judge_windows(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        evidence = self._evidence(ctx)
        if facts.get("error"):
            return Verdict(Status.UNKNOWN, f"Could not read the lock settings: {facts['error']}.",
                           {**evidence, **facts}, self._ask(ctx))
        seconds, signals = windows_lock_seconds(facts)
        evidence["signals"] = signals
        if not seconds and facts.get("mdm_enrolled"):
            # Intune may enforce the lock through a channel we do not read: an
            # enrolled laptop with no readable limit is unknown, never "never locks".
            evidence["mdm_enrolled"] = True
            return Verdict(Status.UNKNOWN, "This laptop is managed by Intune, but no "
                           "screen-lock limit could be read (DeviceLock, the machine "
                           "inactivity limit or a secure screen saver).", evidence,
                           self._ask(ctx))
        return self._against_limit(seconds, None, evidence, ctx)

    def judge_macos(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        evidence = self._evidence(ctx)
        return self._against_limit(*self._macos_seconds(facts, evidence), evidence, ctx)

    def judge_linux(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        evidence = self._evidence(ctx)
        return self._against_limit(*self._linux_seconds(facts, evidence), evidence, ctx)

    @staticmethod
    def _evidence(ctx: Context) -> dict[str, Any]:
        return {"max_idle_minutes": ctx.policy.screen_lock.max_idle_minutes}

    def _ask(self, ctx: Context) -> Remediation:
        # The officer can change the setting alone, but not find out why we could not read it.
        return remedy(self, ctx, m=ctx.policy.screen_lock.max_idle_minutes)

    def _against_limit(self, seconds: int | None, unknown: str | None,
                       evidence: dict[str, Any], ctx: Context) -> Verdict:
        """The lock delay against ``max_idle_minutes`` (``unknown``: why it is not known)."""
        limit_min = ctx.policy.screen_lock.max_idle_minutes
        if unknown:
            return Verdict(Status.UNKNOWN, unknown, evidence, self._ask(ctx))
        fix = remedy(self, ctx, contact=False, m=limit_min)
        evidence["lock_after_s"] = seconds
        if not seconds:
            return Verdict(Status.FAIL, "The screen never locks by itself.", evidence, fix)
        shown = f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"
        if seconds <= limit_min * 60:
            return Verdict(Status.PASS, f"The screen locks after {shown} idle.", evidence)
        return Verdict(Status.FAIL, f"The screen locks only after {shown} idle; the council "
                       f"allows at most {limit_min} min.", evidence, fix)

    @staticmethod
    def _macos_seconds(facts: Mapping[str, Any],
                       evidence: dict[str, Any]) -> tuple[int | None, str | None]:
        evidence["signals"] = list(facts.get("signals", []))
        lock = facts.get("lock")
        managed = facts.get("managed") or {}
        evidence.update(lock=lock, managed=managed or None,
                        screensaver_idle_s=facts.get("screensaver_idle_s"),
                        display_sleep_min=facts.get("display_sleep_min"))
        if lock is None and managed.get("askForPassword") in (1, True):
            lock = {"enabled": True, "delay_s": _int(managed.get("askForPasswordDelay")) or 0}
        if lock is None:
            why = " Run as root, only configuration profiles are read." \
                if any("run as root" in str(x) for x in evidence["signals"]) else ""
            return None, "Could not read whether the Mac asks for a password after sleep." + why
        if not lock["enabled"]:
            return 0, None
        idle = [s for s in (facts.get("managed_idle_s") or facts.get("screensaver_idle_s"),
                            (facts.get("display_sleep_min") or 0) * 60) if s]
        if not idle and facts.get("display_sleep_min") is None:
            return None, "Could not read when the screen saver or display sleep starts."
        return ((min(idle) + int(lock.get("delay_s") or 0)) if idle else 0), None

    @staticmethod
    def _linux_seconds(facts: Mapping[str, Any],
                       evidence: dict[str, Any]) -> tuple[int | None, str | None]:
        evidence["desktop"] = facts.get("desktop")
        gnome, kde = facts.get("gnome") or {}, facts.get("kde")
        if gnome and "error" not in gnome:
            evidence["gnome"] = dict(gnome)
            evidence["signals"] = [f"GNOME lock-enabled {gnome.get('lock-enabled')}",
                                   f"idle-delay {gnome.get('idle-delay')} s",
                                   f"lock-delay {gnome.get('lock-delay')} s"]
            idle, delay = gnome.get("idle-delay"), gnome.get("lock-delay")
            if not isinstance(idle, int) or not isinstance(delay, int) or \
                    not isinstance(gnome.get("lock-enabled"), bool):
                return None, "GNOME's lock settings have unexpected values."
            if not gnome["lock-enabled"] or idle <= 0:
                return 0, None
            return idle + max(delay, 0), None
        if facts.get("family") == "kde":
            settings = {**KDE_DEFAULTS, **{k: v for k, v in (kde or {}).items() if k != "files"}}
            evidence["kde"] = settings
            evidence.setdefault("signals", []).append(
                f"KDE kscreenlockerrc ({', '.join((kde or {}).get('files', [])) or 'defaults'}): "
                f"autolock {settings['autolock']}, timeout {settings['timeout_min']} min")
            if not settings["autolock"] or settings["timeout_min"] <= 0:
                return 0, None
            return settings["timeout_min"] * 60 + settings["lock_grace_s"], None
        if gnome.get("error"):
            return None, f"Could not read GNOME's screen-lock settings: {gnome['error']}."
        if facts.get("desktop"):
            return None, (f"DeviceCheck cannot read the screen-lock settings of "
                          f"{facts['desktop']} (it reads GNOME and KDE).")
        evidence["signals"] = ["no desktop named by XDG_CURRENT_DESKTOP",
                               f"none of {', '.join(SHELLS)} running"]
        return None, "No desktop session was found, so the screen-lock settings are unknown."
