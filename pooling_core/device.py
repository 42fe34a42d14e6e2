"""Choosing the torch device: ``cuda`` first, then Apple ``mps``, then ``cpu``.

Every function of :mod:`pooling_core` accepts tensors on any device and returns its
results on the device of its input; :func:`resolve` is only needed where the library
creates tensors itself (encoders, benchmarks).
"""

from __future__ import annotations

import torch

from pooling_core.errors import InputError


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve(device: str | torch.device | None = "auto") -> torch.device:
    """Return the torch device to use.

    ``"auto"`` (or ``None``) picks ``cuda`` when a CUDA GPU is visible, else ``mps`` on
    Apple silicon, else ``cpu``. An explicit name (``"cpu"``, ``"cuda"``, ``"cuda:1"``,
    ``"mps"``) or a :class:`torch.device` is checked for availability.

    >>> resolve("cpu")
    device(type='cpu')
    """
    if device is None or (isinstance(device, str) and device.strip().lower() == "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device.strip().lower() if isinstance(device, str) else device)
    except (RuntimeError, TypeError) as exc:
        raise InputError(
            f"'{device}' is not a device name; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'."
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError("A CUDA device was requested but no CUDA GPU is available here.")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(
                f"CUDA device {dev.index} was requested but only "
                f"{torch.cuda.device_count()} GPU(s) are visible."
            )
    elif dev.type == "mps" and not _mps_available():
        raise InputError("The Apple 'mps' device was requested but it is not available here.")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise InputError(f"Device type '{dev.type}' is not supported; use cpu, cuda or mps.")
    return dev
