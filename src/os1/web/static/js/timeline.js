// Her inner life: the header (name, mood, stage), and the timeline of the relationship and her mood.
import { explain, get } from "./api.js";
import { $, h, say, when } from "./dom.js";

export async function refreshHeader() {
  try {
    const inner = await get("/api/inner");
    say("companion-name", inner.name);
    say("companion-mood", inner.mood.name);
    $("companion-mood").setAttribute("aria-label", `mood: ${inner.mood.name}`);
    say("companion-stage", inner.stage);
    $("companion-stage").setAttribute("aria-label", `relationship: ${inner.stage}`);
    return inner;
  } catch (err) {
    console.warn("inner:", explain(err));
    return null;
  }
}

export function enter() {
  load();
  return null;
}

async function chart() {
  const narrow = $("timeline-chart").clientWidth < 700; // a smaller drawing keeps its words readable on a phone
  const size = narrow ? "width=600&height=300" : "width=860&height=320";
  const response = await fetch(`/api/timeline.svg?${size}`, { credentials: "same-origin",
    signal: AbortSignal.timeout(30000) });
  if (!response.ok) throw new Error(`the chart could not be drawn (${response.status})`);
  const doc = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") throw new Error("the chart could not be read");
  return document.importNode(svg, true);
}

async function load() {
  const inner = await refreshHeader();
  if (inner) {
    say("timeline-name", inner.name);
    say("mood-now", `${inner.name} feels ${inner.mood.name} (valence ${inner.mood.valence.toFixed(2)}, ` +
      `arousal ${inner.mood.arousal.toFixed(2)}).`);
    $("mood-causes").replaceChildren(...(inner.mood.causes.length ? inner.mood.causes.map((c) =>
      h("li", {}, h("span", { class: "kind", text: c.kind }), c.why)) : [h("li", { text: "Nothing has moved it today." })]));
    say("bond-stage", `You are: ${inner.stage} (since you met on ${when(inner.met)}).`);
    $("bond-history").replaceChildren(...(inner.history.length ? inner.history.map((e) =>
      h("li", {}, h("span", { class: "kind", text: e.kind }), `${when(e.at)}: ${e.reason}`)) :
      [h("li", { text: "No milestones yet: they come with time, what you share, and moments together." })]));
  }
  try {
    $("timeline-chart").replaceChildren(await chart());
  } catch (err) {
    $("timeline-chart").replaceChildren(h("p", { class: "error", text: err.message || explain(err) }));
  }
}
