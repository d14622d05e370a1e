/**
 * lrwidget decision strip: an anywidget ES module (no build step, no runtime dependency).
 *
 * A log learning-rate ruler with a labelled tick per suggestion, a draggable pick handle, a
 * two-handle slice, keyboard nudges, Accept and a copyable `lr=...` / `slice(lo, hi)` snippet.
 *
 * The pure helpers are named exports, unit-tested by `node --test js/` without a DOM; the view is
 * `export default { render }`. Nothing touches the DOM at import time.
 */

/** Colours used when a suggestion brings none (the Python side normally fills `color`). */
export const PALETTE = ["#2f7ed8", "#e4572e", "#2ca02c", "#9467bd", "#d4a017", "#17a2b8", "#8c564b"];

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
    text += ` · ${Math.round(confidence * 100)}%`;
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

/** A colour for suggestion `i`: its own, else one from the palette. */
export function colorFor(s, i) {
  return (s && s.color) || PALETTE[i % PALETTE.length];
}

/** The status line under the ruler: what is picked and what a key does next. */
export function statusText({ tentative, lr, disabled, sliceMode, lrSlice }) {
  if (disabled) return "waiting for the sweep…";
  if (tentative === null || tentative === undefined) {
    return "Click a suggestion, drag on the ruler, or focus it and use ← →";
  }
  if (lr === null || lr === undefined || Math.abs(Math.log10(tentative / lr)) > 1e-9) {
    return `pick ${formatLr(tentative)} · Enter or Accept to use it, Esc to revert`;
  }
  if (sliceMode && lrSlice) return `using lr=${formatLr(lr)} and slice(${formatLr(lrSlice[0])}, ${formatLr(lrSlice[1])})`;
  return `using lr=${formatLr(lr)}`;
}

// ---------------------------------------------------------------------------------------------
// the view
// ---------------------------------------------------------------------------------------------

const SVG_NS = "http://www.w3.org/2000/svg";
const FONT_PX = 11;
const ROW_H = 16;
const PAD_X = 30;

const CSS = `
.lrw-strip { font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: 12px;
  color: var(--jp-ui-font-color1, currentColor); user-select: none; -webkit-user-select: none;
  box-sizing: border-box; width: 100%; padding: 4px 0; }
.lrw-strip.lrw-disabled .lrw-svg { opacity: 0.55; }
.lrw-svg { display: block; width: 100%; outline: none; touch-action: none; cursor: crosshair; }
.lrw-svg:focus-visible .lrw-track { stroke: var(--jp-brand-color1, #1976d2); stroke-width: 2; }
.lrw-track { fill: var(--jp-layout-color2, rgba(127,127,127,0.18)); stroke: var(--jp-border-color1, rgba(127,127,127,0.6)); }
.lrw-tick { stroke: var(--jp-ui-font-color2, currentColor); stroke-opacity: 0.8; }
.lrw-minor { stroke: var(--jp-ui-font-color3, currentColor); stroke-opacity: 0.5; }
.lrw-tick-label { fill: var(--jp-ui-font-color1, currentColor); font-size: ${FONT_PX}px; }
.lrw-sugg-label { fill: var(--jp-ui-font-color1, currentColor); font-size: ${FONT_PX}px; }
.lrw-sugg-bg { fill: var(--jp-layout-color0, Canvas); fill-opacity: 0.92; }
.lrw-sugg, .lrw-sugg-tick { cursor: pointer; }
.lrw-sugg.lrw-auto .lrw-sugg-label { font-weight: 700; }
.lrw-sugg:hover .lrw-sugg-label { text-decoration: underline; }
.lrw-hit { stroke: transparent; fill: transparent; }
.lrw-pick-line { stroke: var(--jp-brand-color1, #1976d2); stroke-width: 2; }
.lrw-pick-line.lrw-pending { stroke-dasharray: 4 3; }
.lrw-pick-knob { fill: var(--jp-brand-color1, #1976d2); stroke: var(--jp-layout-color0, #fff); stroke-width: 2; cursor: ew-resize; }
.lrw-accepted { stroke: var(--jp-brand-color1, #1976d2); stroke-width: 2; stroke-opacity: 0.55; }
.lrw-accepted-mark { fill: var(--jp-brand-color1, #1976d2); }
.lrw-value-label { fill: var(--jp-brand-color1, #1976d2); font-size: ${FONT_PX}px; font-weight: 600;
  paint-order: stroke; stroke: var(--jp-layout-color0, Canvas); stroke-width: 3px; }
.lrw-band { fill: var(--jp-brand-color1, #1976d2); fill-opacity: 0.22; }
.lrw-slice-handle rect { fill: var(--jp-layout-color0, #fff); stroke: var(--jp-brand-color1, #1976d2); stroke-width: 2; cursor: ew-resize; }
.lrw-slice-handle { outline: none; }
.lrw-slice-handle:focus-visible rect { stroke-width: 3; }
.lrw-controls { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-top: 4px; }
.lrw-controls button { font: inherit; padding: 2px 10px; border-radius: 3px; cursor: pointer;
  color: var(--jp-ui-font-color1, inherit); background: var(--jp-layout-color2, transparent);
  border: 1px solid var(--jp-border-color1, rgba(127,127,127,0.6)); }
.lrw-controls button.lrw-primary { background: var(--jp-brand-color1, #1976d2); color: var(--jp-ui-inverse-font-color1, #fff); border-color: transparent; }
.lrw-controls button:disabled { opacity: 0.5; cursor: default; }
.lrw-controls label { display: inline-flex; align-items: center; gap: 4px; cursor: pointer; }
.lrw-snippet { font-family: var(--jp-code-font-family, monospace); font-size: 12px; padding: 2px 6px; border-radius: 3px;
  background: var(--jp-layout-color2, rgba(127,127,127,0.15)); user-select: all; -webkit-user-select: all; min-width: 8ch; }
.lrw-snippet.lrw-empty { opacity: 0.6; user-select: none; }
.lrw-status { color: var(--jp-ui-font-color2, inherit); font-size: 12px; }
.lrw-legend { color: var(--jp-ui-font-color2, inherit); font-size: 11px; margin-top: 2px; }
`;

