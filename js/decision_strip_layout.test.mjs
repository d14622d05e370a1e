// Unit tests of the strip's layout (layoutStrip, layoutPicks) and its registry helpers: `node --test js/`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  HANDLE,
  PAD_X,
  PICK_HIT,
  colorFor,
  estimateMeasure,
  initialSlice,
  labelFor,
  layoutPicks,
  layoutStrip,
  paletteVars,
  rulerPosition,
  statusText,
  unmeasured,
} from "./decision_strip.js";

const close = (a, b, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);

const REGISTRY = {
  methods: {
    auto: { label: "auto", color: "#E8430C" },
    valley: { label: "valley", color: "#2E9A48" },
    slide_rule: { label: "slide rule", color: "#BA8B00" },
  },
  palette: { pick: "#D6287E", val_loss: "#9A6A44", slice_opacity: 0.2 },
  fallback_colors: ["#7E6BC4", "#4F8F8F"],
};

const SUGGESTIONS = [
  { method: "auto", lr: 2.2e-3 },
  { method: "slide_rule", lr: 1.8e-3 },
  { method: "valley", lr: 8e-4 },
  { method: "steepest", lr: 4e-4, label: "steepest" },
  { method: "minimum", lr: 4e-2, label: "minimum / 10" },
  { method: "slide_rule_scaled", lr: null, reason: "no interval" },
];

const overlaps = (a, b, gap = 0) => a.left < b.right + gap && b.left < a.right + gap;
const box = (x, width) => ({ left: x - width / 2, right: x + width / 2 });
const inside = (x, y, r) => x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height;

describe("layoutStrip: the ruler", () => {
  it("returns null for an unusable range and a 240 px ruler at the least", () => {
    assert.equal(layoutStrip({ minLr: 1, maxLr: 1, width: 800 }), null);
    assert.equal(layoutStrip({ minLr: 1e-7, maxLr: 10, width: 50 }).width, 240);
  });

  it("puts the ends of the range at the ends of the track, inside the side padding", () => {
    const g = layoutStrip({ minLr: 1e-7, maxLr: 10, width: 900 });
    assert.equal(g.track.x, PAD_X);
    assert.equal(g.track.x + g.track.width, 900 - PAD_X);
    assert.equal(g.scale.toPx(1e-7), PAD_X);
    assert.equal(g.scale.toPx(10), 900 - PAD_X);
    assert.ok(g.height > g.axisY + 30 && g.valueRowY > g.axisY);
  });

  for (const [minLr, maxLr] of [[1e-7, 10], [1e-6, 1], [3e-5, 2e-4], [1e-7, 1.24e-7], [1e-9, 1e3]]) {
    for (const width of [240, 420, 900, 1400]) {
      it(`never lets two tick labels collide or leave the strip (${minLr}..${maxLr}, ${width} px)`, () => {
        const g = layoutStrip({ minLr, maxLr, width });
        const labelled = g.major.filter((t) => t.label);
        assert.ok(labelled.length >= 2, "a ruler always has at least two labels");
        const boxes = labelled.map((t) => box(t.x, estimateMeasure(t.label)));
        for (const b of boxes) assert.ok(b.left >= 0 && b.right <= g.width, "label inside the strip");
        for (let i = 1; i < boxes.length; i++) assert.ok(!overlaps(boxes[i - 1], boxes[i], 4), "labels apart");
        for (const t of [...g.major, ...g.minor]) {
          assert.ok(t.x >= g.track.x - 1e-9 && t.x <= g.track.x + g.track.width + 1e-9, "tick on the track");
        }
      });
    }
  }
});

