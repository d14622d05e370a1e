/**
 * lrwidget decision strip: an anywidget ES module (no build step, no runtime dependency).
 *
 * A log learning-rate ruler with a labelled tick per suggestion, a draggable pick handle, a
 * two-handle slice, keyboard nudges, Accept and a copyable `lr=...` / `slice(lo, hi)` snippet.
 *
 * Colours and labels come from the `registry` trait (Python's `lrwidget.widget.registry`), the
 * style sheet from `_css` (js/decision_strip.css). The pure helpers and the whole layout
 * (`layoutStrip`, `layoutPicks`) are named exports, unit-tested by `node --test js/` without a
 * DOM; the view is `export default { render }` and only turns that layout into SVG. Nothing
 * touches the DOM at import time.
 */

/** Decades moved by one arrow key press, and with Shift (or PageUp/PageDown). */
export const FINE_STEP = 0.1;
export const COARSE_STEP = 1;

// ---------------------------------------------------------------------------------------------
// pure helpers
// ---------------------------------------------------------------------------------------------

/** True when `minLr` and `maxLr` describe a usable positive, increasing range. */
export function validRange(minLr, maxLr) {
  return Number.isFinite(minLr) && Number.isFinite(maxLr) && minLr > 0 && maxLr > minLr;
}

/** `lr` limited to [minLr, maxLr]; null for null, NaN, infinities or non-positive values. */
export function clampLr(lr, minLr, maxLr) {
  if (lr === null || lr === undefined || !Number.isFinite(lr) || lr <= 0) return null;
  return Math.min(maxLr, Math.max(minLr, lr));
}

/**
 * A log scale from [minLr, maxLr] to pixels [x0, x1]: `toPx(lr)` and its inverse `toLr(px)`.
 * `toLr` clamps to the range, so a pointer outside the ruler picks an end of it.
 */
export function makeScale(minLr, maxLr, x0, x1) {
  const a = Math.log10(minLr);
  const b = Math.log10(maxLr);
  const span = x1 - x0;
  return {
    minLr,
    maxLr,
    x0,
    x1,
    toPx: (lr) => x0 + ((Math.log10(lr) - a) / (b - a)) * span,
    toLr: (px) => {
      const f = Math.min(1, Math.max(0, (px - x0) / span));
      return clampLr(10 ** (a + f * (b - a)), minLr, maxLr);
    },
  };
}

/** Label of a decade tick: 1e-7, 1e+0, 1e+1 (the sign is kept so labels line up). */
export function decadeLabel(exp) {
  return `1e${exp >= 0 ? "+" : ""}${exp}`;
}

/**
 * Ticks for a log ruler `widthPx` wide: `major` ticks ({lr, label|null}) and unlabelled `minor` lrs.
 *
 * Decades are labelled, skipping some (every 2nd, 3rd, 5th ...) when they would sit closer than
 * `minGapPx`. A range narrower than two decades gets 1-2-5 ticks instead, so it is never bare.
 */
export function makeTicks(minLr, maxLr, widthPx, minGapPx = 44) {
  if (!validRange(minLr, maxLr) || !(widthPx > 0)) return { major: [], minor: [] };
  const lo = Math.log10(minLr);
  const hi = Math.log10(maxLr);
  const pxPerDecade = widthPx / (hi - lo);
  const eps = 1e-9;
  const first = Math.ceil(lo - eps);
  const last = Math.floor(hi + eps);
  const inRange = (lr) => lr >= minLr * (1 - eps) && lr <= maxLr * (1 + eps);
  const major = [];
  const minor = [];
  if (last - first + 1 >= 2) {
    const stride = [1, 2, 3, 5, 10, 20, 50].find((s) => s * pxPerDecade >= minGapPx) ?? 100;
    for (let e = first; e <= last; e++) {
      const labelled = e % stride === 0;
      major.push({ lr: Number(`1e${e}`), label: labelled ? decadeLabel(e) : null });
    }
    if (pxPerDecade >= 36) {
      for (let e = first - 1; e <= last; e++) {
        for (let m = 2; m <= 9; m++) {
          const lr = Number(`${m}e${e}`);
          if (inRange(lr)) minor.push(lr);
        }
      }
    }
  } else {
    for (let e = Math.floor(lo) - 1; e <= Math.ceil(hi); e++) {
      for (let m = 1; m <= 9; m++) {
        const lr = Number(`${m}e${e}`);
        if (!inRange(lr)) continue;
        if (m === 1 || m === 2 || m === 5) major.push({ lr, label: formatLr(lr) });
        else minor.push(lr);
      }
    }
    thinLabels(major, (lr) => (Math.log10(lr) - lo) * pxPerDecade, minGapPx);
    if (major.filter((t) => t.label !== null).length < 2) {
      // a sliver of a decade (a sweep stopped early): evenly spaced ticks with three digits instead
      major.length = 0;
      minor.length = 0;
      for (let i = 0; i < 4; i++) {
        const lr = 10 ** (lo + ((hi - lo) * i) / 3);
        major.push({ lr, label: formatLr(lr, 3) });
      }
      thinLabels(major, (lr) => (Math.log10(lr) - lo) * pxPerDecade, minGapPx);
    }
  }
  return { major, minor };
}

/** Blank out labels that would sit closer than `minGapPx` to the previous labelled tick. */
function thinLabels(ticks, toPx, minGapPx) {
  let lastPx = -Infinity;
  for (const t of ticks) {
    if (t.label === null) continue;
    const px = toPx(t.lr);
    if (px - lastPx < minGapPx) t.label = null;
    else lastPx = px;
  }
}

/**
 * A learning rate as a short Python literal with `digits` significant digits, trailing zeros and
 * exponent padding dropped, the exponent signed (as d3's `.1~e` writes it on the panes' axes):
 * 0.003 -> "3e-3", 0.0031623 -> "3.2e-3", 1 -> "1e+0", 25 -> "2.5e+1"; null -> "None".
 * The same text as Python's `lrwidget.widget.registry.format_lr` for every float.
 */
