"""Recording guard, non-Qt half: the IT attestation of the Teams recording policy,
recording software on the laptop, and what the live alert says and audits.

The Qt half: the alert window ``devicecheck.ui.windows.recording_alert`` and the
in-meeting watcher ``devicecheck.ui.tray.recording_guard``.
"""
