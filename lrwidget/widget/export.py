"""Images of a range test outside a live kernel: a static PNG in the widget's mime bundle, and Save PNG.

Where widgets do not render (GitHub, nbviewer, an exported notebook) the saved output still shows the
curve: :class:`StaticImage` puts ``image/png`` beside the widget view in the mime bundle, drawn headless
by :func:`result_png` with ``lrwidget.plotting.plot_result`` (the registry's colours).
:class:`SavePngButton` downloads the same picture, drawn when asked, in the one view that was clicked.
"""

from __future__ import annotations

import base64
import io
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from lrwidget.widget.controls import DEFAULT_METHODS
from lrwidget.widget.strip import REPO_DIR, STATIC_DIR, load_esm

if TYPE_CHECKING:
    from lrwidget.core.result import RangeTestResult

__all__ = [
    "PNG_SIGNATURE",
    "SavePngButton",
    "StaticImage",
    "kernel_main_loop",
    "result_figure",
    "result_png",
    "with_static_png",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The methods drawn on the static image: the widget's own (the default pick and the rules people compare
#: it with), so the saved picture lists what the live view did.
STATIC_METHODS: tuple[str, ...] = DEFAULT_METHODS
#: Static images are drawn one at a time, whichever widget asks: matplotlib is not thread-safe.
_DRAW_LOCK = threading.Lock()
_MATPLOTLIB_MISSING = (
    "the static image of the curve needs matplotlib (a dependency of lrwidget): pip install matplotlib"
)


def result_figure(
    result: RangeTestResult,
    *,
    methods: Sequence[str] = STATIC_METHODS,
    width_px: int = 860,
    height_px: int = 360,
    dpi: int = 100,
    pick: float | tuple[float, float] | None = None,
) -> Any:
    """The static picture of ``result`` as a matplotlib Figure (not pyplot's: nothing global is touched),
    its legend beside the axes so it never hides the curve's blow-up. ``pick`` is the user's choice (a
    rate or a ``(lo, hi)`` slice), drawn over the suggestions.

    Raises ImportError naming the package to install when matplotlib is missing.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(_MATPLOTLIB_MISSING) from None
    from lrwidget.plotting import plot_result

    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    ax = plot_result(result, ax=fig.add_subplot(), methods=tuple(methods), pick=pick)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return fig


def result_png(result: RangeTestResult, **options: Any) -> bytes | None:
    """The curve of ``result`` as PNG bytes (None when it has no points), drawn headless: the picture of
    :func:`result_figure`, which ``options`` (methods, width_px, height_px, dpi, pick) go to.

    Raises ImportError naming the package to install when matplotlib is missing.
    """
    if len(result.lrs) == 0:
        return None
    fig = result_figure(result, **options)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor="white")
    return buffer.getvalue()


def with_static_png(
    bundle: Mapping[str, Any] | None,
    result: RangeTestResult | None,
    pick: float | tuple[float, float] | None = None,
) -> dict[str, Any]:
    """``bundle`` (a widget's mime bundle) with ``image/png`` of ``result`` (and ``pick``) added.

    Without a result, with an empty one, or without matplotlib the bundle is returned unchanged: a
    display never fails for want of a picture.
    """
    out = dict(bundle or {})
    if result is None:
        return out
    try:
        png = result_png(result, pick=pick)
    except ImportError:
        return out
    if png is not None:
        out["image/png"] = base64.b64encode(png).decode("ascii")
    return out


class StaticImage:
    """Mixin for a widget with a ``result`` trait: its output carries a PNG of the curve after the view.

    The view renders in a live notebook; the PNG is what GitHub and nbviewer show. Every display of the
    widget keeps a display handle on the picture's own output, so :meth:`refresh_static_image` (call it
    when a sweep ends or the choice changes) puts the new curve there without re-rendering the view.
    """

    result: Any
    static_image_error: str = ""  # why the last scheduled refresh failed ('' when it did not)
    _static_image_thread: threading.Thread | None = None  # the last refresh drawn without a kernel

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        return with_static_png(bundle, getattr(self, "result", None), self._static_pick())

    def _static_pick(self) -> float | tuple[float, float] | None:
        """The choice the image shows: the slice in slice mode, else the picked rate (None: none)."""
        if getattr(self, "mode", None) == "slice" and getattr(self, "lr_slice", None) is not None:
            lo, hi = self.lr_slice  # type: ignore[attr-defined]
            return (float(lo), float(hi))
        lr = getattr(self, "lr", None)
        return None if lr is None else float(lr)

    def static_png(self) -> bytes | None:
        """The picture of the current result and choice as PNG bytes (None before any point)."""
        result = getattr(self, "result", None)
        return None if result is None else result_png(result, pick=self._static_pick())

    def _ipython_display_(self) -> None:
        """Two outputs: the live view, never updated (an update re-renders it, and every view it ever had
        stays alive in the browser), then the picture, in an output of its own that refreshes replace."""
        from IPython.display import display

        view = dict(super()._repr_mimebundle_())  # type: ignore[misc]
        view["text/plain"] = f"{type(self).__name__}: a live widget (the picture after it is its last curve)"
        display(view, raw=True)
        handle = display(self._static_bundle(), raw=True, display_id=True)
        if handle is not None:
            self.__dict__.setdefault("_static_image_handles", []).append(handle)

    def _static_bundle(self) -> dict[str, Any]:
        """The picture's output: ``image/png`` (for GitHub and nbviewer) and the widget's repr, beside the
        view of a hidden placeholder (what a live notebook renders: nothing)."""
        holder = self.__dict__.get("_static_holder")
        if holder is None:
            import ipywidgets as W

            holder = W.HTML("", layout=W.Layout(display="none"))
            self.__dict__["_static_holder"] = holder
        result = getattr(self, "result", None)
        bundle = with_static_png(holder._repr_mimebundle_(), result, self._static_pick())
        bundle["text/plain"] = repr(self)
        return bundle

    def static_widgets(self) -> list[Any]:
        """The widgets made for the picture's output (to close with the widget)."""
        holder = self.__dict__.get("_static_holder")
        return [] if holder is None else [holder, holder.layout]

    def refresh_static_image(self) -> int:
        """Update every display of this widget's picture with the current curve; returns how many were
        updated. The live view is not touched."""
        handles = self.__dict__.get("_static_image_handles", [])
        if not handles:
            return 0
        bundle = self._static_bundle()
        for handle in handles:
            handle.update(bundle, raw=True)
        return len(handles)

    def schedule_static_image_refresh(self) -> None:
        """Redraw the static image soon, off the caller's thread (a Run right after a sweep is not held up).

        In a kernel it is drawn on the kernel's main thread, between cells: matplotlib is not thread-safe
        and the user's own plots run there (a PNG drawn on another thread broke a notebook's
        ``tight_layout`` with a mathtext parse error). Without a kernel a daemon thread draws it.
        """
        loop = kernel_main_loop()
        if loop is not None:
            loop.add_callback(self._refresh_static_image_quietly)
            return
        thread = threading.Thread(target=self._refresh_static_image_quietly, name="lrwidget-png", daemon=True)
        self._static_image_thread = thread
        thread.start()

    def _refresh_static_image_quietly(self) -> None:
        """:meth:`refresh_static_image`, its failure kept in ``static_image_error``: a picture must never
        turn a finished sweep into an error."""
        try:
            with _DRAW_LOCK:
                if getattr(self, "comm", None) is not None:  # closed meanwhile: nothing to show
                    self.refresh_static_image()
            self.static_image_error = ""
        except Exception as exc:
            self.static_image_error = f"{type(exc).__name__}: {exc}"


def kernel_main_loop() -> Any | None:
    """The running IPython kernel's main-thread event loop (its ``io_loop``), or None outside a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    return getattr(kernel, "io_loop", None)


class SavePngButton(anywidget.AnyWidget):
    """Save PNG: the curve as the static image draws it (legend, picks, white background), one file.

    The kernel draws the picture when a view asks (``render()``, on the kernel's main thread), and only
    the view that was clicked downloads it: each view sends a token of its own and keeps only the reply
    carrying it. (bqplot's ``Figure.save_png`` is answered by every view a figure ever had, including
    hidden ones that render without axes, and it leaves the HTML legend out.)
    """

    _esm = load_esm((STATIC_DIR / "save_button.js", REPO_DIR / "save_button.js"))
    description = traitlets.Unicode("Save PNG").tag(sync=True)
    tooltip = traitlets.Unicode(
        "save the loss curve as a PNG file: its suggestions, legend and your pick, in one picture"
    ).tag(sync=True)
    filename = traitlets.Unicode("lr_finder.png", help="The name the browser saves the file under.").tag(
        sync=True
    )

    def __init__(self, render: Callable[[], bytes | None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._render = render
        self.saved = 0  # pictures sent to a view
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("event") != "save":
            return
        token = str(content.get("token", ""))
        try:
            with _DRAW_LOCK:
                png = self._render()
        except Exception as exc:  # a failed picture is said on the button, never raised into the kernel
            self.send({"token": token, "error": f"Save PNG failed: {type(exc).__name__}: {exc}"})
            return
        if png is None:
            self.send({"token": token, "error": "nothing measured yet: run the sweep first"})
            return
        self.saved += 1
        self.send({"token": token, "filename": self.filename}, buffers=[png])


def png_size(png: bytes) -> tuple[int, int]:
    """``(width, height)`` read from a PNG's header; ValueError for bytes that are not a PNG."""
    if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG (no signature and IHDR chunk)")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    if not (width > 0 and height > 0 and math.isfinite(width)):
        raise ValueError(f"PNG header gives an empty size {width} x {height}")
    return width, height