export function formatLr(lr, digits = 2) {
  if (lr === null || lr === undefined) return "None";
  if (Number.isNaN(lr)) return "nan";
  if (!Number.isFinite(lr)) return lr > 0 ? "inf" : "-inf";
  const [mantissa, exponent] = lr.toExponential(Math.max(0, digits - 1)).split("e");
  const m = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
  const e = Number(exponent);
  return `${m}e${e >= 0 ? "+" : "-"}${Math.abs(e)}`;
}

/**
 * The copyable snippet for the accepted choice: `slice(lo, hi)` in slice mode with a slice,
 * else `lr=...`; null when nothing is accepted yet.
 */
export function formatSnippet({ lr = null, lrSlice = null, sliceMode = false } = {}) {
  if (sliceMode && Array.isArray(lrSlice) && lrSlice.length === 2) {
    return `slice(${formatLr(lrSlice[0])}, ${formatLr(lrSlice[1])})`;
  }
  if (lr === null || lr === undefined || !Number.isFinite(lr)) return null;
  return `lr=${formatLr(lr)}`;
}

/** `lr` moved by `decades` on the log scale (0.1 = a factor 10^0.1), kept inside the range. */
export function nudgeLr(lr, decades, minLr, maxLr) {
  return clampLr(lr * 10 ** decades, minLr, maxLr);
}

/**
 * What a key press means for the strip: {type: "nudge", decades}, {type: "to", end: "min"|"max"},
 * {type: "accept"}, {type: "revert"} or null (not ours: let it bubble). Chords with Ctrl, Alt or
 * Meta, and Shift+Enter (run the cell), are left to JupyterLab.
 */
export function keyAction(key, { shift = false, ctrl = false, alt = false, meta = false } = {}) {
  if (ctrl || alt || meta || (shift && key === "Enter")) return null;
  const step = shift ? COARSE_STEP : FINE_STEP;
  switch (key) {
    case "ArrowRight":
    case "ArrowUp":
      return { type: "nudge", decades: step };
    case "ArrowLeft":
    case "ArrowDown":
      return { type: "nudge", decades: -step };
    case "PageUp":
      return { type: "nudge", decades: COARSE_STEP };
    case "PageDown":
      return { type: "nudge", decades: -COARSE_STEP };
    case "Home":
      return { type: "to", end: "min" };
    case "End":
      return { type: "to", end: "max" };
    case "Enter":
      return { type: "accept" };
    case "Escape":
      return { type: "revert" };
    default:
      return null;
  }
}

/** Suggestions that can be drawn on the ruler: a finite lr inside [minLr, maxLr]. */
export function onRuler(suggestions, minLr, maxLr) {
  return (suggestions ?? []).filter(
    (s) => s && Number.isFinite(s.lr) && s.lr >= minLr && s.lr <= maxLr,
  );
}

/**
 * `lr` snapped onto the nearest suggestion tick within `radiusPx` pixels (so a drag lands
 * exactly on a suggested value); otherwise `lr` unchanged.
 */
export function snapLr(lr, suggestions, scale, radiusPx = 6) {
  if (lr === null) return null;
  const px = scale.toPx(lr);
  let best = null;
  let bestDist = radiusPx;
  for (const s of onRuler(suggestions, scale.minLr, scale.maxLr)) {
    const d = Math.abs(scale.toPx(s.lr) - px);
    if (d <= bestDist) {
      best = s.lr;
      bestDist = d;
    }
  }
  return best ?? lr;
}

/** A slice as [lo, hi]: sorted, clamped into the range; null if either end is not a positive number. */
export function normalizeSlice(pair, minLr, maxLr) {
  if (!Array.isArray(pair) || pair.length !== 2) return null;
  const a = clampLr(pair[0], minLr, maxLr);
  const b = clampLr(pair[1], minLr, maxLr);
  if (a === null || b === null) return null;
  return a <= b ? [a, b] : [b, a];
}

/** The slice proposed when slice mode is switched on: one decade ending at `pick` (or mid-range). */
export function defaultSlice(pick, minLr, maxLr) {
  const hi = clampLr(pick, minLr, maxLr) ?? Math.sqrt(minLr * maxLr);
  return normalizeSlice([Math.max(minLr, hi / 10), hi], minLr, maxLr);
}

/**
 * Rows for labels so that no two labels in a row overlap; labels are kept inside [minX, maxX].
 *
 * `align: "center"` centres label i on `items[i].x`; `align: "start"` starts it `offset` px left
 * of `x` (a marker dot sits on the tick, the text runs right; near maxX it ends `offset` px right of
 * `x` instead). With "start", labels are placed
 * right to left, so a label in a lower row always lies right of the ticks above it and their
 * lines down to the ruler never cross its text. Returns [{row, left}] in the order of `items`;
 * row 0 is the one nearest the ruler.
 */
export function layoutLabels(items, { minX = 0, maxX = Infinity, gap = 6, align = "center", offset = 0 } = {}) {
  const order = items.map((_, i) => i).sort((i, j) => items[i].x - items[j].x);
  if (align === "start") order.reverse();
  const rows = []; // per row: the [left, right] spans taken
  const out = new Array(items.length);
  for (const i of order) {
    const { x, width } = items[i];
    let wanted = align === "start" ? x - offset : x - width / 2;
    if (align === "start" && wanted + width > maxX) wanted = x + offset - width; // end at the tick instead
    const left = Math.max(minX, Math.min(maxX - width, wanted));
    const right = left + width;
    let row = rows.findIndex((spans) => spans.every(([l, r]) => right + gap <= l || r + gap <= left));
    if (row < 0) {
      row = rows.length;
      rows.push([]);
    }
    rows[row].push([left, right]);
    out[i] = { row, left };
  }
  return out;
}