describe("layoutStrip: suggestions", () => {
  const g = layoutStrip({ minLr: 1e-7, maxLr: 10, width: 900, suggestions: SUGGESTIONS, registry: REGISTRY, confidence: 0.82 });

  it("draws every suggestion with an answer on the ruler, at its rate, and lists the others", () => {
    assert.deepEqual(g.marks.map((m) => m.method), ["auto", "slide_rule", "valley", "steepest", "minimum"]);
    for (const m of g.marks) assert.ok(Math.abs(m.x - g.scale.toPx(m.lr)) < 1e-9);
    assert.deepEqual(g.notes, ["slide_rule_scaled: no answer (no interval)"]);
  });

  it("takes colours and labels from the registry, its own first, a fallback for unknown methods", () => {
    const byMethod = Object.fromEntries(g.marks.map((m) => [m.method, m]));
    assert.equal(byMethod.auto.color, "#E8430C");
    assert.equal(byMethod.slide_rule.text, "slide rule 1.8e-3");
    assert.equal(byMethod.auto.text, "auto 2.2e-3 · score 0.82");
    assert.ok(REGISTRY.fallback_colors.includes(byMethod.steepest.color));
    assert.equal(colorFor({ method: "valley", color: "#123456" }, 0, REGISTRY), "#123456");
    assert.equal(colorFor({ method: "nope" }, 3, null), "currentColor");
    assert.equal(labelFor({ method: "slide_rule" }, REGISTRY), "slide rule");
    assert.equal(labelFor({ method: "x_y" }, null), "x_y");
  });

  it("makes auto the heaviest mark", () => {
    const auto = g.marks.find((m) => m.isAuto);
    for (const m of g.marks.filter((x) => !x.isAuto)) {
      assert.ok(auto.line.width > m.line.width && auto.dot.r > m.dot.r);
    }
  });

  it("keeps every label's backing inside the strip and apart from the others in its row", () => {
    for (const m of g.marks) {
      assert.ok(m.bg.x >= 0 && m.bg.x + m.bg.width <= g.width);
      assert.ok(m.bg.width >= estimateMeasure(m.text, m.isAuto) - 1, "the backing covers the text");
      assert.ok(m.textY < g.axisY && m.line.y2 > g.axisY, "label above, tick down to the ruler");
    }
    for (const a of g.marks) {
      for (const b of g.marks) {
        if (a === b || a.row !== b.row) continue;
        const [ra, rb] = [a, b].map((m) => ({ left: m.bg.x, right: m.bg.x + m.bg.width }));
        assert.ok(!overlaps(ra, rb), `${a.method} and ${b.method} overlap in row ${a.row}`);
      }
    }
  });

  it("gives each tick a hit line wider than the drawn one, from its label down to the ruler", () => {
    for (const m of g.marks) {
      assert.ok(m.hitWidth >= 10 && m.hitWidth > m.line.width);
      assert.ok(m.line.y1 <= m.dot.cy && m.line.y2 >= g.axisY);
    }
  });

  it("grows upward by one row per crowded label, so the ruler moves down", () => {
    const one = layoutStrip({ minLr: 1e-7, maxLr: 10, width: 900, suggestions: [SUGGESTIONS[0]] });
    assert.ok(g.axisY > one.axisY);
    assert.equal((g.axisY - one.axisY) % 16, 0);
  });
});

