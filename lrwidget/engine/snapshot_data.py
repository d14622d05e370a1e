"""The random state a sweep draws from, and what it does to the training data's loader.

Python ``random``, NumPy's global generator, torch's CPU and CUDA generators and the generators a data
loader owns are captured and put back, so the next epoch shuffles as it would have without the sweep.

A DataLoader with ``persistent_workers=True`` keeps its worker processes in ``loader._iterator``, made
by the first ``iter(loader)`` (which also draws the workers' base seed). The sweep must neither create
that iterator nor advance one that exists: ``LoaderIterators`` sets the loader's iterator aside at
capture, so the sweep's ``iter()`` makes its own, and at restore shuts the sweep's down and puts the
user's back (or none, as before). The user's workers then never saw the sweep.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

# attribute names under which data loaders keep their own random generators (torch: ``generator``;
# fastai's DataLoader: ``rng``, a ``random.Random`` it replaces on every pass)
_GENERATOR_ATTRS = ("generator", "rng")
_DATA_CHILDREN = ("sampler", "batch_sampler")


def _generator_state(gen: Any) -> Any:
    if isinstance(gen, torch.Generator):
        return gen.get_state()
    if isinstance(gen, random.Random):
        return gen.getstate()
    if isinstance(gen, np.random.RandomState):
        return gen.get_state()
    if isinstance(gen, np.random.Generator):
        return copy.deepcopy(gen.bit_generator.state)
    raise TypeError(f"not a random generator: {type(gen).__name__}")


def _set_generator_state(gen: Any, state: Any) -> None:
    if isinstance(gen, torch.Generator):
        gen.set_state(state)
    elif isinstance(gen, random.Random):
        gen.setstate(state)
    elif isinstance(gen, np.random.RandomState):
        gen.set_state(state)
    else:
        gen.bit_generator.state = copy.deepcopy(state)


def data_generators(data: Any) -> list[tuple[Any, str, Any]]:
    """``(owner, attribute, generator)`` for the random generators a data loader and its samplers own."""
    owners, found, seen = [data], [], set()
    for name in _DATA_CHILDREN:
        child = getattr(data, name, None)
        if child is not None:
            owners.append(child)
            inner = getattr(child, "sampler", None)
            if inner is not None:
                owners.append(inner)
    kinds = (torch.Generator, random.Random, np.random.RandomState, np.random.Generator)
    for owner in owners:
        for attr in _GENERATOR_ATTRS:
            gen = getattr(owner, attr, None)
            if isinstance(gen, kinds) and (id(owner), attr) not in seen:
                seen.add((id(owner), attr))
                found.append((owner, attr, gen))
    return found


class RandomState:
    """Python ``random``, NumPy's global generator, torch CPU and CUDA (all devices), and data generators."""

    def __init__(self, generators: Iterable[tuple[Any, str, Any]] = ()) -> None:
        self._python = random.getstate()
        self._numpy = np.random.get_state()
        self._torch = torch.get_rng_state()
        # CUDA's generators exist once CUDA is initialised; before that nothing can have drawn from them
        cuda_live = torch.cuda.is_available() and torch.cuda.is_initialized()
        self._cuda = torch.cuda.get_rng_state_all() if cuda_live else None
        self._generators = [(owner, attr, gen, _generator_state(gen)) for owner, attr, gen in generators]

    def restore(self) -> None:
        random.setstate(self._python)
        np.random.set_state(self._numpy)
        torch.set_rng_state(self._torch)
        if self._cuda is not None:
            torch.cuda.set_rng_state_all(self._cuda)
        for owner, attr, gen, state in self._generators:
            setattr(owner, attr, gen)
            _set_generator_state(gen, state)


def _has_persistent_workers(data: Any) -> bool:
    return (
        isinstance(data, torch.utils.data.DataLoader)
        and bool(data.persistent_workers)
        and data.num_workers > 0
        and "_iterator" in vars(data)
    )


class LoaderIterators:
    """Persistent-workers DataLoaders' own iterators, set aside for the sweep and put back after it.

    ``data`` may be several loaders (the training data and ``val_data``); anything else is ignored.
    """

    def __init__(self, *data: Any) -> None:
        self._saved: list[tuple[Any, Any]] = []
        seen: set[int] = set()
        for loader in data:
            if _has_persistent_workers(loader) and id(loader) not in seen:
                seen.add(id(loader))
                self._saved.append((loader, vars(loader)["_iterator"]))
        for loader, _ in self._saved:
            vars(loader)["_iterator"] = None  # the sweep's iter() makes its own

    def restore(self) -> None:
        for loader, users in self._saved:
            state = vars(loader)
            made = state.get("_iterator")
            state["_iterator"] = users
            if made is not None and made is not users:
                shutdown = getattr(made, "_shutdown_workers", None)
                if callable(shutdown):
                    shutdown()