/** Rough text width in px for `fontPx` sans-serif, used where the DOM cannot measure. */
export function estimateTextWidth(text, fontPx = 11) {
  return String(text).length * fontPx * 0.6 + 2;
}

/** The text of a suggestion's label: its label (or method), its lr and, for `auto`, a confidence. */
export function suggestionLabel(s, { autoMethod = "auto", confidence = null } = {}) {
  const name = s.label || s.method;
  let text = `${name} ${formatLr(s.lr)}`;
  if (s.method === autoMethod && Number.isFinite(confidence)) {
    text += ` · score ${confidence.toFixed(2)}`; // a calibrated rank in [0, 1], not a percentage
  }
  return text;
}

/** Lines for the legend: suggestions with no answer (with the reason) or off the ruler. */
export function legendNotes(suggestions, minLr, maxLr) {
  const notes = [];
  for (const s of suggestions ?? []) {
    if (!s) continue;
    const name = s.label || s.method;
    if (s.lr === null || s.lr === undefined || !Number.isFinite(s.lr)) {
      notes.push(`${name}: no answer${s.reason ? ` (${s.reason})` : ""}`);
    } else if (s.lr < minLr || s.lr > maxLr) {
      notes.push(`${name}: ${formatLr(s.lr)} is outside the swept range`);
    }
  }
  return notes;
}

/** The colour of suggestion `s` (the `i`-th): its own, else the registry's for its method, else a fallback. */
export function colorFor(s, i, registry = null) {
  if (s && s.color) return s.color;
  const spec = registry?.methods?.[s?.method];
  if (spec?.color) return spec.color;
  const fallback = registry?.fallback_colors ?? [];
  return fallback.length ? fallback[i % fallback.length] : "currentColor";
}

/** The label of suggestion `s`: its own, else the registry's for its method, else the method's name. */
export function labelFor(s, registry = null) {
  return s.label || registry?.methods?.[s.method]?.label || s.method;
}

/**
 * CSS custom properties for the registry's palette: `val_loss` becomes `--lrw-val-loss`, and so on.
 * The style sheet uses only these (and JupyterLab's theme variables), so no colour is written twice.
 */
export function paletteVars(palette) {
  const out = {};
  for (const [key, value] of Object.entries(palette ?? {})) {
    out[`--lrw-${key.replaceAll("_", "-")}`] = String(value);
  }
  return out;
}

/** The status line under the ruler: what is picked and what a key does next. */
/** True when `lr` lies outside `measured` ([lo, hi] of the rates the sweep measured; null: unknown). */
export function unmeasured(lr, measured) {
  if (!Number.isFinite(lr) || !Array.isArray(measured) || !validRange(measured[0], measured[1])) return false;
  const eps = 1e-9;
  return lr < measured[0] * (1 - eps) || lr > measured[1] * (1 + eps);
}

export function statusText({ tentative, lr, disabled, sliceMode, lrSlice, minLr = null, maxLr = null, hover = null, measured = null }) {
  if (disabled) return "waiting for the sweep…";
  if (Number.isFinite(hover)) return `click to pick ${formatLr(hover)}`; // where a click would land
  const off = Number.isFinite(lr) && Number.isFinite(minLr) && (lr < minLr || lr > maxLr);
  if (off) return `using lr=${formatLr(lr)}, outside the swept range: pick on the ruler to change it`;
  const span = Array.isArray(measured) ? ` (it measured ${formatLr(measured[0])} to ${formatLr(measured[1])})` : "";
  const sameAsLr = lr !== null && lr !== undefined && Number.isFinite(tentative) && Math.abs(Math.log10(tentative / lr)) <= 1e-9;
  if (unmeasured(lr, measured) && (tentative === null || tentative === undefined || sameAsLr)) {
    return `using lr=${formatLr(lr)}, not measured by this sweep${span}`;
  }
  if (sliceMode && Array.isArray(lrSlice) && lrSlice.some((v) => unmeasured(v, measured)) && (tentative === null || tentative === undefined || sameAsLr || lr === null || lr === undefined)) {
    return `using slice(${formatLr(lrSlice[0])}, ${formatLr(lrSlice[1])}), not all measured by this sweep${span}`;
  }
  if (tentative === null || tentative === undefined) {
    return "Click a suggestion, drag on the ruler, or focus it and use ← →";
  }
  if (lr === null || lr === undefined || Math.abs(Math.log10(tentative / lr)) > 1e-9) {
    return `pick ${formatLr(tentative)} · Enter or Accept to use it, Esc to revert`;
  }
  // w.value is the slice in slice mode: say that one is used, and what the kept lr is for
  if (sliceMode && lrSlice) return `using slice(${formatLr(lrSlice[0])}, ${formatLr(lrSlice[1])}) · lr=${formatLr(lr)} is for click mode`;
  return `using lr=${formatLr(lr)}`;
}

/**
 * The slice slice mode starts with: the suggested slice (core's `lr_slice`) when it fits the
 * ruler, else one decade ending at the pick.
 */
export function initialSlice({ suggested = null, pick = null, minLr, maxLr }) {
  const s = Array.isArray(suggested) ? normalizeSlice(suggested, minLr, maxLr) : null;
  if (s && s[0] < s[1]) return s;
  return defaultSlice(pick, minLr, maxLr);
}

/**
 * Where `lr` sits on the ruler: `x` in px (an end of the ruler when outside it) and `side`
 * (-1 left of the ruler, 0 on it, +1 right of it); null for no lr.
 */
export function rulerPosition(lr, scale) {
  if (lr === null || lr === undefined || !Number.isFinite(lr) || lr <= 0) return null;
  const eps = 1e-9;
  if (lr < scale.minLr * (1 - eps)) return { x: scale.x0, side: -1 };
  if (lr > scale.maxLr * (1 + eps)) return { x: scale.x1, side: 1 };
  return { x: scale.toPx(clampLr(lr, scale.minLr, scale.maxLr)), side: 0 };
}