describe("layoutPicks", () => {
  const g = layoutStrip({ minLr: 1e-7, maxLr: 10, width: 900 });

  it("puts the pick knob on the ruler at the tentative rate, with a hit area around it", () => {
    const p = layoutPicks(g, { tentative: 1e-3, lr: 1e-3 });
    assert.ok(Math.abs(p.pick.x - g.scale.toPx(1e-3)) < 1e-9);
    assert.equal(p.pick.knob.cy, g.axisY);
    assert.ok(inside(p.pick.knob.cx, p.pick.knob.cy, p.pick.hit));
    assert.ok(p.pick.hit.width >= PICK_HIT.width && p.pick.hit.width >= 2 * p.pick.knob.r);
    assert.equal(p.pick.pending, false);
    assert.equal(p.accepted.showLine, false); // pick and lr coincide: one line
    assert.deepEqual(p.valueLabels.map((v) => v.text), ["lr 1e-3"]);
  });

  it("marks a pick that differs from lr as pending and labels both", () => {
    const p = layoutPicks(g, { tentative: 3e-3, lr: 1e-4 });
    assert.equal(p.pick.pending, true);
    assert.equal(p.accepted.showLine, true);
    assert.deepEqual(p.valueLabels.map((v) => v.text).sort(), ["lr 1e-4", "pick 3e-3"]);
  });

  it("draws an lr outside the ruler as an arrow at the end it lies beyond, with its value, and moves nothing", () => {
    const narrow = layoutStrip({ minLr: 1e-7, maxLr: 1.59e-3, width: 900 });
    const p = layoutPicks(narrow, { tentative: 0.03, lr: 0.03 });
    assert.equal(p.pick, null); // no knob pretending the pick is the ruler's end
    assert.equal(p.accepted.side, 1);
    assert.equal(p.accepted.x, narrow.scale.x1);
    assert.match(p.accepted.mark, new RegExp(`L${narrow.scale.x1 + 10},`)); // points right, off the ruler
    assert.deepEqual(p.valueLabels.map((v) => v.text), ["lr 3e-2 →"]);
    const below = layoutPicks(narrow, { tentative: 1e-9, lr: 1e-9 });
    assert.equal(below.accepted.side, -1);
    assert.deepEqual(below.valueLabels.map((v) => v.text), ["← lr 1e-9"]);
  });

  it("places the slice band between its handles, each with its own hit area even when they meet", () => {
    const p = layoutPicks(g, { slice: [1e-3, 1e-4] });
    const [lo, hi] = p.band.handles;
    assert.deepEqual(p.band.slice, [1e-4, 1e-3]);
    assert.ok(Math.abs(p.band.x - g.scale.toPx(1e-4)) < 1e-9);
    assert.ok(Math.abs(p.band.x + p.band.width - g.scale.toPx(1e-3)) < 1e-9);
    for (const h of [lo, hi]) {
      assert.ok(inside(h.x, g.axisY, h.hit) && h.hit.width >= HANDLE.hitWidth && h.rect.width === HANDLE.width);
    }
    const same = layoutPicks(g, { slice: [1e-3, 1e-3] }).band.handles;
    assert.ok(inside(same[0].x - 8, g.axisY, same[0].hit) && !inside(same[0].x - 8, g.axisY, same[1].hit));
    assert.ok(inside(same[1].x + 8, g.axisY, same[1].hit) && !inside(same[1].x + 8, g.axisY, same[0].hit));
  });

  it("never lets value labels overlap, whatever crowds together", () => {
    const p = layoutPicks(g, { tentative: 1.1e-3, lr: 1e-3, slice: [1e-3, 1.2e-3] });
    assert.equal(p.valueLabels.length, 4);
    assert.ok(p.height > g.height, "four crowded labels need a fourth row: the strip grows");
    for (const v of p.valueLabels) assert.ok(v.y + 4 <= p.height, "every label inside the strip");
    assert.equal(layoutPicks(g, { tentative: 1e-3, lr: 1e-3 }).height, g.height);
    for (const a of p.valueLabels) {
      assert.ok(a.x >= 0 && a.x + a.width <= g.width + 2);
      for (const b of p.valueLabels) {
        if (a === b || a.y !== b.y) continue;
        assert.ok(!overlaps({ left: a.x, right: a.x + a.width }, { left: b.x, right: b.x + b.width }));
      }
    }
  });

  it("shows where a click would land while hovering over the ruler, and nothing off it", () => {
    const x = g.scale.toPx(1e-2);
    const p = layoutPicks(g, { hover: x });
    assert.equal(p.hover.text, "1e-2");
    assert.equal(p.hover.x, x);
    assert.equal(layoutPicks(g, { hover: 5 }).hover, null);
    assert.equal(layoutPicks(g, {}).hover, null);
  });
});

