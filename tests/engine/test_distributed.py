"""Two CPU processes (gloo): every rank records the same mean-reduced curve and stops at the same step."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from lrwidget.core.result import RangeTestResult
from lrwidget.engine.entry import lr_find
from lrwidget.examples.digits import digits_tensors, small_mlp

WORLD = 2


def _worker(rank: int, world: int, folder: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=world)
    try:
        x, y = digits_tensors(seed=0)[0].tensors
        shard = [(x[i : i + 32], y[i : i + 32]) for i in range(rank * 32, 640, 32 * world)]  # disjoint shards
        model = DistributedDataParallel(small_mlp(seed=0, dropout=0.0))
        with torch.no_grad():
            first_local = F.cross_entropy(model.module(shard[0][0]), shard[0][1]).item()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        diverging = lr_find(
            model, opt, F.cross_entropy, shard, start_lr=1e-3, end_lr=1e5, num_it=60, progress=False
        )
        cancel = threading.Event()

        def on_step(event):
            if rank == 0 and event.step == 3:
                cancel.set()  # only rank 0 asks; both must stop together

        cancelled = lr_find(
            model,
            opt,
            F.cross_entropy,
            shard,
            num_it=50,
            end_lr=1e-2,
            cancel=cancel,
            on_step=on_step,
            progress=False,
        )
        out = {
            "first_local": first_local,
            "diverging": diverging.to_dict(),
            "cancelled": cancelled.to_dict(),
        }
        with open(f"{folder}/rank{rank}.json", "w") as f:
            json.dump(out, f)
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
@pytest.mark.timeout(120)
def test_two_ranks_record_the_same_curve_and_stop_together(tmp_path):
    """The loss is mean-reduced across ranks, so both ranks record one curve and stop at the same step."""
    mp.spawn(_worker, args=(WORLD, str(tmp_path)), nprocs=WORLD, join=True)
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(WORLD)]
    curves = [RangeTestResult.from_dict(r["diverging"]) for r in ranks]
    assert curves[0].stop_reason in ("diverged", "non_finite")
    assert len(curves[0]) < 60
    np.testing.assert_array_equal(curves[0].losses, curves[1].losses)
    assert curves[0].stop_reason == curves[1].stop_reason
    # the recorded first loss is the mean of the ranks' own first losses, not either one
    local = [r["first_local"] for r in ranks]
    assert local[0] != pytest.approx(local[1], rel=1e-3)
    assert curves[0].losses[0] == pytest.approx(np.mean(local), rel=1e-5)
    assert curves[0].settings["world_size"] == WORLD

    stopped = [RangeTestResult.from_dict(r["cancelled"]) for r in ranks]
    assert [s.stop_reason for s in stopped] == ["cancelled", "cancelled"]
    # set during step 3's on_step, the request travels with step 4's loss: both ranks end after step 4
    assert len(stopped[0]) == len(stopped[1]) == 5
