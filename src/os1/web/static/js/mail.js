// Her desk: the mail briefing, a cleanup plan to approve step by step (or by category), and every plan (mail,
// files) with undo.
import { explain, get, post } from "./api.js";
import { $, confirmDialog, h, say, when } from "./dom.js";

const UNDOABLE = new Set(["applied", "partially-applied", "applying", "undoing", "partially-undone"]);

export function init() {
  $("briefing-refresh").addEventListener("click", briefing);
  $("cleanup").addEventListener("click", cleanup);
}

export function enter() {
  briefing();
  plans();
  return null;
}

async function briefing() {
  say("briefing", "Reading your mail…");
  try {
    say("briefing", (await get("/api/mail/briefing")).text);
  } catch (err) {
    say("briefing", explain(err));
  }
}

async function cleanup() {
  say("cleanup-text", "Looking through your inbox…");
  $("plan-review").replaceChildren();
  try {
    const proposed = await post("/api/mail/cleanup");
    say("cleanup-text", proposed.plan ? "" : proposed.text);
    if (proposed.plan) review(proposed.plan);
    plans();
  } catch (err) {
    say("cleanup-text", explain(err));
  }
}

function stepItem(step) {
  const id = `step-${step.number}`;
  return h("li", {},
    h("input", { type: "checkbox", id, value: step.number, checked: true, "data-category": step.category }),
    h("label", { for: id }, `${step.number}. ${step.description}`));
}

// The plan as a form: a checkbox per step, grouped by category, each group with one to tick or untick it all.
function review(plan) {
  const groups = new Map();
  for (const step of plan.steps.filter((s) => s.state === "proposed")) {
    const key = step.category || "other";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(step);
  }
  const sets = [...groups].map(([category, steps]) => {
    const all = h("input", { type: "checkbox", id: `cat-${category}`, checked: true });
    const box = h("fieldset", {}, h("legend", {}, all,
      h("label", { for: `cat-${category}`, class: "choice" }, ` ${category} (${steps.length})`)),
    h("ul", { class: "steps" }, steps.map(stepItem)));
    all.addEventListener("change", () => {
      for (const input of box.querySelectorAll("ul input")) input.checked = all.checked;
    });
    box.querySelector("ul").addEventListener("change", () => { // the group's box shows "some" as mixed
      const ticked = box.querySelectorAll("ul input:checked").length;
      all.checked = ticked === steps.length;
      all.indeterminate = ticked > 0 && ticked < steps.length;
    });
    return box;
  });
  const form = h("form", { class: "plan", "aria-labelledby": "plan-review-title" },
    h("h3", { id: "plan-review-title", tabindex: "-1", text: `Plan #${plan.id}: ${plan.title}` }),
    sets,
    h("div", { class: "row" },
      h("button", { type: "submit", class: "primary", text: "Approve selected" }),
      h("button", { type: "button", text: "Decline all", onclick: () => decide(plan, "none") })));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("ul input:checked")].map((i) => i.value);
    decide(plan, chosen.length ? chosen.join(",") : "none");
  });
  $("plan-review").replaceChildren(form);
  $("plan-review-title").focus();
}

async function decide(plan, approve) {
  try {
    const outcome = await post(`/api/plans/${plan.id}/apply`, { approve });
    const applied = outcome.results.filter((r) => r.state === "applied").length;
    say("cleanup-text", outcome.status === "declined" ? "Declined: nothing was changed." :
      `Done: ${applied} of ${outcome.results.length} changes made (${outcome.status}). Undo is below.`);
    $("plan-review").replaceChildren();
    await plans();
    briefing();
  } catch (err) {
    say("cleanup-text", explain(err));
  }
}

async function undo(plan) {
  const ok = await confirmDialog("Undo this plan?", `Everything “${plan.title}” changed is put back as it was.`, "Undo");
  if (!ok) return;
  try {
    const outcome = await post(`/api/plans/${plan.id}/undo`);
    await plans(outcome.already ? "Nothing to undo." : `Undone (${outcome.status}).`);
    briefing();
  } catch (err) {
    say("plans-status", explain(err));
  }
}

function counts(c) {
  return Object.entries(c).map(([state, n]) => `${n} ${state}`).join(", ");
}

async function plans(note = "") {
  try {
    const listed = await get("/api/plans");
    $("plan-list").replaceChildren(...listed.map((p) => h("li", { class: "card", "data-plan-id": p.id },
      h("div", { class: "meta" }, h("span", { class: "kind", text: p.kind }), `#${p.id} · ${when(p.created_at)}`),
      h("p", { class: "text" }, p.title, " — ", h("strong", { text: p.status })),
      h("p", { class: "state", text: counts(p.counts) }),
      h("div", { class: "actions" },
        p.status === "proposed" ? h("button", { type: "button", text: "Review", "aria-label": `Review plan ${p.id}`,
          onclick: async () => review(await get(`/api/plans/${p.id}`)) }) : null,
        UNDOABLE.has(p.status) ? h("button", { type: "button", text: "Undo", "aria-label": `Undo plan ${p.id}`,
          onclick: () => undo(p) }) : null))));
    say("plans-status", listed.length ? note : "No plans yet.");
  } catch (err) {
    say("plans-status", explain(err));
  }
}
