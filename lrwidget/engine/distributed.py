"""Keep every rank of a distributed job on the same curve: mean loss across ranks, stop together.

Each rank computes its own loss on its own shard; if each recorded it, each rank's stop rule could fire
at a different step and the next collective (DDP's gradient all-reduce) would hang. So the loss is
mean-reduced across ranks before it is recorded, and a cancel request on any rank travels with it.
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def is_distributed() -> bool:
    """True when ``torch.distributed`` is available and a process group is initialised."""
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's rank (0 when not distributed)."""
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    """Number of ranks (1 when not distributed)."""
    return dist.get_world_size() if is_distributed() else 1


def mean_loss_and_any(loss: torch.Tensor, flag: bool) -> tuple[float, bool]:
    """All-reduce ``loss`` (mean over ranks) and ``flag`` (True if any rank set it) in one collective.

    One two-element SUM (gloo has no AVG) and one host read per step, the same count as without it.
    """
    value = loss.detach().reshape(()).float()
    packed = torch.stack([value, value.new_tensor(float(flag))])
    dist.all_reduce(packed, op=dist.ReduceOp.SUM)
    total, flags = packed.tolist()
    return total / dist.get_world_size(), flags > 0
