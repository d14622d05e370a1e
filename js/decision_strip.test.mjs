// Unit tests of the decision strip's pure helpers: `node --test js/` (no DOM, no dependencies).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as strip from "./decision_strip.js";
import {
  clampLr,
  defaultSlice,
  formatLr,
  formatSnippet,
  keyAction,
  layoutLabels,
  legendNotes,
  makeScale,
  makeTicks,
  normalizeSlice,
  nudgeLr,
  onRuler,
  snapLr,
  statusText,
  suggestionLabel,
  validRange,
} from "./decision_strip.js";

const close = (a, b, rel = 1e-12) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);

describe("module shape", () => {
  it("exports render only through the default object, as anywidget >= 0.9 expects", () => {
    assert.equal(typeof strip.default.render, "function");
    assert.equal(strip.render, undefined);
  });
});

describe("makeScale", () => {
  const s = makeScale(1e-7, 10, 30, 870);

  it("maps the ends of the range to the ends of the pixel span", () => {
    close(s.toPx(1e-7), 30);
    close(s.toPx(10), 870);
  });

  it("is logarithmic: every decade gets the same width", () => {
    const w = s.toPx(1e-3) - s.toPx(1e-4);
    close(s.toPx(1) - s.toPx(1e-1), w, 1e-9);
    close(w, 840 / 8, 1e-9);
  });

  it("inverts toPx", () => {
    for (const lr of [1e-7, 3.3e-5, 0.0123, 1, 9.99]) close(s.toLr(s.toPx(lr)), lr, 1e-9);
  });

  it("clamps pixels outside the ruler to its ends", () => {
    assert.equal(s.toLr(-100), 1e-7);
    assert.equal(s.toLr(5000), 10);
  });
});

describe("clampLr / validRange", () => {
  it("limits to the range and rejects non-positive or non-finite values", () => {
    assert.equal(clampLr(100, 1e-7, 10), 10);
    assert.equal(clampLr(1e-9, 1e-7, 10), 1e-7);
    assert.equal(clampLr(0.5, 1e-7, 10), 0.5);
    for (const bad of [null, undefined, Number.NaN, Infinity, 0, -1]) assert.equal(clampLr(bad, 1e-7, 10), null);
  });

  it("accepts only positive increasing ranges", () => {
    assert.ok(validRange(1e-7, 10));
    assert.ok(!validRange(10, 1e-7));
    assert.ok(!validRange(0, 1));
    assert.ok(!validRange(1, 1));
    assert.ok(!validRange(undefined, 1));
  });
});

describe("makeTicks", () => {
  it("labels every decade from 1e-7 to 1e+1 on a ~900 px ruler", () => {
    const { major, minor } = makeTicks(1e-7, 10, 840);
    assert.deepEqual(
      major.map((t) => t.label),
      ["1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1e+0", "1e+1"],
    );
    assert.equal(major[0].lr, 1e-7);
    assert.equal(minor.length, 8 * 8); // 2..9 in each of the 8 full decades
    assert.ok(minor.every((lr) => lr > 1e-7 && lr < 10));
  });

  it("labels only every few decades when the ruler is narrow, keeping labels apart", () => {
    const width = 200;
    const { major } = makeTicks(1e-7, 10, width);
    const labelled = major.filter((t) => t.label);
    assert.ok(labelled.length >= 2 && labelled.length < major.length);
    const s = makeScale(1e-7, 10, 0, width);
    const xs = labelled.map((t) => s.toPx(t.lr));
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i] - xs[i - 1] >= 44);
  });

  it("gives 1-2-5 ticks inside a range narrower than two decades", () => {
    const { major } = makeTicks(1.5e-4, 4e-3, 800);
    assert.deepEqual(
      major.map((t) => t.lr),
      [2e-4, 5e-4, 1e-3, 2e-3],
    );
    assert.ok(major.every((t) => t.label === formatLr(t.lr)));
  });

  it("returns nothing for an unusable range or width", () => {
    assert.deepEqual(makeTicks(1, 0.1, 800), { major: [], minor: [] });
  });

  it("labels a sliver of a decade with evenly spaced three-digit ticks", () => {
    const { major } = makeTicks(1e-7, 1.24e-7, 800);
    const labels = major.map((t) => t.label);
    assert.deepEqual(labels, ["1e-7", "1.07e-7", "1.15e-7", "1.24e-7"]);
    assert.deepEqual(makeTicks(1e-7, 10, 0), { major: [], minor: [] });
  });
});