// ---------------------------------------------------------------------------------------------
// layout: every position the view draws, as plain numbers (tested without a DOM)
// ---------------------------------------------------------------------------------------------

export const FONT_PX = 11;
export const ROW_H = 16;
export const PAD_X = 30;
/** Half-widths of the pointer targets: the pick knob and each slice handle. */
export const PICK_HIT = { width: 20, height: 30 };
export const HANDLE = { width: 9, height: 24, hitWidth: 16 };

/** The default text measurer: `(text, bold) => px` from the estimate (the view passes a canvas one). */
export const estimateMeasure = (text, bold = false) => estimateTextWidth(text, FONT_PX) * (bold ? 1.1 : 1);

/**
 * The static part of the strip for a ruler `width` px wide: its scale, height, ticks and tick
 * labels, and each suggestion's tick, marker and label (rows chosen so labels never overlap and
 * no tick line runs through a label). Null when [minLr, maxLr] is not a usable range.
 */
export function layoutStrip({
  minLr,
  maxLr,
  width,
  suggestions = [],
  autoMethod = "auto",
  confidence = null,
  sliceMode = false,
  registry = null,
  measured = null,
  measure = estimateMeasure,
}) {
  if (!validRange(minLr, maxLr)) return null;
  width = Math.max(240, Math.round(width || 800));
  const scale = makeScale(minLr, maxLr, PAD_X, width - PAD_X);
  const all = suggestions ?? [];
  const shown = onRuler(all, minLr, maxLr);
  const texts = shown.map((s) => suggestionLabel({ ...s, label: labelFor(s, registry) }, { autoMethod, confidence }));
  const items = shown.map((s, i) => ({ x: scale.toPx(s.lr), width: measure(texts[i], s.method === autoMethod) + 12 }));
  const placed = layoutLabels(items, { minX: 2, maxX: width - 2, align: "start", offset: 5 });
  const rows = Math.max(1, ...placed.map((p) => p.row + 1));
  const axisY = 6 + rows * ROW_H + 14;
  const bottomRows = sliceMode ? 3 : 2; // pick, lr and the slice ends can crowd together
  const height = axisY + 34 + bottomRows * ROW_H;

  const ticks = makeTicks(minLr, maxLr, scale.x1 - scale.x0);
  const minor = ticks.minor.map((lr) => ({ x: scale.toPx(lr), y1: axisY + 3, y2: axisY + 7 }));
  const major = ticks.major.map((t) => {
    const x = scale.toPx(t.lr);
    return { x, y1: axisY + 3, y2: axisY + (t.label ? 10 : 8), label: t.label, labelY: axisY + 23 };
  });

  const marks = shown.map((s, i) => {
    const x = items[i].x;
    const { row, left } = placed[i];
    const labelY = axisY - 14 - row * ROW_H;
    const isAuto = s.method === autoMethod;
    const endAligned = left + 5 < x - 0.5; // pushed left by the right edge: the text ends at the tick
    const [bgLeft, bgRight] = endAligned ? [left, x - 5] : [x + 5, left + items[i].width];
    const name = labelFor(s, registry);
    return {
      method: s.method,
      lr: s.lr,
      isAuto,
      color: colorFor(s, all.indexOf(s), registry),
      text: texts[i],
      title: `${name}: lr=${formatLr(s.lr, 3)}${s.reason ? ` (${s.reason})` : ""}. Click to use it.`,
      x,
      row,
      line: { y1: labelY - 4, y2: axisY + 6, width: isAuto ? 3 : 2 },
      hitWidth: 12,
      arrow: `M${x - 5},${axisY - 9} L${x + 5},${axisY - 9} L${x},${axisY - 2} Z`,
      dot: { cx: x, cy: labelY - 4, r: isAuto ? 5 : 4 },
      bg: { x: bgLeft, y: labelY - 11, width: bgRight - bgLeft, height: 15 },
      textX: endAligned ? x - 7 : left + 12,
      textY: labelY,
      anchor: endAligned ? "end" : "start",
    };
  });
  return {
    scale,
    width,
    height,
    axisY,
    valueRowY: axisY + 40,
    track: { x: scale.x0, y: axisY - 3, width: scale.x1 - scale.x0, height: 6 },
    minor,
    major,
    marks,
    notes: legendNotes(all.map((s) => ({ ...s, label: labelFor(s, registry) })), minLr, maxLr),
    unmeasured: unmeasuredSpans(scale, measured, axisY),
  };
}

/**
 * The parts of the ruler the sweep did not measure (after a Stop, the ruler still reaches a pick past
 * the measured rates): rects `{x, y, width, height}` to shade; none when `measured` is unknown.
 */
export function unmeasuredSpans(scale, measured, axisY) {
  if (!Array.isArray(measured) || !validRange(measured[0], measured[1])) return [];
  const lo = Math.min(scale.x1, Math.max(scale.x0, scale.toPx(measured[0])));
  const hi = Math.min(scale.x1, Math.max(scale.x0, scale.toPx(measured[1])));
  const spans = [];
  if (lo - scale.x0 >= 1) spans.push({ x: scale.x0, width: lo - scale.x0 });
  if (scale.x1 - hi >= 1) spans.push({ x: hi, width: scale.x1 - hi });
  // a span wide enough for the words says what it is: shading alone looked like a selection
  return spans.map((r) => ({
    ...r,
    y: axisY - 10,
    height: 20,
    label: r.width >= UNMEASURED_LABEL_PX ? { x: r.x + r.width / 2, y: axisY + 4, text: "not measured" } : null,
  }));
}

/** The narrowest unmeasured span (px) that is labelled "not measured". */
export const UNMEASURED_LABEL_PX = 84;

