"""Recording guard, non-Qt half: the IT attestation of the Teams recording policy,
recording software on the laptop, and what the live alert says and audits.

The Qt half (the alert window and the in-meeting watcher) is ``devicecheck.ui.recording_alert``.
"""
