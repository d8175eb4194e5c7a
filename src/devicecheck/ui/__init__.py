"""The desktop side of DeviceCheck (PySide6), grouped by role:

- ``tray/``: the tray app (controller, menu, start-up, one copy per user, autostart, the
  Teams link adapter and its hooks, the check scheduler);
- ``windows/``: every window, each imported only when it first opens;
- ``model/``: the pure rules for tray state, tooltip and notifications (no Qt);
- ``app.py``: the entry points ``run_app`` and ``DeviceCheckApp``.

Qt plumbing shared with the headless ``watch`` lives in ``devicecheck.qtsupport``."""
