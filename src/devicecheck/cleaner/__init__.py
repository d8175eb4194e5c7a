"""The meeting-data cleaner: catalogue (data), plan (read-only), delete (fd-safe), audit.

Import from the module that holds a name: ``cleaner.run`` (``clean``, ``CleanResult``),
``cleaner.plan`` (``plan_clean``, ``Plan``, ``Budget``), ``cleaner.history``
(``last_clean``, ``last_meeting_end`` for the ``meeting-data`` check), ``cleaner.catalogue``
(``CLIENT_IDS``, ``process_names``). This package file re-exports nothing on purpose:
the tray's start-up reads the catalogue (pure data) before its icon, and a package that
imported its planner, delete walk, audit log and policy loader here cost that start-up
about 30 ms (benchmarks/tray_startup.py).
"""
