"""Validation of pooling parameters, each failure an :class:`InputError` sentence."""

from __future__ import annotations

import numbers
from typing import Any

from pooling_core.errors import InputError


def _label(name: str) -> str:
    """``pool_factor`` -> ``The pool factor`` (messages are sentences)."""
    text = name.replace("_", " ")
    return text[0].upper() + text[1:] if text.lower().startswith("the ") else f"The {text}"


def positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an int ``>= minimum``, else an :class:`InputError` naming ``name``."""
    label = _label(name)
    if isinstance(value, bool):
        raise InputError(f"{label} must be a whole number, not {value!r}.")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise InputError(f"{label} must be a whole number, not {value!r}.")
    value = int(value)
    if value < minimum:
        raise InputError(f"{label} must be at least {minimum}; got {value}.")
    return value


def window_pair(value: Any) -> tuple[int, int]:
    """A window ``(kh, kw)``; a single int ``k`` means ``(k, k)``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    try:
        kh, kw = value
    except (TypeError, ValueError) as exc:
        raise InputError(f"The window must be a pair (rows, columns), not {value!r}.") from exc
    return positive_int("window height", kh), positive_int("window width", kw)


def one_of(**named: Any) -> str:
    """The name of the only parameter that is not ``None``; at most one may be given."""
    given = [k for k, v in named.items() if v is not None]
    if len(given) > 1:
        raise InputError(f"Give only one of {', '.join(named)}; got {', '.join(given)}.")
    return given[0] if given else ""
