// What it remembers: list by kind, search, correct a memory's text, forget one (after a confirmation).
import { del, explain, get, patch } from "./api.js";
import { $, confirmDialog, h, say, when } from "./dom.js";

export function init() {
  $("memory-search").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  $("memory-kind").addEventListener("change", load);
}

export function enter() {
  load();
  return null;
}

async function load(note) {
  const q = $("memory-q").value.trim();
  const kind = $("memory-kind").value;
  say("memories-status", "Loading…");
  try {
    let items;
    if (q) {
      const found = await get(`/api/memories/search?limit=50&q=${encodeURIComponent(q)}`);
      items = found.map((f) => f.memory).filter((m) => !kind || m.kind === kind);
    } else {
      items = await get(`/api/memories?limit=200${kind ? `&kind=${kind}` : ""}`);
    }
    $("memory-list").replaceChildren(...items.map(card));
    const count = items.length === 1 ? "1 memory" : `${items.length} memories`;
    say("memories-status", [note, q ? `${count} match “${q}”.` : `${count}.`].filter(Boolean).join(" "));
  } catch (err) {
    say("memories-status", explain(err));
  }
}

function card(m) {
  const text = h("p", { class: "text", text: m.text });
  const li = h("li", { class: "card", "data-memory-id": m.id },
    h("div", { class: "meta" }, h("span", { class: "kind", text: m.kind }),
      `learned ${when(m.created_at)}${m.source === "user" ? " · corrected by you" : ""}`),
    text,
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: () => edit(li, m), "aria-label": `Edit: ${m.text}`, text: "Edit" }),
      h("button", { type: "button", onclick: () => forget(m), "aria-label": `Forget: ${m.text}`, text: "Forget" })));
  return li;
}

function edit(li, m) {
  const id = `edit-${m.id}`;
  const area = h("textarea", { id, rows: 3, maxlength: 4000 });
  area.value = m.text;
  const form = h("form", { class: "edit" },
    h("label", { for: id, text: "Correct this memory" }), area,
    h("div", { class: "row" },
      h("button", { type: "submit", class: "primary", text: "Save" }),
      h("button", { type: "button", text: "Cancel", onclick: () => load() })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) {
      say("memories-status", "A memory cannot be empty; use Forget to remove it.");
      return;
    }
    try {
      await patch(`/api/memories/${m.id}`, { text });
      await load("Corrected; the earlier version is kept.");
      $("memories-title").focus();
    } catch (err) {
      say("memories-status", explain(err));
    }
  });
  li.replaceChildren(form);
  area.focus();
}

async function forget(m) {
  const ok = await confirmDialog("Forget this?", `“${m.text}” will be gone for good, and never learned again.`,
    "Forget");
  if (!ok) return;
  try {
    await del(`/api/memories/${m.id}`);
    await load("Forgotten.");
    $("memories-title").focus();
  } catch (err) {
    say("memories-status", explain(err));
  }
}
