"""Batches: cycling through training data, moving them to a device, and turning one into a loss.

Conventions (documented for users in ``lr_find``):

- a batch is a tuple/list ``(input, ..., target)``: the last item is the target, the others are the
  model's positional inputs (so ``(x, y)`` calls ``loss_fn(model(x), y)``);
- or a dict with one of the key pairs ``("x", "y")``, ``("input", "target")``, ``("inputs", "targets")``;
- anything else (a Hugging Face dict whose model computes its own loss, say) needs ``step_fn(model, batch)``
  returning the loss tensor, e.g. ``step_fn=lambda m, b: m(**b).loss``.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import torch
from torch import nn

DICT_KEYS: tuple[tuple[str, str], ...] = (("x", "y"), ("input", "target"), ("inputs", "targets"))

StepFn = Callable[[nn.Module, Any], torch.Tensor]


def check_data(data: Any, name: str = "train_data") -> None:
    """Raise TypeError for data that cannot be iterated, ValueError when it says it is empty."""
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        kind = type(data).__name__
        raise TypeError(f"{name} must be an iterable of batches (a DataLoader, a list), got {kind}")
    try:
        n = len(data)  # type: ignore[arg-type]
    except TypeError:
        return
    if n == 0:
        raise ValueError(f"{name} is empty: it must yield at least one batch")


def cycle(data: Iterable[Any], name: str = "train_data") -> Iterator[Any]:
    """Yield batches for ever, starting a new pass (a new shuffle, for a DataLoader) when one ends.

    A one-shot iterator cannot start again: when it runs out the generator raises ValueError.
    """
    one_shot = isinstance(data, Iterator)  # a generator or iter(list); a DataLoader is re-iterable
    while True:
        empty = True
        for batch in data:
            empty = False
            yield batch
        if empty:
            raise ValueError(f"{name} yielded no batches: it must yield at least one")
        if one_shot:
            raise ValueError(
                f"{name} is a one-shot iterator and ran out; pass a re-iterable (a DataLoader or a list) "
                "so it can be cycled, or ask for fewer steps (num_it)"
            )


def to_device(batch: Any, device: torch.device) -> Any:
    """``batch`` with every tensor in it moved to ``device``, each container keeping its type.

    Tensors; tuples (namedtuples too), lists and mappings, recursively; any other object with a ``.to()``
    method (a transformers ``BatchEncoding``, a graph batch, a custom class) is moved by its own ``.to``.
    A mapping keeps its type (a ``UserDict`` with attribute access arrives as itself, not as a dict):
    copied and refilled when it can be, else rebuilt from its items.
    """
    if isinstance(batch, torch.Tensor):
        if batch.is_cpu if device.type == "cpu" else batch.device == device:  # is_cpu: cheaper, no object
            return batch
        return batch.to(device, non_blocking=True)
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a namedtuple keeps its type
        return type(batch)(*(to_device(b, device) for b in batch))
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device) for b in batch)
    if type(batch) is dict:
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, Mapping):
        return _mapping_to(batch, device)
    move = getattr(batch, "to", None)
    if callable(move) and not isinstance(batch, nn.Module):
        return move(device)
    return batch


def _mapping_to(batch: Mapping[Any, Any], device: torch.device) -> Any:
    moved = {k: to_device(v, device) for k, v in batch.items()}
    if all(moved[k] is v for k, v in batch.items()):
        return batch  # nothing moved: the very object
    if isinstance(batch, MutableMapping):
        # a copy keeps the class and its other attributes (BatchEncoding's encodings); a mapping that
        # cannot be copied is rebuilt from its items
        with contextlib.suppress(Exception):
            out = copy.copy(batch)
            for k, v in moved.items():
                out[k] = v
            return out
    with contextlib.suppress(Exception):
        return type(batch)(moved)  # type: ignore[call-arg]
    return moved


def split_batch(batch: Any) -> tuple[tuple[Any, ...], Any]:
    """``(inputs, target)`` of a batch under the conventions above; TypeError names ``train_data``."""
    if isinstance(batch, (tuple, list)):
        if len(batch) >= 2:
            return tuple(batch[:-1]), batch[-1]
    elif isinstance(batch, Mapping):
        for x_key, y_key in DICT_KEYS:
            if x_key in batch and y_key in batch:
                return (batch[x_key],), batch[y_key]
        keys = ", ".join(f"{x!r}/{y!r}" for x, y in DICT_KEYS)
        raise TypeError(
            f"train_data yielded a dict with keys {sorted(batch)!r}; use one of the key pairs {keys}, "
            "or pass step_fn(model, batch) -> loss (e.g. step_fn=lambda m, b: m(**b).loss)"
        )
    raise TypeError(
        f"train_data must yield (inputs, target) tuples/lists or dicts, got {type(batch).__name__}"
        + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
        + "; pass step_fn(model, batch) -> loss for other batch layouts"
    )


def make_loss_fn(loss_fn: Callable[..., torch.Tensor] | None, step_fn: StepFn | None) -> StepFn:
    """The function ``(model, batch) -> loss`` a training step calls: ``step_fn`` or the batch convention."""
    if step_fn is not None:
        if not callable(step_fn):
            raise TypeError(f"step_fn must be callable (model, batch) -> loss, got {type(step_fn).__name__}")
        return step_fn
    if not callable(loss_fn):
        raise TypeError(
            f"loss_fn must be callable (output, target) -> loss, got {type(loss_fn).__name__}; "
            "or pass step_fn(model, batch) -> loss"
        )

    def step(model: nn.Module, batch: Any) -> torch.Tensor:
        inputs, target = split_batch(batch)
        return loss_fn(model(*inputs), target)

    return step


def check_loss(loss: Any, source: str) -> None:
    """Raise TypeError/ValueError naming ``source`` unless ``loss`` is a one-element tensor with a grad."""
    if not isinstance(loss, torch.Tensor):
        raise TypeError(f"{source} must return a loss tensor, got {type(loss).__name__}")
    if loss.numel() != 1:
        raise ValueError(
            f"{source} must return a scalar loss, got a tensor of shape {tuple(loss.shape)} "
            "(reduce it, e.g. with reduction='mean')"
        )
    if not loss.requires_grad:
        raise ValueError(
            f"{source} returned a loss that does not require grad: are all parameters frozen, "
            "or was it computed under torch.no_grad()?"
        )


def batch_size(batch: Any) -> int:
    """Number of samples in a batch: the first dimension of the first tensor found (1 if none)."""
    return _first_dim(batch) or 1


def _first_dim(batch: Any) -> int:
    if isinstance(batch, torch.Tensor):
        return int(batch.shape[0]) if batch.ndim else 1
    if isinstance(batch, Mapping):
        items: Iterable[Any] = batch.values()
    else:
        items = batch if isinstance(batch, (list, tuple)) else ()
    for item in items:
        n = _first_dim(item)
        if n:
            return n
    return 0