/**
 * The moving part: the pick handle (`tentative`), the accepted `lr` (an arrow at the ruler's end
 * when it lies outside the ruler: a pick is never moved to fit), the slice band and its two
 * handles, a hover line, and the value labels under the ruler, laid out so they never overlap.
 */
export function layoutPicks(layout, { tentative = null, lr = null, slice = null, hover = null, measure = estimateMeasure }) {
  const { scale, axisY, valueRowY, width } = layout;
  const labels = [];
  let pick = null;
  const t = rulerPosition(tentative, scale);
  const a = rulerPosition(lr, scale);
  if (t && t.side === 0) {
    const pending = lr === null || !(lr > 0) || Math.abs(Math.log10(tentative / lr)) > 1e-9;
    pick = {
      x: t.x,
      pending,
      line: { y1: 2, y2: axisY + 12 },
      knob: { cx: t.x, cy: axisY, r: 7 },
      hit: { x: t.x - PICK_HIT.width / 2, y: axisY - PICK_HIT.height / 2, ...PICK_HIT },
    };
    labels.push({ x: t.x, text: `${pending ? "pick" : "lr"} ${formatLr(tentative)}` });
  }
  let accepted = null;
  if (a) {
    const showLine = a.side === 0 && (!pick || Math.abs(a.x - pick.x) > 0.5);
    const mark = a.side === 0
      ? `M${a.x - 6},0 L${a.x + 6},0 L${a.x},8 Z`
      : `M${a.x},${axisY - 8} L${a.x + 10 * a.side},${axisY} L${a.x},${axisY + 8} Z`; // points off the ruler
    accepted = { x: a.x, side: a.side, showLine, line: { y1: 2, y2: axisY + 12 }, mark };
    if (a.side !== 0) labels.push({ x: a.x, text: a.side > 0 ? `lr ${formatLr(lr)} →` : `← lr ${formatLr(lr)}` });
    else if (showLine) labels.push({ x: a.x, text: `lr ${formatLr(lr)}` });
  }
  let band = null;
  const sl = Array.isArray(slice) ? normalizeSlice(slice, scale.minLr, scale.maxLr) : null;
  if (sl) {
    const [x0, x1] = sl.map(scale.toPx);
    // the low handle's target extends left and the high one's right, so two handles on one
    // spot can still be told apart by where the pointer goes down
    const handles = [x0, x1].map((x, i) => ({
      kind: i === 0 ? "lo" : "hi",
      x,
      rect: { x: x - HANDLE.width / 2, y: axisY - HANDLE.height / 2, width: HANDLE.width, height: HANDLE.height },
      hit: {
        x: i === 0 ? x - HANDLE.hitWidth : x,
        y: axisY - HANDLE.height / 2 - 2,
        width: HANDLE.hitWidth,
        height: HANDLE.height + 4,
      },
    }));
    band = { x: x0, width: Math.max(1, x1 - x0), y: axisY - 8, height: 16, handles, slice: sl };
    labels.push({ x: x0, text: `slice ${formatLr(sl[0])}` }, { x: x1, text: formatLr(sl[1]) });
  }
  let hoverLine = null;
  if (hover !== null && Number.isFinite(hover) && hover >= scale.x0 && hover <= scale.x1) {
    const at = scale.toLr(hover);
    hoverLine = { x: hover, y1: axisY - 10, y2: axisY + 10, lr: at, text: formatLr(at) };
  }
  const items = labels.map((v) => ({ x: v.x, width: measure(v.text, true) + 4 }));
  const placed = layoutLabels(items, { minX: 2, maxX: width - 2 });
  const valueLabels = labels.map((v, i) => ({
    text: v.text,
    x: placed[i].left + 2,
    y: valueRowY + placed[i].row * ROW_H,
    width: items[i].width,
  }));
  // crowded labels take more rows than layoutStrip reserved: the strip grows rather than overlap them
  const lowest = Math.max(valueRowY - ROW_H, ...valueLabels.map((v) => v.y));
  const height = Math.max(layout.height, lowest + ROW_H - 6);
  return { pick, accepted, band, hover: hoverLine, valueLabels, height };
}

// ---------------------------------------------------------------------------------------------
// the view
// ---------------------------------------------------------------------------------------------

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
}

function htmlEl(tag, attrs = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, String(v));
  }
  if (parent) parent.appendChild(node);
  return node;
}

/** A text measurer `(text, bold) => px` backed by a canvas when there is one, else the estimate. */
function makeMeasurer(root) {
  let ctx = null;
  let family = null; // read once the strip is in the page (styles do not apply before)
  try {
    ctx = document.createElement("canvas").getContext("2d");
  } catch {
    ctx = null;
  }
  return (text, bold = false) => {
    if (!ctx) return estimateMeasure(text, bold);
    if (family === null && root.isConnected) family = getComputedStyle(root).fontFamily || "sans-serif";
    ctx.font = `${bold ? "700 " : ""}${FONT_PX}px ${family ?? "sans-serif"}`;
    return ctx.measureText(text).width + 2;
  };
}

