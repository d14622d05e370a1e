"""Independent state capture for the engine tests (deliberately not the engine's own snapshot code)."""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F


def full_state(model, optimizer, scheduler=None, grad_scaler=None, loader=None) -> dict[str, Any]:
    """Deep copies of every piece of training state, plus the identities that must survive."""
    params = list(model.parameters())
    return {
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "grads": [None if p.grad is None else p.grad.detach().clone() for p in params],
        "requires_grad": [p.requires_grad for p in params],
        "modes": [m.training for m in model.modules()],
        "optimizer": copy.deepcopy(optimizer.state_dict()),
        "scheduler": copy.deepcopy(scheduler.state_dict()) if scheduler is not None else None,
        "scaler": copy.deepcopy(grad_scaler.state_dict()) if grad_scaler is not None else None,
        "python_rng": random.getstate(),
        "numpy_rng": np.random.get_state(),
        "torch_rng": torch.get_rng_state(),
        "loader_rng": loader.generator.get_state() if loader is not None else None,
        "ids": identities(model, optimizer),
    }


def identities(model, optimizer) -> dict[str, list[int]]:
    """Object identities the user may hold: parameters, buffers, grads, optimizer state and groups."""
    return {
        "params": [id(p) for p in model.parameters()],
        "buffers": [id(b) for b in model.buffers()],
        "grads": [id(p.grad) for p in model.parameters()],
        "state_keys": [id(k) for k in optimizer.state],
        "state_tensors": [id(v) for s in optimizer.state.values() for v in s.values()],
        "groups": [id(g) for g in optimizer.param_groups],
        "group_params": [id(p) for g in optimizer.param_groups for p in g["params"]],
    }


def assert_bitwise_equal(a: Any, b: Any, path: str = "state") -> None:
    """Recursive equality where tensors must match dtype, shape and every byte (nan == nan too)."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), path
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert torch.equal(_bytes(a), _bytes(b)), f"{path} differs"
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path} keys {a.keys()} != {b.keys()}"
        for k in a:
            assert_bitwise_equal(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_bitwise_equal(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _bytes(t: torch.Tensor) -> torch.Tensor:
    return t.detach().cpu().contiguous().reshape(-1).view(torch.uint8)


class Boom(Exception):
    """The error the scripted failures raise."""


def scripted_loss(kind: str, at: int = 4, seen: list | None = None):
    """cross_entropy that turns bad after ``at`` calls: huge ("diverged"), nan ("non_finite"), raises
    Boom ("error" / "loss_error") or KeyboardInterrupt ("interrupt"); any other kind stays good.
    ``seen`` records each call's number."""
    calls = {"n": 0}

    def loss(out, y):
        calls["n"] += 1
        if seen is not None:
            seen.append(calls["n"])
        base = F.cross_entropy(out, y)
        if calls["n"] <= at:
            return base
        if kind == "diverged":
            return base * 1e3
        if kind == "non_finite":
            return base * float("nan")
        if kind in ("error", "loss_error"):
            raise Boom("loss failed")
        if kind == "interrupt":
            raise KeyboardInterrupt
        return base

    return loss
