"""The Teams link: know when a meeting starts and ends, whether it is recorded, and clean
up after it once Teams has closed.

Pure parts (no Qt, no I/O beyond what their names say): ``state`` (the meeting state
machine), ``autoclean`` (when to clean), ``protocol`` (local API messages), ``token``
(the pairing token file), ``processes`` (the process signal), ``capability`` (Windows
microphone/camera use). Qt parts: ``localapi`` (the WebSocket client) and ``monitor``
(``TeamsMonitor``, tying it all together). Nothing here is imported by ``devicecheck
check``; this package's ``__init__`` imports nothing so importing ``teams.state`` stays
Qt-free.
"""