function render({ model, el }) {
  const root = htmlEl("div", { class: "lrw-strip" });
  el.append(root);

  const svg = svgEl("svg", {
    class: "lrw-svg",
    tabindex: 0,
    role: "slider",
    "aria-label": "learning rate pick: arrows move it, Enter accepts, Escape reverts",
  });
  root.appendChild(svg);
  // Back to front: ruler, slice band, the pick's and lr's lines, suggestions (their labels have an
  // opaque backing, so those lines never run through text), then the handles.
  const staticLayer = svgEl("g", { class: "lrw-static" }, svg);
  const band = svgEl("rect", { class: "lrw-band", "data-kind": "band" }, svg);
  const acceptedLine = svgEl("line", { class: "lrw-accepted" }, svg);
  const pickLine = svgEl("line", { class: "lrw-pick-line" }, svg);
  const suggLayer = svgEl("g", { class: "lrw-suggestions" }, svg);
  const acceptedMark = svgEl("path", { class: "lrw-accepted-mark" }, svg);
  const pick = svgEl("g", { class: "lrw-pick", "data-kind": "pick" }, svg);
  const pickHit = svgEl("rect", { class: "lrw-hit" }, pick);
  const pickKnob = svgEl("circle", { class: "lrw-pick-knob" }, pick);
  const sliceHandles = ["lo", "hi"].map((end) => {
    const g = svgEl("g", {
      class: "lrw-slice-handle",
      "data-kind": end,
      tabindex: 0,
      role: "slider",
      "aria-label": `slice ${end === "lo" ? "lower" : "upper"} end`,
    }, svg);
    svgEl("rect", { class: "lrw-handle-hit" }, g);
    svgEl("rect", { class: "lrw-handle", rx: 3 }, g);
    return g;
  });
  const valueLayer = svgEl("g", { class: "lrw-values" }, svg);
  // on top of everything while the pointer hovers (it takes no pointer events); its value is in the status
  const hoverLine = svgEl("line", { class: "lrw-hover" }, svg);

  const controls = htmlEl("div", { class: "lrw-controls" }, root);
  const acceptBtn = htmlEl("button", { class: "lrw-accept lrw-primary", type: "button", text: "Accept" }, controls);
  const sliceLabel = htmlEl("label", { class: "lrw-slice-toggle" }, controls);
  const sliceBox = htmlEl("input", { type: "checkbox" }, sliceLabel);
  sliceLabel.append("slice");
  const snippet = htmlEl("code", { class: "lrw-snippet" }, controls);
  const copyBtn = htmlEl("button", { class: "lrw-copy", type: "button", text: "Copy" }, controls);
  const status = htmlEl("span", { class: "lrw-status" }, controls);
  const legend = htmlEl("div", { class: "lrw-legend" }, root);

  const measure = makeMeasurer(root);
  const local = { tentative: null, slice: null, drag: null, hover: null };
  let geom = null; // the layoutStrip result
  let copyTimer = null;

  const get = (name) => model.get(name);
  const range = () => [get("min_lr"), get("max_lr")];
  const suggestions = () => get("suggestions") ?? [];

  function save(changes) {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  }

  function pullFromModel() {
    if (local.drag) return; // the pointer owns the handles until it lets go
    local.tentative = get("tentative");
    local.slice = get("lr_slice");
  }

  function applyPalette() {
    for (const [k, v] of Object.entries(paletteVars(get("registry")?.palette))) root.style.setProperty(k, v);
  }

  function drawStatic() {
    const [minLr, maxLr] = range();
    staticLayer.replaceChildren();
    suggLayer.replaceChildren();
    geom = layoutStrip({
      minLr,
      maxLr,
      width: root.clientWidth || el.clientWidth || 800,
      suggestions: suggestions(),
      autoMethod: get("auto_method"),
      confidence: get("confidence"),
      sliceMode: get("slice_mode"),
      registry: get("registry"),
      measured: get("measured"),
      measure,
    });
    if (!geom) {
      svg.setAttribute("height", 24);
      svgEl("text", { x: 4, y: 16, class: "lrw-tick-label" }, staticLayer).textContent =
        `invalid learning-rate range [${minLr}, ${maxLr}]`;
      return;
    }
    setAttrs(svg, { width: geom.width, height: geom.height, viewBox: `0 0 ${geom.width} ${geom.height}` });
    svgEl("rect", { class: "lrw-track", rx: 3, ...geom.track }, staticLayer);
    for (const { label, ...r } of geom.unmeasured) {
      const shade = svgEl("rect", { class: "lrw-unmeasured", ...r }, staticLayer);
      svgEl("title", {}, shade).textContent = "not measured by this sweep";
      if (label) {
        svgEl("text", { class: "lrw-unmeasured-label", x: label.x, y: label.y, "text-anchor": "middle" }, staticLayer)
          .textContent = label.text;
      }
    }
    for (const t of geom.minor) svgEl("line", { class: "lrw-minor", x1: t.x, x2: t.x, y1: t.y1, y2: t.y2 }, staticLayer);
    for (const t of geom.major) {
      svgEl("line", { class: "lrw-tick", x1: t.x, x2: t.x, y1: t.y1, y2: t.y2 }, staticLayer);
      if (t.label) {
        svgEl("text", { class: "lrw-tick-label", x: t.x, y: t.labelY, "text-anchor": "middle" }, staticLayer).textContent = t.label;
      }
    }
    // All tick lines first, then all labels on an opaque backing, so no line runs through a label.
    const tickLayer = svgEl("g", {}, suggLayer);
    const labelLayer = svgEl("g", {}, suggLayer);
    for (const m of geom.marks) {
      const data = { "data-kind": "suggestion", "data-method": m.method, "data-lr": m.lr };
      const tick = svgEl("g", { class: "lrw-sugg-tick", ...data }, tickLayer);
      svgEl("title", {}, tick).textContent = m.title;
      const line = { x1: m.x, x2: m.x, y1: m.line.y1, y2: m.line.y2 };
      svgEl("line", { class: "lrw-hit", ...line, "stroke-width": m.hitWidth }, tick);
      svgEl("line", { ...line, stroke: m.color, "stroke-width": m.line.width }, tick);
      svgEl("path", { d: m.arrow, fill: m.color }, tick);

      const g = svgEl("g", { class: `lrw-sugg${m.isAuto ? " lrw-auto" : ""}`, ...data }, labelLayer);
      svgEl("title", {}, g).textContent = m.title;
      svgEl("rect", { class: "lrw-sugg-bg", rx: 2, ...m.bg }, g);
      svgEl("text", { class: "lrw-sugg-label", x: m.textX, y: m.textY, "text-anchor": m.anchor }, g).textContent = m.text;
      svgEl("circle", { ...m.dot, fill: m.color, class: "lrw-sugg-dot" }, g);
    }
    legend.textContent = geom.notes.join(" · ");
    legend.style.display = legend.textContent ? "" : "none";
  }

  function show(node, on) {
    node.style.display = on ? "" : "none";
  }

  function drawDynamic() {
    const lr = get("lr");
    const disabled = get("disabled");
    const sliceMode = get("slice_mode");
    const [minLr, maxLr] = range();
    root.classList.toggle("lrw-disabled", !!disabled);
    acceptBtn.disabled = !!disabled || local.tentative === null;
    sliceBox.checked = !!sliceMode;
    sliceBox.disabled = !!disabled;
    const text = formatSnippet({ lr, lrSlice: get("lr_slice"), sliceMode });
    snippet.textContent = text ?? "lr=None";
    snippet.classList.toggle("lrw-empty", text === null);
    copyBtn.disabled = text === null;
    valueLayer.replaceChildren();
    if (!geom) {
      status.textContent = statusText({ tentative: local.tentative, lr, disabled, sliceMode, lrSlice: get("lr_slice"), measured: get("measured") });
      for (const node of [pick, pickLine, band, acceptedLine, acceptedMark, hoverLine, ...sliceHandles]) show(node, false);
      return;
    }
    const p = layoutPicks(geom, {
      tentative: local.tentative,
      lr,
      slice: sliceMode ? local.slice : null,
      hover: local.drag || disabled ? null : local.hover,
      measure,
    });
    setAttrs(svg, {
      "aria-valuemin": geom.scale.minLr,
      "aria-valuemax": geom.scale.maxLr,
      height: p.height,
      viewBox: `0 0 ${geom.width} ${p.height}`,
    });
    show(pick, !!p.pick);
    show(pickLine, !!p.pick);
    if (p.pick) {
      setAttrs(pickHit, p.pick.hit);
      setAttrs(pickLine, { x1: p.pick.x, x2: p.pick.x, ...p.pick.line });
      pickLine.classList.toggle("lrw-pending", p.pick.pending);
      setAttrs(pickKnob, p.pick.knob);
      setAttrs(svg, { "aria-valuenow": local.tentative, "aria-valuetext": formatLr(local.tentative) });
    } else {
      svg.removeAttribute("aria-valuenow");
      svg.setAttribute("aria-valuetext", Number.isFinite(lr) ? `lr ${formatLr(lr)}, off the ruler` : "no pick");
    }
    show(acceptedLine, !!p.accepted?.showLine);
    show(acceptedMark, !!p.accepted);
    if (p.accepted) {
      setAttrs(acceptedLine, { x1: p.accepted.x, x2: p.accepted.x, ...p.accepted.line });
      acceptedMark.setAttribute("d", p.accepted.mark);
      acceptedMark.classList.toggle("lrw-outside", p.accepted.side !== 0);
    }
    show(band, !!p.band);
    sliceHandles.forEach((g, i) => {
      show(g, !!p.band);
      if (!p.band) return;
      const h = p.band.handles[i];
      setAttrs(g.querySelector(".lrw-handle"), h.rect);
      setAttrs(g.querySelector(".lrw-handle-hit"), h.hit);
      setAttrs(g, { "aria-valuenow": p.band.slice[i], "aria-valuetext": formatLr(p.band.slice[i]) });
    });
    if (p.band) setAttrs(band, { x: p.band.x, width: p.band.width, y: p.band.y, height: p.band.height });
    show(hoverLine, !!p.hover);
    if (p.hover) setAttrs(hoverLine, { x1: p.hover.x, x2: p.hover.x, y1: p.hover.y1, y2: p.hover.y2 });
    status.textContent = statusText({
      tentative: local.tentative,
      lr,
      disabled,
      sliceMode,
      lrSlice: get("lr_slice"),
      minLr,
      maxLr,
      hover: p.hover ? p.hover.lr : null,
      measured: get("measured"),
    });
    for (const v of p.valueLabels) {
      svgEl("text", { class: "lrw-value-label", x: v.x, y: v.y }, valueLayer).textContent = v.text;
    }
  }

  function redraw() {
    pullFromModel();
    applyPalette();
    drawStatic();
    drawDynamic();
  }

  // ---- actions ------------------------------------------------------------------------------
  function startValue() {
    const [minLr, maxLr] = range();
    const auto = suggestions().find((s) => s && s.method === get("auto_method") && Number.isFinite(s.lr));
    return clampLr(local.tentative ?? get("lr") ?? auto?.lr ?? Math.sqrt(minLr * maxLr), minLr, maxLr);
  }

  function setTentative(value) {
    local.tentative = value;
    save({ tentative: value });
    drawDynamic();
  }

  function accept(value = local.tentative) {
    if (value === null || get("disabled")) return;
    local.tentative = value;
    save({ tentative: value, lr: value });
    drawDynamic();
  }

  function revert() {
    setTentative(get("lr"));
  }

  function setSlice(pair) {
    const [minLr, maxLr] = range();
    const sl = normalizeSlice(pair, minLr, maxLr);
    local.slice = sl;
    save({ lr_slice: sl });
    drawDynamic();
  }

  // ---- pointer ------------------------------------------------------------------------------
  function pointerX(event) {
    const rect = svg.getBoundingClientRect();
    return ((event.clientX - rect.left) * geom.width) / (rect.width || geom.width);
  }

  function pointerLr(event) {
    return geom.scale.toLr(pointerX(event));
  }

  function onPointerDown(event) {
    if (!geom || get("disabled") || event.button !== 0) return;
    const target = event.target.closest ? event.target.closest("[data-kind]") : null;
    const kind = target ? target.getAttribute("data-kind") : "track";
    svg.setPointerCapture?.(event.pointerId);
    if (kind === "suggestion") {
      local.drag = { kind, lr: Number(target.getAttribute("data-lr")) };
    } else if ((kind === "lo" || kind === "hi") && local.slice) {
      const index = kind === "lo" ? 0 : 1;
      // keep where on the handle it was grabbed, so the handle does not jump to the pointer
      const offset = pointerX(event) - geom.scale.toPx(clampLr(local.slice[index], geom.scale.minLr, geom.scale.maxLr));
      local.drag = { kind, index, offset };
      target.focus({ preventScroll: true });
    } else {
      local.drag = { kind: "pick" };
      svg.focus({ preventScroll: true });
      local.tentative = snapLr(pointerLr(event), suggestions(), geom.scale);
      drawDynamic();
    }
    event.preventDefault();
  }

  function onPointerMove(event) {
    if (!geom) return;
    const drag = local.drag;
    if (!drag) {
      local.hover = pointerX(event);
      drawDynamic();
      return;
    }
    if (drag.kind === "pick") {
      local.tentative = snapLr(pointerLr(event), suggestions(), geom.scale);
    } else if (drag.kind === "lo" || drag.kind === "hi") {
      const next = [...local.slice];
      next[drag.index] = geom.scale.toLr(pointerX(event) - drag.offset);
      local.slice = next;
    } else {
      return;
    }
    drawDynamic();
  }

  function onPointerLeave() {
    if (local.hover === null) return;
    local.hover = null;
    drawDynamic();
  }

  function onPointerUp(event) {
    const drag = local.drag;
    if (!drag) return;
    local.drag = null;
    svg.releasePointerCapture?.(event.pointerId);
    if (event.type === "pointercancel") {
      redraw();
      return;
    }
    if (drag.kind === "suggestion") {
      svg.focus({ preventScroll: true });
      accept(drag.lr);
    } else if (drag.kind === "pick") {
      setTentative(local.tentative);
    } else {
      setSlice(local.slice);
    }
  }

  // ---- keyboard -----------------------------------------------------------------------------
  function onKeyDown(event) {
    const action = keyAction(event.key, {
      shift: event.shiftKey,
      ctrl: event.ctrlKey,
      alt: event.altKey,
      meta: event.metaKey,
    });
    if (!action || get("disabled") || !geom) return;
    event.preventDefault();
    event.stopPropagation(); // keep JupyterLab's notebook shortcuts out of it
    const [minLr, maxLr] = range();
    const handle = event.target.closest ? event.target.closest(".lrw-slice-handle") : null;
    if (handle && local.slice) {
      const i = handle.getAttribute("data-kind") === "lo" ? 0 : 1;
      const next = [...local.slice];
      if (action.type === "nudge") next[i] = nudgeLr(next[i], action.decades, minLr, maxLr);
      else if (action.type === "to") next[i] = action.end === "min" ? minLr : maxLr;
      else return;
      setSlice(next);
      handle.focus({ preventScroll: true });
      return;
    }
    if (action.type === "nudge") {
      const start = startValue();
      setTentative(local.tentative === null ? start : nudgeLr(start, action.decades, minLr, maxLr));
    } else if (action.type === "to") {
      setTentative(action.end === "min" ? minLr : maxLr);
    } else if (action.type === "accept") {
      accept();
    } else if (action.type === "revert") {
      revert();
    }
  }

  // ---- controls -----------------------------------------------------------------------------
  acceptBtn.addEventListener("click", () => accept());
  sliceBox.addEventListener("change", () => {
    const on = sliceBox.checked;
    const changes = { slice_mode: on };
    if (on && !get("lr_slice")) {
      const [minLr, maxLr] = range();
      const sl = initialSlice({ suggested: get("suggested_slice"), pick: get("lr") ?? local.tentative, minLr, maxLr });
      local.slice = sl;
      changes.lr_slice = sl;
    }
    save(changes);
    drawDynamic();
  });
  copyBtn.addEventListener("click", () => {
    const text = snippet.textContent;
    const selectIt = () => {
      const sel = window.getSelection?.();
      if (!sel) return;
      const r = document.createRange();
      r.selectNodeContents(snippet);
      sel.removeAllRanges();
      sel.addRange(r);
    };
    const done = (label) => {
      copyBtn.textContent = label;
      clearTimeout(copyTimer);
      copyTimer = setTimeout(() => (copyBtn.textContent = "Copy"), 1500);
    };
    if (navigator.clipboard?.writeText) {
      navigator.clipboard.writeText(text).then(
        () => done("Copied"),
        () => {
          selectIt();
          done("Selected: press Ctrl+C");
        },
      );
    } else {
      selectIt();
      done("Selected: press Ctrl+C");
    }
  });

  svg.addEventListener("pointerdown", onPointerDown);
  svg.addEventListener("pointermove", onPointerMove);
  svg.addEventListener("pointerleave", onPointerLeave);
  svg.addEventListener("pointerup", onPointerUp);
  svg.addEventListener("pointercancel", onPointerUp);
  svg.addEventListener("keydown", onKeyDown);

  for (const name of ["min_lr", "max_lr", "suggestions", "auto_method", "confidence", "slice_mode", "registry", "measured"]) {
    model.on(`change:${name}`, redraw);
  }
  for (const name of ["lr", "tentative", "lr_slice", "disabled"]) {
    model.on(`change:${name}`, () => {
      pullFromModel();
      drawDynamic();
    });
  }

  let lastWidth = 0;
  const ro = typeof ResizeObserver === "function"
    ? new ResizeObserver(() => {
      const w = Math.round(root.clientWidth);
      if (w > 0 && w !== lastWidth) {
        lastWidth = w;
        redraw();
      }
    })
    : null;
  ro?.observe(root);
  redraw();

  return () => {
    ro?.disconnect();
    clearTimeout(copyTimer);
  };
}

export default { render };
