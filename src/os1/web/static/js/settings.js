// Settings: the companion's voice; your own care, speaking-first and reply settings within the bounds this
// service allows (GET /api/settings says, per setting, whether it can change and within what); back to the
// service's settings; facts about the service (read-only); and API keys for other apps.
import { del, explain, get, patch, post } from "./api.js";
import { $, confirmDialog, h, say, when } from "./dom.js";

let session = null;
let loaded = null; // the last GET /api/settings
const GROUPS = { "care-form": ["care", "care-status"], "initiative-form": ["initiative", "initiative-status"],
  "model-form": ["model", "model-status"] };

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
  for (const [form, [group, status]] of Object.entries(GROUPS)) {
    $(form).addEventListener("submit", (event) => {
      event.preventDefault();
      save(form, group, status);
    });
  }
  $("prefs-reset").addEventListener("click", reset);
  zones();
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

// Time zones the browser knows, offered as suggestions (any IANA name is accepted by the server).
function zones() {
  const names = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  $("timezones").replaceChildren(...names.map((name) => h("option", { value: name })));
  $("pref-init-timezone").placeholder = Intl.DateTimeFormat().resolvedOptions().timeZone || "Europe/Paris";
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
    show(settings);
    const service = session.service || (await get("/api/service"));
    facts("model", [["Voice over the web", service.voice ? "on" : "off"], ["Version", service.version]]);
    await keys();
  } catch (err) {
    say("settings-status", explain(err));
  }
}

const fmt = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, ""));

function hint(field) {
  const parts = [];
  if (field.note) parts.push(field.note);
  if (field.kind === "int" || field.kind === "number") {
    parts.push(field.max === null ? `At least ${fmt(field.min)}.` : `From ${fmt(field.min)} to ${fmt(field.max)}.`);
  }
  if (field.kind === "timezone") parts.push("A name such as Europe/Paris; empty: the service’s.");
  const shown = field.kind === "bool" ? (field.default ? "on" : "off")
    : field.kind === "choice" ? (field.choices.find((c) => c.value === field.default) || { label: field.default }).label
      : field.default === "" ? "the server’s" : fmt(field.default);
  parts.push(field.overridden ? `Your own setting (this service’s: ${shown}).` : `This service’s setting.`);
  if (!field.editable) parts.push("Set by this service; you cannot change it here.");
  return parts.join(" ");
}

// Fill every control from the settings: its value, its bounds or choices, and whether it can change.
function show(settings) {
  loaded = settings;
  for (const field of settings.fields) {
    const control = document.querySelector(`[data-key="${field.key}"]`);
    if (!control) continue;
    const [group, name] = field.key.split(".");
    const value = settings[group][name];
    if (field.kind === "choice") {
      control.replaceChildren(...field.choices.map((c) => h("option", { value: c.value, text: c.label })));
      control.value = value;
    } else if (field.kind === "bool") {
      control.checked = Boolean(value);
    } else {
      if (field.min !== null) control.min = field.min;
      if (field.max !== null) control.max = field.max;
      if (field.step !== null) control.step = field.step;
      control.value = value;
    }
    control.disabled = !field.editable;
    const described = control.getAttribute("aria-describedby");
    if (described && described !== "pref-init-quiet-hint") say(described, hint(field));
  }
  const quiet = settings.fields.find((f) => f.key === "initiative.quiet_start");
  if (quiet) say("pref-init-quiet-hint", `Hours from ${quiet.min} to ${quiet.max}, in your time zone.`);
}

// The group's values that can change, as PATCH /api/settings takes them; an error message instead if one is off.
function values(form, group) {
  const out = {};
  for (const control of $(form).querySelectorAll("[data-key]")) {
    const field = loaded.fields.find((f) => f.key === control.dataset.key);
    if (!field || !field.editable) continue;
    const name = field.key.split(".")[1];
    const label = document.querySelector(`label[for="${control.id}"]`).textContent.trim();
    if (field.kind === "bool") out[name] = control.checked;
    else if (field.kind === "choice" || field.kind === "timezone") out[name] = control.value.trim();
    else {
      const n = Number(control.value);
      if (control.value.trim() === "" || !Number.isFinite(n)) return { error: `${label}: enter a number.`, control };
      if ((field.min !== null && n < field.min) || (field.max !== null && n > field.max)) {
        return { error: `${label}: choose from ${fmt(field.min)} to ${fmt(field.max)}.`, control };
      }
      if (field.kind === "int" && !Number.isInteger(n)) return { error: `${label}: a whole number.`, control };
      out[name] = n;
    }
  }
  return { body: { [group]: out } };
}

async function save(form, group, status) {
  if (!loaded) return;
  const { body, error, control } = values(form, group);
  if (error) {
    say(status, error);
    control.focus();
    return;
  }
  try {
    show(await patch("/api/settings", body));
    say(status, "Saved. Your next conversation uses these settings.");
  } catch (err) {
    say(status, explain(err));
  }
}

async function reset() {
  if (!(await confirmDialog("Back to this service’s settings?",
    "Your own care, speaking-first and reply settings are removed.", "Reset"))) return;
  try {
    show(await del("/api/settings/overrides"));
    say("reset-status", "Back to this service’s settings.");
  } catch (err) {
    say("reset-status", explain(err));
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
