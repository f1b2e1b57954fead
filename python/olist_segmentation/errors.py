"""The package's errors: each one a message for the user, no traceback.

The command line prints ``error: <message>`` and exits with status 2 for
every :class:`OlistError`.
"""

from __future__ import annotations


class OlistError(RuntimeError):
    """An error the user can fix; its message says how."""


class WarehouseError(OlistError):
    """The warehouse file is missing, locked, unusable or lacks the marts."""
