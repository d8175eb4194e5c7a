"""The pairing token Teams hands us (``tokenRefresh``): kept in the user data dir,
readable by the user alone, never logged.

The token lets whoever holds it read meeting state and send actions to the officer's
Teams, so it is written atomically with mode 0600 (on Windows the per-user data folder's
ACL does the same job) and a file anyone else could read is refused on POSIX.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

from devicecheck import paths, safefile

log = logging.getLogger(__name__)

# Tokens seen in the wild are GUID-like or base64; anything else is refused rather than
# written into a URL.
# fullmatch, not ``^…$``: ``$`` also matches before a trailing newline, which would then
# be written into the connection URL (issue 17, item 10).
_TOKEN_RE = re.compile(r"[A-Za-z0-9._~+/=:-]{1,4096}")
#: A token and a newline or two; more is not a token file (read no further).
MAX_FILE_BYTES = 8192


def valid_token(token: object) -> bool:
    return isinstance(token, str) and _TOKEN_RE.fullmatch(token) is not None


class TokenStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.teams_token_path()

    def __repr__(self) -> str:  # the path only: never the token
        return f"TokenStore({str(self.path)!r})"

    def load(self) -> str:
        """The stored token, or "" (never paired, unreadable, or unsafe permissions)."""
        try:
            # Non-blocking, no links, regular files only (safefile: a FIFO would hang).
            fd = safefile.open_regular(self.path, os.O_RDONLY)
            try:
                st = os.fstat(fd)
                if os.name == "posix" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                    log.warning("Ignoring the Teams pairing token: its file is readable by "
                                "other users; pair again.")
                    return ""
                raw = os.read(fd, MAX_FILE_BYTES + 1)
            finally:
                os.close(fd)
            text = raw.decode("utf-8").strip()
        except FileNotFoundError:
            return ""
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("Could not read the Teams pairing token file (%s).",
                        type(exc).__name__)
            return ""
        return text if valid_token(text) else ""

    def save(self, token: str) -> bool:
        """Store ``token`` (0600, atomically). False when refused or not written."""
        if not valid_token(token):
            log.warning("Teams sent a pairing token of an unexpected form; not stored.")
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            # A stale .tmp (a crash) or a planted link or FIFO is removed, never opened:
            # a fresh file, created exclusively, non-blocking (safefile).
            safefile.write_private(self.path, token.encode("utf-8"), tmp=tmp)
        except OSError as exc:
            log.warning("Could not store the Teams pairing token (%s).", type(exc).__name__)
            return False
        log.info("Stored a new Teams pairing token.")
        return True

    def clear(self) -> bool:
        """Forget the stored token (Teams dropped it). False when the file stays."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Could not remove the old Teams pairing token (%s).",
                        type(exc).__name__)
            return False
        return True