describe("formatLr / formatSnippet", () => {
  it("writes two significant digits with trailing zeros dropped", () => {
    assert.equal(formatLr(0.003), "3e-3");
    assert.equal(formatLr(0.0031622776), "3.2e-3");
    assert.equal(formatLr(1e-5), "1e-5");
    assert.equal(formatLr(1), "1e+0");
    assert.equal(formatLr(25), "2.5e+1");
    assert.equal(formatLr(0.00996), "1e-2"); // rounding carries into the exponent
    assert.equal(formatLr(0.0031622776, 3), "3.16e-3");
    assert.equal(formatLr(null), "None");
  });

  it("writes literals Python reads back within rounding", () => {
    for (const lr of [1.234e-6, 0.0031, 0.5, 7.77]) {
      const back = Number(formatLr(lr)); // JS and Python parse `3.2e-3` the same way
      assert.ok(Math.abs(back - lr) / lr < 0.05);
    }
  });

  it("shows lr=..., or slice(lo, hi) in slice mode, or null when nothing is accepted", () => {
    assert.equal(formatSnippet({ lr: 0.0031622776 }), "lr=3.2e-3");
    assert.equal(formatSnippet({ lr: 3e-3, lrSlice: [1e-5, 3e-3], sliceMode: true }), "slice(1e-5, 3e-3)");
    assert.equal(formatSnippet({ lr: 3e-3, lrSlice: [1e-5, 3e-3], sliceMode: false }), "lr=3e-3");
    assert.equal(formatSnippet({ lr: 3e-3, lrSlice: null, sliceMode: true }), "lr=3e-3");
    assert.equal(formatSnippet({ lr: null }), null);
    assert.equal(formatSnippet(), null);
  });
});

describe("keyboard", () => {
  it("maps arrows to 0.1 decade, Shift and PageUp/Down to 1 decade", () => {
    assert.deepEqual(keyAction("ArrowRight"), { type: "nudge", decades: 0.1 });
    assert.deepEqual(keyAction("ArrowLeft"), { type: "nudge", decades: -0.1 });
    assert.deepEqual(keyAction("ArrowRight", { shift: true }), { type: "nudge", decades: 1 });
    assert.deepEqual(keyAction("PageDown"), { type: "nudge", decades: -1 });
    assert.deepEqual(keyAction("Home"), { type: "to", end: "min" });
    assert.deepEqual(keyAction("Enter"), { type: "accept" });
    assert.deepEqual(keyAction("Escape"), { type: "revert" });
    assert.equal(keyAction("a"), null);
    assert.equal(keyAction("Tab"), null); // focus must still move away
  });

  it("leaves Shift+Enter (run cell) and Ctrl/Alt/Meta chords to JupyterLab", () => {
    assert.equal(keyAction("Enter", { shift: true }), null);
    assert.equal(keyAction("Enter", { ctrl: true }), null);
    assert.equal(keyAction("ArrowLeft", { alt: true }), null);
    assert.equal(keyAction("ArrowRight", { meta: true }), null);
    assert.deepEqual(keyAction("Escape", { shift: true }), { type: "revert" });
  });

  it("nudges by a factor 10^0.1 and stops at the ends of the range", () => {
    close(nudgeLr(1e-3, 0.1, 1e-7, 10), 1e-3 * 10 ** 0.1);
    close(nudgeLr(1e-3, -1, 1e-7, 10), 1e-4);
    assert.equal(nudgeLr(8, 0.1, 1e-7, 10), 10);
    assert.equal(nudgeLr(1.1e-7, -0.1, 1e-7, 10), 1e-7);
  });

  it("ten fine nudges equal one coarse nudge", () => {
    let lr = 2e-4;
    for (let i = 0; i < 10; i++) lr = nudgeLr(lr, 0.1, 1e-7, 10);
    close(lr, 2e-3, 1e-9);
  });
});

describe("snapping and slices", () => {
  const scale = makeScale(1e-7, 10, 0, 800);
  const suggestions = [
    { method: "valley", lr: 1e-3 },
    { method: "steepest", lr: null },
    { method: "minimum", lr: 1e-1 },
  ];

  it("snaps a pick within a few pixels of a tick onto the tick, and leaves others alone", () => {
    const near = scale.toLr(scale.toPx(1e-3) + 4);
    assert.equal(snapLr(near, suggestions, scale), 1e-3);
    const far = scale.toLr(scale.toPx(1e-3) + 20);
    assert.equal(snapLr(far, suggestions, scale), far);
    assert.equal(snapLr(null, suggestions, scale), null);
  });

  it("keeps on the ruler only suggestions with an lr inside the range", () => {
    const shown = onRuler([...suggestions, { method: "x", lr: 100 }], 1e-7, 10);
    assert.deepEqual(
      shown.map((s) => s.method),
      ["valley", "minimum"],
    );
  });

  it("sorts and clamps a slice, and refuses broken ones", () => {
    assert.deepEqual(normalizeSlice([1e-2, 1e-5], 1e-7, 10), [1e-5, 1e-2]);
    assert.deepEqual(normalizeSlice([1e-9, 100], 1e-7, 10), [1e-7, 10]);
    assert.equal(normalizeSlice([1e-3], 1e-7, 10), null);
    assert.equal(normalizeSlice([null, 1e-3], 1e-7, 10), null);
    assert.equal(normalizeSlice(null, 1e-7, 10), null);
  });

  it("proposes a one-decade slice ending at the pick", () => {
    const [lo, hi] = defaultSlice(3e-3, 1e-7, 10);
    assert.equal(hi, 3e-3);
    close(lo, 3e-4);
    const [lo2, hi2] = defaultSlice(null, 1e-6, 1);
    close(hi2, 1e-3);
    close(lo2, 1e-4);
    assert.deepEqual(defaultSlice(1e-7, 1e-7, 10), [1e-7, 1e-7]);
  });
});