function svgEl(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
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
    if (!ctx) return estimateTextWidth(text, FONT_PX) * (bold ? 1.1 : 1);
    if (family === null && root.isConnected) family = getComputedStyle(root).fontFamily || "sans-serif";
    ctx.font = `${bold ? "700 " : ""}${FONT_PX}px ${family ?? "sans-serif"}`;
    return ctx.measureText(text).width + 2;
  };
}

function render({ model, el }) {
  const style = htmlEl("style", { text: CSS });
  const root = htmlEl("div", { class: "lrw-strip" });
  el.append(style, root);

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
  const pickHit = svgEl("rect", { class: "lrw-hit", width: 18, height: 28 }, pick);
  const pickKnob = svgEl("circle", { class: "lrw-pick-knob", r: 7 }, pick);
  const sliceHandles = ["lo", "hi"].map((end) => {
    const g = svgEl("g", {
      class: "lrw-slice-handle",
      "data-kind": end,
      tabindex: 0,
      role: "slider",
      "aria-label": `slice ${end === "lo" ? "lower" : "upper"} end`,
    }, svg);
    svgEl("rect", { width: 9, height: 24, rx: 3 }, g);
    return g;
  });
  const valueLayer = svgEl("g", { class: "lrw-values" }, svg);

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
  const local = { tentative: null, slice: null, drag: null };
  let geom = null; // {scale, axisY, height, width}
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

  function drawStatic() {
    const [minLr, maxLr] = range();
    const width = Math.max(240, Math.round(root.clientWidth || el.clientWidth || 800));
    staticLayer.replaceChildren();
    suggLayer.replaceChildren();
    if (!validRange(minLr, maxLr)) {
      geom = null;
      svg.setAttribute("height", 24);
      svgEl("text", { x: 4, y: 16, class: "lrw-tick-label" }, staticLayer).textContent =
        `invalid learning-rate range [${minLr}, ${maxLr}]`;
      return;
    }
    const scale = makeScale(minLr, maxLr, PAD_X, width - PAD_X);
    const autoMethod = get("auto_method");
    const confidence = get("confidence");
    const shown = onRuler(suggestions(), minLr, maxLr);
    const labels = shown.map((s) => suggestionLabel(s, { autoMethod, confidence }));
    const items = shown.map((s, i) => ({
      x: scale.toPx(s.lr),
      width: measure(labels[i], s.method === autoMethod) + 12,
    }));
    const placed = layoutLabels(items, { minX: 2, maxX: width - 2, align: "start", offset: 5 });
    const rows = Math.max(1, ...placed.map((p) => p.row + 1));
    const axisY = 6 + rows * ROW_H + 14;
    const bottomRows = get("slice_mode") ? 3 : 2; // pick, lr and the slice ends can crowd together
    const height = axisY + 34 + bottomRows * ROW_H;
    geom = { scale, axisY, height, width };
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);

    svgEl("rect", { class: "lrw-track", x: scale.x0, y: axisY - 3, width: scale.x1 - scale.x0, height: 6, rx: 3 }, staticLayer);
    const ticks = makeTicks(minLr, maxLr, scale.x1 - scale.x0);
    for (const lr of ticks.minor) {
      const x = scale.toPx(lr);
      svgEl("line", { class: "lrw-minor", x1: x, x2: x, y1: axisY + 3, y2: axisY + 7 }, staticLayer);
    }
    for (const t of ticks.major) {
      const x = scale.toPx(t.lr);
      svgEl("line", { class: "lrw-tick", x1: x, x2: x, y1: axisY + 3, y2: axisY + (t.label ? 10 : 8) }, staticLayer);
      if (t.label) {
        svgEl("text", { class: "lrw-tick-label", x, y: axisY + 23, "text-anchor": "middle" }, staticLayer).textContent = t.label;
      }
    }

    // All tick lines first, then all labels on an opaque backing, so no line runs through a label.
    const all = suggestions();
    const tickLayer = svgEl("g", {}, suggLayer);
    const labelLayer = svgEl("g", {}, suggLayer);
    shown.forEach((s, i) => {
      const x = scale.toPx(s.lr);
      const { row, left } = placed[i];
      const labelY = axisY - 14 - row * ROW_H;
      const color = colorFor(s, all.indexOf(s));
      const isAuto = s.method === autoMethod;
      const data = { "data-kind": "suggestion", "data-method": s.method, "data-lr": s.lr };
      const title = `${s.label || s.method}: lr=${formatLr(s.lr, 3)}${s.reason ? ` (${s.reason})` : ""}. Click to use it.`;

      const tick = svgEl("g", { class: "lrw-sugg-tick", ...data }, tickLayer);
      svgEl("title", {}, tick).textContent = title;
      svgEl("line", { class: "lrw-hit", x1: x, x2: x, y1: labelY - 4, y2: axisY + 6, "stroke-width": 12 }, tick);
      svgEl("line", {
        x1: x, x2: x, y1: labelY - 4, y2: axisY + 6, stroke: color, "stroke-width": isAuto ? 3 : 2,
      }, tick);
      svgEl("path", { d: `M${x - 5},${axisY - 9} L${x + 5},${axisY - 9} L${x},${axisY - 2} Z`, fill: color }, tick);

      const g = svgEl("g", { class: `lrw-sugg${isAuto ? " lrw-auto" : ""}`, ...data }, labelLayer);
      svgEl("title", {}, g).textContent = title;
      const endAligned = left + 5 < x - 0.5; // pushed left by the right edge: the text ends at the tick
      const [bgLeft, bgRight] = endAligned ? [left, x - 5] : [x + 5, left + items[i].width];
      svgEl("rect", { class: "lrw-sugg-bg", x: bgLeft, y: labelY - 11, width: bgRight - bgLeft, height: 15, rx: 2 }, g);
      const text = svgEl("text", {
        class: "lrw-sugg-label",
        x: endAligned ? x - 7 : left + 12,
        y: labelY,
        "text-anchor": endAligned ? "end" : "start",
      }, g);
      text.textContent = labels[i];
      svgEl("circle", { cx: x, cy: labelY - 4, r: 4, fill: color }, g);
    });

    legend.textContent = legendNotes(all, minLr, maxLr).join(" · ");
    legend.style.display = legend.textContent ? "" : "none";
  }

  function drawDynamic() {
    const lr = get("lr");
    const disabled = get("disabled");
    const sliceMode = get("slice_mode");
    root.classList.toggle("lrw-disabled", !!disabled);
    acceptBtn.disabled = !!disabled || local.tentative === null;
    sliceBox.checked = !!sliceMode;
    sliceBox.disabled = !!disabled;
    const text = formatSnippet({ lr, lrSlice: get("lr_slice"), sliceMode });
    snippet.textContent = text ?? "lr=None";
    snippet.classList.toggle("lrw-empty", text === null);
    copyBtn.disabled = text === null;
    status.textContent = statusText({ tentative: local.tentative, lr, disabled, sliceMode, lrSlice: get("lr_slice") });
    valueLayer.replaceChildren();
    if (!geom) {
      for (const node of [pick, pickLine, band, acceptedLine, acceptedMark, ...sliceHandles]) node.style.display = "none";
      return;
    }
    const { scale, axisY } = geom;
    const valueRowY = axisY + 40;
    const valueLabels = [];

    const t = local.tentative === null ? null : clampLr(local.tentative, scale.minLr, scale.maxLr);
    pick.style.display = t === null ? "none" : "";
    pickLine.style.display = pick.style.display;
    svg.setAttribute("aria-valuemin", scale.minLr);
    svg.setAttribute("aria-valuemax", scale.maxLr);
    if (t !== null) {
      const x = scale.toPx(t);
      const pending = lr === null || Math.abs(Math.log10(t / lr)) > 1e-9;
      pickHit.setAttribute("x", x - 9);
      pickHit.setAttribute("y", axisY - 14);
      for (const [k, v] of Object.entries({ x1: x, x2: x, y1: 2, y2: axisY + 12 })) pickLine.setAttribute(k, v);
      pickLine.classList.toggle("lrw-pending", pending);
      pickKnob.setAttribute("cx", x);
      pickKnob.setAttribute("cy", axisY);
      svg.setAttribute("aria-valuenow", t);
      svg.setAttribute("aria-valuetext", formatLr(t));
      valueLabels.push({ x, text: `${pending ? "pick" : "lr"} ${formatLr(t)}` });
    } else {
      svg.removeAttribute("aria-valuenow");
      svg.setAttribute("aria-valuetext", "no pick");
    }

    const a = lr === null ? null : clampLr(lr, scale.minLr, scale.maxLr);
    const showAccepted = a !== null && (t === null || Math.abs(scale.toPx(a) - scale.toPx(t)) > 0.5);
    acceptedLine.style.display = showAccepted ? "" : "none";
    acceptedMark.style.display = a !== null ? "" : "none";
    if (a !== null) {
      const x = scale.toPx(a);
      for (const [k, v] of Object.entries({ x1: x, x2: x, y1: 2, y2: axisY + 12 })) acceptedLine.setAttribute(k, v);
      acceptedMark.setAttribute("d", `M${x - 6},0 L${x + 6},0 L${x},8 Z`);
      if (showAccepted) valueLabels.push({ x, text: `lr ${formatLr(a)}` });
    }

    const sl = sliceMode ? normalizeSlice(local.slice, scale.minLr, scale.maxLr) : null;
    band.style.display = sl ? "" : "none";
    sliceHandles.forEach((g, i) => {
      g.style.display = sl ? "" : "none";
      if (!sl) return;
      const x = scale.toPx(clampLr(local.slice[i], scale.minLr, scale.maxLr));
      g.setAttribute("transform", `translate(${x - 4.5},${axisY - 12})`);
      g.setAttribute("aria-valuenow", local.slice[i]);
      g.setAttribute("aria-valuetext", formatLr(local.slice[i]));
    });
    if (sl) {
      const [x0, x1] = sl.map(scale.toPx);
      band.setAttribute("x", x0);
      band.setAttribute("width", Math.max(1, x1 - x0));
      band.setAttribute("y", axisY - 8);
      band.setAttribute("height", 16);
      valueLabels.push({ x: x0, text: `slice ${formatLr(sl[0])}` }, { x: x1, text: formatLr(sl[1]) });
    }

    const items = valueLabels.map((v) => ({ x: v.x, width: measure(v.text, true) + 4 }));
    const placed = layoutLabels(items, { minX: 2, maxX: geom.width - 2 });
    valueLabels.forEach((v, i) => {
      const node = svgEl("text", {
        class: "lrw-value-label",
        x: placed[i].left + 2,
        y: valueRowY + Math.min(placed[i].row, 2) * ROW_H,
      }, valueLayer);
      node.textContent = v.text;
    });
  }

  function redraw() {
    pullFromModel();
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
  function pointerLr(event) {
    const rect = svg.getBoundingClientRect();
    const x = ((event.clientX - rect.left) * geom.width) / (rect.width || geom.width);
    return geom.scale.toLr(x);
  }

  function onPointerDown(event) {
    if (!geom || get("disabled") || event.button !== 0) return;
    const target = event.target.closest ? event.target.closest("[data-kind]") : null;
    const kind = target ? target.getAttribute("data-kind") : "track";
    svg.setPointerCapture?.(event.pointerId);
    if (kind === "suggestion") {
      local.drag = { kind, lr: Number(target.getAttribute("data-lr")) };
    } else if ((kind === "lo" || kind === "hi") && local.slice) {
      local.drag = { kind, index: kind === "lo" ? 0 : 1 };
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
    const drag = local.drag;
    if (!drag || !geom) return;
    if (drag.kind === "pick") {
      local.tentative = snapLr(pointerLr(event), suggestions(), geom.scale);
    } else if (drag.kind === "lo" || drag.kind === "hi") {
      const next = [...local.slice];
      next[drag.index] = pointerLr(event);
      local.slice = next;
    } else {
      return;
    }
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
      const sl = defaultSlice(get("lr") ?? local.tentative, minLr, maxLr);
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
  svg.addEventListener("pointerup", onPointerUp);
  svg.addEventListener("pointercancel", onPointerUp);
  svg.addEventListener("keydown", onKeyDown);

  for (const name of ["min_lr", "max_lr", "suggestions", "auto_method", "confidence", "slice_mode"]) {
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
