"""Snapshot targets ``"cpu"`` and ``"disk"``: the same bitwise restore as ``"memory"`` on every way a sweep
ends, the disk copy only under the given folder and gone afterwards, and bad targets or folders refused
by name before any work (run here on CPU: ``"cpu"`` on a CPU model is simply another host copy)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
import torch
from engine_checks import Boom, assert_bitwise_equal, full_state, identities, scripted_loss

from lrwidget.engine.entry import lr_find
from lrwidget.engine.snapshot import TrainingSnapshot


def snapshot_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*"))


EXITS = ["completed", "diverged", "error", "interrupt"]


@pytest.mark.parametrize("target", ["cpu", "disk"])
@pytest.mark.parametrize("exit_path", EXITS)
def test_every_exit_restores_bitwise_and_leaves_no_file(
    target, exit_path, model, optimizer, scheduler, train_loader, tmp_path
):
    """Weights, buffers, grads (one None), optimizer state, scheduler and RNGs match bit for bit, in the
    same objects; with "disk" the copy was written under snapshot_dir during the sweep and is gone after,
    even while the exception (and its traceback) is still held."""
    params = list(model.parameters())
    params[0].grad = None
    params[1].grad.mul_(3.0)  # a grad unlike anything the sweep computes
    before = full_state(model, optimizer, scheduler, loader=train_loader)
    grads = [p.grad for p in params]
    folder = tmp_path / "snapshots"
    folder.mkdir()
    during: list[list[Path]] = []
    kwargs = dict(num_it=10, end_lr=1e-2, scheduler=scheduler, progress=False, snapshot=target)
    if target == "disk":
        kwargs["snapshot_dir"] = folder
    kwargs["on_step"] = lambda event: during.append(snapshot_files(folder))

    loss = scripted_loss(exit_path)
    if exit_path in ("error", "interrupt"):
        with pytest.raises(Boom if exit_path == "error" else KeyboardInterrupt) as info:
            lr_find(model, optimizer, loss, train_loader, **kwargs)
        assert info.value.range_test_result.stop_reason == (
            "error" if exit_path == "error" else "interrupted"
        )
        left = snapshot_files(folder)  # checked while `info` still holds the traceback
    else:
        result = lr_find(model, optimizer, loss, train_loader, **kwargs)
        assert result.stop_reason == exit_path
        left = snapshot_files(folder)

    assert_bitwise_equal(before, full_state(model, optimizer, scheduler, loader=train_loader))
    assert identities(model, optimizer) == before["ids"]
    assert all(p.grad is g for p, g in zip(params, grads, strict=True))  # the user's grad tensors
    assert during, "the sweep ran no step"
    if target == "disk":
        assert any(f.suffix == ".pt" for f in during[0]), "no snapshot file under snapshot_dir"
    else:
        assert during[0] == []
    assert left == []


@pytest.mark.parametrize("target", ["memory", "cpu", "disk"])
def test_snapshot_holds_params_buffers_and_state(target, model, optimizer, tmp_path):
    """Each target copies exactly parameters + buffers + optimizer tensors; "disk" also moves the user's
    gradients there (their memory is released for the sweep), keeps it all in files under the folder
    given (about that many bytes) and close() removes them. "cpu" on a CPU model copies no gradient."""
    expected = sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])
    expected += sum(v.numel() * v.element_size() for s in optimizer.state.values() for v in s.values())
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads  # the fixture's optimizer took real steps
    if target == "disk":
        expected += sum(g.numel() * g.element_size() for g in grads)
    directory = tmp_path if target == "disk" else None
    before = [g.clone() for g in grads]
    snap = TrainingSnapshot(model, optimizer, target=target, directory=directory)
    assert snap.target == target and snap.nbytes == expected
    if target == "disk":
        assert snap.directory is not None and Path(snap.directory).parent == tmp_path
        on_disk = sum(f.stat().st_size for f in Path(snap.directory).iterdir())
        assert expected <= on_disk < expected + 4096 * len(list(Path(snap.directory).iterdir()))
    else:
        assert snap.directory is None
    freed = [g.numel() == 0 and g.untyped_storage().nbytes() == 0 for g in grads]
    assert all(freed) if target == "disk" else not any(freed)  # readable meanwhile: merely empty
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    snap.restore()
    snap.close()
    assert [p.grad for p in model.parameters() if p.grad is not None] == grads  # same objects
    assert all(torch.equal(g, b) for g, b in zip(grads, before, strict=True))
    assert list(tmp_path.iterdir()) == []


def test_a_disk_snapshot_dropped_without_close_removes_its_files(model, optimizer, tmp_path):
    """The folder goes with the snapshot object, whatever ends its use."""
    snap = TrainingSnapshot(model, optimizer, target="disk", directory=tmp_path)
    assert list(tmp_path.iterdir())
    snap.restore()
    del snap
    assert list(tmp_path.iterdir()) == []


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create anything in: read-only permissions, or (as root, who ignores
    them) the kernel's /sys, which refuses mkdir to everyone."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        Path(tempfile.mkdtemp(dir=folder)).rmdir()
    except OSError:
        return folder
    folder.chmod(stat.S_IRWXU)
    for candidate in (Path("/sys"),):
        try:
            Path(tempfile.mkdtemp(dir=candidate)).rmdir()
        except OSError:
            return candidate
    pytest.skip("no folder this process cannot write to")


BAD_FOLDERS = ["missing", "a_file", "unwritable"]


@pytest.mark.parametrize("kind", BAD_FOLDERS)
def test_a_bad_snapshot_dir_is_refused_by_name_before_any_work(kind, model, optimizer, batches, tmp_path):
    """A missing folder, a file, or a folder that cannot be written: ValueError naming snapshot_dir, raised
    before the first forward pass, the model untouched and no Ctrl-C handler left installed."""
    if kind == "missing":
        folder = tmp_path / "no" / "such"
    elif kind == "a_file":
        folder = tmp_path / "file.txt"
        folder.write_text("not a folder")
    else:
        folder = _unwritable_folder(tmp_path)
    before = full_state(model, optimizer)
    seen: list[int] = []
    with pytest.raises(ValueError, match=r"^snapshot_dir\b") as info:
        lr_find(
            model,
            optimizer,
            scripted_loss("completed", seen=seen),
            batches,
            num_it=5,
            snapshot="disk",
            snapshot_dir=folder,
            progress=False,
        )
    assert str(folder) in str(info.value)
    assert seen == []
    assert_bitwise_equal(before, full_state(model, optimizer))
    assert not (tmp_path / "no").exists()  # a missing folder is not created behind the user's back
    if kind == "unwritable" and folder.is_relative_to(tmp_path):
        folder.chmod(stat.S_IRWXU)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"snapshot": "gpu"}, ValueError, "snapshot"),
        ({"snapshot": "Disk"}, ValueError, "snapshot"),
        ({"snapshot": None}, TypeError, "snapshot"),
        ({"snapshot": "memory", "snapshot_dir": "."}, ValueError, "snapshot_dir"),
        ({"snapshot": "cpu", "snapshot_dir": "."}, ValueError, "snapshot_dir"),
        ({"snapshot": "disk", "snapshot_dir": 3}, TypeError, "snapshot_dir"),
    ],
)
def test_bad_snapshot_arguments_are_refused_by_name_before_any_work(
    kwargs, error, name, model, optimizer, batches
):
    before = full_state(model, optimizer)
    seen: list[int] = []
    with pytest.raises(error, match=name):
        lr_find(model, optimizer, scripted_loss("completed", seen=seen), batches, num_it=5, **kwargs)
    assert seen == []
    assert_bitwise_equal(before, full_state(model, optimizer))


def test_bad_target_or_directory_for_the_snapshot_itself(model, optimizer, tmp_path):
    """TrainingSnapshot checks its own arguments too (named as its parameters), copying nothing."""
    with pytest.raises(ValueError, match="target"):
        TrainingSnapshot(model, optimizer, target="tape")
    with pytest.raises(ValueError, match="directory"):
        TrainingSnapshot(model, optimizer, target="memory", directory=tmp_path)
    with pytest.raises(ValueError, match="directory"):
        TrainingSnapshot(model, optimizer, target="disk", directory=tmp_path / "missing")
    assert list(tmp_path.iterdir()) == []
    assert os.path.isdir(tmp_path)


def test_a_gradient_the_user_holds_a_view_of_stays_in_memory(model, optimizer, tmp_path):
    """ "disk" frees a gradient's memory only when nothing else shares it: a view kept by the user stays
    its alias, and both read the original values after the restore."""
    params = list(model.parameters())
    shared, lone = params[0].grad, params[1].grad
    view = shared.view(-1)
    values = view.clone()
    snap = TrainingSnapshot(model, optimizer, target="disk", directory=tmp_path)
    assert params[1].grad is None and lone.numel() == 0  # moved to the files for the sweep
    assert params[0].grad is shared and torch.equal(view, values)  # kept in memory, by reference
    snap.restore()
    snap.close()
    assert params[0].grad is shared and shared.data_ptr() == view.data_ptr() and torch.equal(view, values)
    assert params[1].grad is lone and lone.shape == params[1].shape


def test_closing_a_disk_snapshot_without_restore_keeps_the_gradients(model, optimizer, tmp_path):
    """close() without restore() (a caller that gave up on the restore) still refills the gradients it
    emptied before deleting their files: the user's grad tensors keep their values."""
    params = list(model.parameters())
    grads = [p.grad for p in params]
    values = [g.clone() for g in grads]
    snap = TrainingSnapshot(model, optimizer, target="disk", directory=tmp_path)
    assert all(p.grad is None for p in params)
    snap.close()
    assert list(tmp_path.iterdir()) == []
    assert all(p.grad is g for p, g in zip(params, grads, strict=True))
    assert all(torch.equal(g, v) for g, v in zip(grads, values, strict=True))