describe("layoutLabels", () => {
  it("never lets two labels of one row overlap, and stays inside the bounds", () => {
    const items = [400, 404, 410, 100, 402, 800, 5].map((x) => ({ x, width: 70 }));
    const placed = layoutLabels(items, { minX: 0, maxX: 820, gap: 6 });
    for (let i = 0; i < items.length; i++) {
      assert.ok(placed[i].left >= 0 && placed[i].left + 70 <= 820);
      for (let j = i + 1; j < items.length; j++) {
        if (placed[i].row !== placed[j].row) continue;
        const [a, b] = placed[i].left < placed[j].left ? [placed[i], placed[j]] : [placed[j], placed[i]];
        assert.ok(a.left + 70 + 6 <= b.left, `labels ${i} and ${j} overlap in row ${a.row}`);
      }
    }
    assert.equal(Math.max(...placed.map((p) => p.row)), 3); // four labels crowd around x=400
  });

  it("with start alignment, no tick line from a higher row crosses a lower row's text", () => {
    const xs = [400, 404, 410, 100, 402, 800, 5, 395, 430, 818];
    const items = xs.map((x, i) => ({ x, width: 60 + 5 * i }));
    const placed = layoutLabels(items, { minX: 0, maxX: 820, gap: 6, align: "start", offset: 5 });
    for (let i = 0; i < items.length; i++) {
      const { left, row } = placed[i];
      assert.ok(left >= 0 && left + items[i].width <= 820);
      const fitsRight = items[i].x - 5 + items[i].width <= 820;
      if (fitsRight) assert.equal(left, Math.max(0, items[i].x - 5)); // starts at its tick
      else assert.equal(left, Math.min(items[i].x + 5, 820) - items[i].width); // ends at its tick or the edge
      for (let j = 0; j < items.length; j++) {
        if (placed[j].row <= row || !fitsRight) continue;
        const x = items[j].x;
        const textLeft = items[i].x + 7; // the text starts right of label i's own dot
        assert.ok(x < textLeft || x > left + items[i].width, `tick ${j} crosses label ${i}`);
      }
    }
  });

  it("ends a label at its tick when starting there would run past the right edge", () => {
    const [p] = layoutLabels([{ x: 800, width: 60 }], { maxX: 820, align: "start", offset: 5 });
    assert.equal(p.left, 800 + 5 - 60);
  });

  it("keeps labels far apart in the first row", () => {
    const placed = layoutLabels([{ x: 100, width: 50 }, { x: 300, width: 50 }]);
    assert.deepEqual(
      placed.map((p) => p.row),
      [0, 0],
    );
    assert.equal(placed[0].left, 75);
  });
});

describe("text", () => {
  it("labels a suggestion with its rate, and the auto one with its confidence", () => {
    assert.equal(suggestionLabel({ method: "valley", lr: 1e-3 }), "valley 1e-3");
    assert.equal(suggestionLabel({ method: "valley", label: "Valley", lr: 1e-3 }), "Valley 1e-3");
    assert.equal(suggestionLabel({ method: "auto", lr: 2.5e-3 }, { confidence: 0.824 }), "auto 2.5e-3 · score 0.82");
    assert.equal(suggestionLabel({ method: "valley", lr: 1e-3 }, { confidence: 0.8 }), "valley 1e-3");
  });

  it("lists suggestions without an answer with their reason, and those off the ruler", () => {
    const notes = legendNotes(
      [
        { method: "steepest", lr: null, reason: "loss never falls" },
        { method: "minimum", lr: null },
        { method: "valley", lr: 1e-3 },
        { method: "far", lr: 1e3 },
      ],
      1e-7,
      10,
    );
    assert.deepEqual(notes, [
      "steepest: no answer (loss never falls)",
      "minimum: no answer",
      "far: 1e+3 is outside the swept range",
    ]);
  });

  it("says what Enter would do while the pick differs from the accepted rate", () => {
    assert.match(statusText({ tentative: null, lr: null }), /Click a suggestion/);
    assert.match(statusText({ tentative: 2e-3, lr: null }), /pick 2e-3 · Enter/);
    assert.equal(statusText({ tentative: 2e-3, lr: 2e-3 }), "using lr=2e-3");
    assert.match(statusText({ tentative: 2e-3, lr: 2e-3, disabled: true }), /waiting/);
  });
});
