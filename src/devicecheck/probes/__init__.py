"""Probes gather raw facts from the OS. Parsers are pure functions of command output and
raise the one documented error type, ``ParseError``, on text they cannot read."""


class ParseError(ValueError):
    """Raised by a parser for input it cannot make sense of. It never guesses a pass."""


__all__ = ["ParseError"]
