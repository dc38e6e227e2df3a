// Settings: the companion's voice (yours to change), the care settings and the model (the operator's, shown
// read-only), and API keys for other apps.
import { del, explain, get, patch, post } from "./api.js";
import { $, confirmDialog, h, say, when } from "./dom.js";

let session = null;

export function init(shared) {
  session = shared;
  $("voice-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = $("voice-form").querySelector("input[name=voice]:checked");
    if (!chosen) return;
    try {
      await patch("/api/settings", { voice: chosen.value });
      say("settings-status", `Saved: a ${chosen.value} voice.`);
    } catch (err) {
      say("settings-status", explain(err));
    }
  });
  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("key-name").value.trim();
    if (!name) return;
    try {
      const made = await post("/api/keys", { name });
      say("key-new", `Your new key (shown this once; copy it now): ${made.key}`);
      $("key-name").value = "";
      keys();
    } catch (err) {
      say("key-new", explain(err));
    }
  });
}

function facts(id, pairs) {
  $(id).replaceChildren(...pairs.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
}

export function enter() {
  load();
  return null;
}

async function load() {
  try {
    const settings = await get("/api/settings");
    for (const input of $("voice-form").querySelectorAll("input[name=voice]")) {
      input.checked = input.value === settings.voice;
    }
    facts("care", [["Crisis services for", settings.care.country],
      ["Reminds that it is an AI every", `${settings.care.disclosure_interval_hours} hours`],
      ["Under-18 protections", settings.care.minor ? "on" : "off"]]);
    const service = session.service || (await get("/api/service"));
    facts("model", [["Backend", service.model.backend === "llamacpp" ? "embedded (llama.cpp)" : service.model.backend],
      ["Model", service.model.name || "SmolLM2 (bundled)"], ["Voice over the web", service.voice ? "on" : "off"],
      ["Version", service.version]]);
    await keys();
  } catch (err) {
    say("settings-status", explain(err));
  }
}

async function keys() {
  const listed = await get("/api/keys");
  $("key-list").replaceChildren(...listed.map((k) => h("li", { class: "card" },
    h("p", { class: "text" }, h("strong", { text: k.name }), ` ${k.prefix}…`),
    h("p", { class: "meta", text: `created ${when(k.created_at)}${k.revoked_at ? ` · revoked ${when(k.revoked_at)}` : ""}` }),
    k.revoked_at ? null : h("div", { class: "actions" }, h("button", { type: "button", text: "Revoke",
      "aria-label": `Revoke the key ${k.name}`, onclick: () => revoke(k) })))));
}

async function revoke(k) {
  if (!(await confirmDialog("Revoke this key?", `Apps using “${k.name}” stop working at once.`, "Revoke"))) return;
  try {
    await del(`/api/keys/${k.id}`);
    await keys();
    say("key-new", "Revoked.");
  } catch (err) {
    say("key-new", explain(err));
  }
}