describe("registry helpers and slice start", () => {
  it("turns the palette into --lrw-* custom properties", () => {
    assert.deepEqual(paletteVars(REGISTRY.palette), {
      "--lrw-pick": "#D6287E",
      "--lrw-val-loss": "#9A6A44",
      "--lrw-slice-opacity": "0.2",
    });
    assert.deepEqual(paletteVars(undefined), {});
  });

  it("starts slice mode with the suggested slice, else one decade ending at the pick", () => {
    assert.deepEqual(initialSlice({ suggested: [3e-3, 3e-4], pick: 1e-2, minLr: 1e-7, maxLr: 10 }), [3e-4, 3e-3]);
    const [lo, hi] = initialSlice({ suggested: null, pick: 1e-2, minLr: 1e-7, maxLr: 10 });
    assert.equal(hi, 1e-2);
    assert.ok(Math.abs(lo - 1e-3) < 1e-15);
    const fallback = initialSlice({ suggested: [1e-3, 1e-3], pick: 1e-2, minLr: 1e-7, maxLr: 10 });
    assert.equal(fallback[1], 1e-2); // a degenerate suggestion is not used
  });

  it("tells where an lr lies relative to the ruler", () => {
    const g = layoutStrip({ minLr: 1e-4, maxLr: 1e-1, width: 600 });
    assert.equal(rulerPosition(null, g.scale), null);
    assert.equal(rulerPosition(1, g.scale).side, 1);
    assert.equal(rulerPosition(1e-5, g.scale).side, -1);
    assert.equal(rulerPosition(1e-1 * (1 + 1e-12), g.scale).side, 0); // rounding is not "outside"
  });

  it("says when the accepted lr lies outside the measured range", () => {
    assert.match(statusText({ tentative: 0.03, lr: 0.03, minLr: 1e-7, maxLr: 1e-3 }), /outside the swept range/);
    assert.equal(statusText({ tentative: 1e-4, lr: 1e-4, minLr: 1e-7, maxLr: 1e-3 }), "using lr=1e-4");
  });

  it("says where a click would land while the pointer hovers over the ruler", () => {
    assert.equal(statusText({ tentative: 1e-4, lr: 1e-4, hover: 3.16e-1 }), "click to pick 3.2e-1");
    assert.match(statusText({ tentative: 1e-4, lr: 1e-4, hover: 3e-1, disabled: true }), /waiting/);
  });
});

describe("a pick past what the sweep measured", () => {
  it("is said to be not measured, with what was measured", () => {
    const text = statusText({ tentative: 0.03, lr: 0.03, minLr: 1e-7, maxLr: 0.03, measured: [1e-7, 1.2e-7] });
    assert.match(text, /using lr=3e-2, not measured by this sweep \(it measured 1e-7 to 1\.2e-7\)/);
    assert.equal(statusText({ tentative: 1e-7, lr: 1e-7, minLr: 1e-7, maxLr: 0.03, measured: [1e-7, 1.2e-7] }), "using lr=1e-7");
    assert.match(statusText({ tentative: 1e-3, lr: 0.03, measured: [1e-7, 1.2e-7] }), /pick 1e-3 · Enter/); // a pending pick wins
  });

  it("says so for a slice reaching past it", () => {
    const text = statusText({ tentative: null, lr: null, sliceMode: true, lrSlice: [1e-7, 1e-3], measured: [1e-7, 1e-5] });
    assert.match(text, /slice\(1e-7, 1e-3\), not all measured by this sweep/);
  });

  it("says in slice mode that the slice is what is used, and what the kept lr is for", () => {
    const text = statusText({ tentative: 4.7e-3, lr: 4.7e-3, sliceMode: true, lrSlice: [3.1e-3, 3.1e-2] });
    assert.equal(text, "using slice(3.1e-3, 3.1e-2) · lr=4.7e-3 is for click mode");
    assert.equal(statusText({ tentative: 4.7e-3, lr: 4.7e-3, sliceMode: false, lrSlice: [3.1e-3, 3.1e-2] }), "using lr=4.7e-3");
  });

  it("shades the unmeasured part of the ruler, and nothing when all was measured or it is unknown", () => {
    const g = layoutStrip({ minLr: 1e-7, maxLr: 1e-1, width: 800, measured: [1e-7, 1e-4] });
    assert.equal(g.unmeasured.length, 1);
    const [r] = g.unmeasured;
    close(r.x, g.scale.toPx(1e-4));
    close(r.x + r.width, g.scale.x1);
    assert.equal(r.label.text, "not measured"); // shading alone looked like a selection
    close(r.label.x, r.x + r.width / 2);
    const narrow = layoutStrip({ minLr: 1e-7, maxLr: 1e-1, width: 800, measured: [1e-7, 5e-2] }).unmeasured;
    assert.equal(narrow.length, 1);
    assert.equal(narrow[0].label, null); // no room for the words
    assert.deepEqual(layoutStrip({ minLr: 1e-7, maxLr: 1e-1, width: 800, measured: [1e-7, 1e-1] }).unmeasured, []);
    assert.deepEqual(layoutStrip({ minLr: 1e-7, maxLr: 1e-1, width: 800 }).unmeasured, []);
    assert.equal(unmeasured(0.03, [1e-7, 1e-4]), true);
    assert.equal(unmeasured(1e-5, [1e-7, 1e-4]), false);
    assert.equal(unmeasured(0.03, null), false);
  });
});
