"""The one exception type that user-facing code catches.

Every loader, encoder and pooling function raises :class:`InputError` for input a user
can fix (a corrupt file, a pool factor of 0, a grid that does not fit the vectors). Its
message is a sentence meant to be shown as is; anything else that escapes is a bug.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input, with a message a user understands (shown verbatim in the app)."""
