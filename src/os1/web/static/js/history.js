// Earlier conversations and their turns (read-only).
import { explain, get } from "./api.js";
import { $, h, say, when } from "./dom.js";

export function init() {}

export function enter() {
  $("conversation").hidden = true;
  load();
  return null;
}

async function load() {
  say("history-status", "Loading…");
  try {
    const listed = await get("/api/conversations?limit=50");
    $("conversation-list").replaceChildren(...listed.map((c) => h("li", { class: "card" },
      h("div", { class: "meta", text: `${when(c.started_at)} · ${c.turns === 1 ? "1 turn" : `${c.turns} turns`} · with ${c.companion}` }),
      h("p", { class: "text", text: c.title || "A conversation" }),
      h("div", { class: "actions" }, h("button", { type: "button", text: "Open",
        "aria-label": `Open the conversation of ${when(c.started_at)}`, onclick: () => open(c) })))));
    say("history-status", listed.length ? "" : "No conversations yet.");
  } catch (err) {
    say("history-status", explain(err));
  }
}

async function open(c) {
  try {
    const found = await get(`/api/conversations/${c.id}?limit=200`);
    say("conversation-title", `${c.title || "Conversation"} — ${when(c.started_at)}`);
    $("conversation-turns").replaceChildren(...found.turns.map((t) => h("li",
      { class: `msg ${t.role}${t.interrupted ? " interrupted" : ""}` },
      h("span", { class: "who", text: t.role === "user" ? "You" : c.companion }), h("span", { class: "text", text: t.text }))));
    $("conversation").hidden = false;
    $("conversation-title").focus();
  } catch (err) {
    say("history-status", explain(err));
  }
}
