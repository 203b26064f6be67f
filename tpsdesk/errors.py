"""Typed errors raised by the core. Each message tells a person what to fix.

The CLI maps them to exit codes (2 bad input / unknown, 3 refused, 4 conflict,
1 environment); the screens show ``str(error)`` as one notification.
"""

from __future__ import annotations


class TpsError(Exception):
    """Base of every error a person can cause."""

    exit_code = 1


class ValidationError(TpsError):
    """Bad input; ``field`` names what to fix."""

    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(TpsError):
    """An unknown id, logon, site or Centre."""

    exit_code = 2


class PermissionDenied(TpsError):
    """Refused by the permission matrix (R5, R6); the message says why."""

    exit_code = 3


class Conflict(TpsError):
    """Someone else claimed or changed the row first (E11)."""

    exit_code = 4

    def __init__(self, message: str, changed_by: str | None = None) -> None:
        super().__init__(message)
        self.changed_by = changed_by


class PolicyError(TpsError):
    """The policy data is malformed; the message names the key."""

    exit_code = 2


class ConfigError(TpsError):
    """The environment is not set up (e.g. missing PostgreSQL driver)."""

    exit_code = 2


class EnvironmentFault(TpsError):
    """The machine or the database server is in the way (a read-only folder, a full disk,
    a damaged or locked database, an unreachable server): nothing the input can fix. The
    message names the file or the server and what to do."""

    exit_code = 1
