"""Peak memory of lr_find over a bare training loop, per snapshot target, at 1M, 25M and 100M parameters.

Each case runs in a fresh process (forked before any torch work; one torch thread): build an MLP with
Adam, take a real step (the Adam state exists), warm lr_find up on a tiny model (its imports are not
the model's cost), reset the RSS high-water mark (``/proc/self/clear_refs``), then run either the bare
loop or ``lr_find`` for the same number of steps on the same batches and read ``VmHWM``. The figure is

    extra / (P+S) = (peak growth of lr_find - peak growth of the bare loop) / (parameter + Adam state bytes)

"gradients present" means the user's ``p.grad`` tensors exist at the call (the bare loop then starts
from them too). Run: ``python benchmarks/bench_memory.py`` (about 3 minutes on 2 cores), ``--quick``
for 1M and 25M only. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lrwidget.engine.entry import lr_find

SIZES = {"1M": 1_000_000, "25M": 25_000_000, "100M": 100_000_000}
TARGETS = ("memory", "cpu", "disk")
NUM_IT = 4
IN_FEATURES, CLASSES, BATCH, DEPTH = 64, 10, 32, 3  # DEPTH hidden-to-hidden layers


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def width_for(n_params: int) -> int:
    """The hidden width whose MLP (64 -> h, DEPTH x h -> h, h -> 10) has about ``n_params`` parameters."""
    a, b = DEPTH, DEPTH + IN_FEATURES + 1 + CLASSES
    return max(8, int((-b + (b * b + 4 * a * n_params) ** 0.5) / (2 * a)))


def build(n_params: int) -> nn.Sequential:
    h = width_for(n_params)
    layers: list[nn.Module] = [nn.Linear(IN_FEATURES, h), nn.ReLU()]
    for _ in range(DEPTH):
        layers += [nn.Linear(h, h), nn.ReLU()]
    layers.append(nn.Linear(h, CLASSES))
    return nn.Sequential(*layers)


def bare_loop(model: nn.Module, opt: torch.optim.Optimizer, batches: list, lrs: list[float]) -> None:
    """The steps a sweep takes, without lr_find: set lr, drop grads, forward, backward, step, read loss."""
    model.train()
    for i, lr in enumerate(lrs):
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        x, y = batches[i % len(batches)]
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()


def _return_freed_memory() -> None:
    """glibc: serve every allocation of 64 KiB or more by mmap, so what is freed leaves the RSS at once
    (the default threshold grows with use, and freed tensors would linger in the heap)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").mallopt(-3, 65536)  # M_MMAP_THRESHOLD


def worker(mode: str, n_params: int, target: str, grads: bool) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    _return_freed_memory()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = build(n_params)
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)
    batches = [(torch.randn(BATCH, IN_FEATURES), torch.randint(0, CLASSES, (BATCH,))) for _ in range(4)]
    bare_loop(model, opt, batches, [1e-5])  # Adam state, grads and activations allocated once
    tiny = nn.Linear(IN_FEATURES, CLASSES)  # warm lr_find's code paths (lazy imports) on a tiny model
    lr_find(tiny, torch.optim.Adam(tiny.parameters()), F.cross_entropy, batches, num_it=3, progress=False)
    if not grads:
        opt.zero_grad(set_to_none=True)
    param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    state_bytes = sum(v.numel() * v.element_size() for s in opt.state.values() for v in s.values())
    folder = tempfile.mkdtemp(prefix="bench-memory-") if target == "disk" else None
    lrs = torch.logspace(-7, -2, NUM_IT).tolist()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS
    rss0 = _status_kb("VmRSS")
    if mode == "bare":
        bare_loop(model, opt, batches, lrs)
    else:
        kw: dict[str, Any] = {"snapshot": target}
        if folder is not None:
            kw["snapshot_dir"] = folder
        lr_find(
            model,
            opt,
            F.cross_entropy,
            batches,
            start_lr=1e-7,
            end_lr=1e-2,
            num_it=NUM_IT,
            progress=False,
            **kw,
        )
    peak = _status_kb("VmHWM")
    left = 0
    if folder is not None:
        left = sum(1 for _ in Path(folder).rglob("*"))
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "growth": 1024 * (peak - rss0),
        "param_bytes": param_bytes,
        "state_bytes": state_bytes,
        "files_left": left,
    }


def run_case(mode: str, size: str, target: str, grads: bool) -> dict[str, Any]:
    """``worker`` in a fresh child process, forked from this one (which has imported torch and lrwidget
    but allocated nothing of the model's and run no torch op, so the child starts clean and no threads)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, send the figures, leave without running the parent's cleanup
        code = 0
        try:
            os.close(read_end)
            figures = json.dumps(worker(mode, SIZES[size], target, grads)).encode()
            os.write(write_end, figures)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not data:
        raise RuntimeError(f"the {mode}/{size}/{target} measurement failed (see above)")
    return json.loads(data)


def table(sizes: list[str]) -> list[list[str]]:
    rows = []
    for size in sizes:
        for grads in (False, True):
            bare = run_case("bare", size, "memory", grads)
            budget = bare["param_bytes"] + bare["state_bytes"]
            for target in TARGETS:
                swept = run_case("lr_find", size, target, grads)
                extra = swept["growth"] - bare["growth"]
                rows.append(
                    [
                        size,
                        target,
                        "yes" if grads else "no",
                        f"{budget / 2**20:.0f}",
                        f"{bare['growth'] / 2**20:.1f}",
                        f"{swept['growth'] / 2**20:.1f}",
                        f"{extra / budget:.3f}",
                        str(swept["files_left"]) if target == "disk" else "-",
                    ]
                )
                print("  ".join(rows[-1]), file=sys.stderr, flush=True)
    return rows


def _format(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([title, line(header), "-" * len(line(header)), *map(line, rows), ""])


def main() -> None:
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M and 25M parameters only")
    args = parser.parse_args()
    if not Path("/proc/self/clear_refs").exists():
        print("bench_memory: /proc/self/clear_refs unavailable (not Linux): skipped")
        return
    sizes = ["1M", "25M"] if args.quick else list(SIZES)
    header = [
        "params",
        "snapshot",
        "grads present",
        "P+S MiB",
        "bare MiB",
        "lr_find MiB",
        "extra/(P+S)",
        "files left",
    ]
    print(
        _format(
            f"Peak RSS growth over the call: lr_find vs the bare loop ({NUM_IT} steps, MLP + Adam, "
            "1 thread); target extra/(P+S) <= 1.05 for snapshot='memory'",
            header,
            table(sizes),
        )
    )


if __name__ == "__main__":
    main()
