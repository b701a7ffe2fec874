"""The one base class for bad input (params, data files, weights, style requests)."""


class InputError(Exception):
    """Bad input, not a bug: a stage reports it in one line, without a traceback."""


class ArtifactError(InputError, RuntimeError):
    """A missing, corrupt, truncated or unsafe file; the message names it."""
