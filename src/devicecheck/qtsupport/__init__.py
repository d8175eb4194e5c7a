"""Qt plumbing shared by the tray, the pre-call window and the headless ``watch``: pool
workers and who keeps them alive, checks in a child process, garbage collection in the GUI
thread, a clean quit on SIGTERM/SIGINT, the focus style and the state icons.

Nothing here imports ``devicecheck.ui``'s windows or the tray, so both can use it without
an import cycle; importing this package itself loads no Qt."""
