// Sign up / log in, and the setup interview (the same questions as `os1 setup`).
import { explain, get, post, setCsrf } from "./api.js";
import { $, h, say } from "./dom.js";

let hooks = null;
let questions = null;

export function init(callbacks) {
  hooks = callbacks;
  $("auth-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit("login");
  });
  $("signup").addEventListener("click", () => submit("signup"));
  $("setup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    answer();
  });
  $("setup-start").addEventListener("click", (event) => {
    if (location.hash === "#/chat") {  // no hashchange would fire
      event.preventDefault();
      hooks.route();
    }
  });
}

export function enter() {
  return $("auth-username");
}

function busy(on, ...ids) {
  for (const id of ids) $(id).disabled = on;
}

async function submit(kind) {
  const username = $("auth-username").value.trim();
  const password = $("auth-password").value;
  if (!username || !password) {
    say("auth-error", "Enter a username and a password.");
    (username ? $("auth-password") : $("auth-username")).focus();
    return;
  }
  if (kind === "signup" && password.length < 8) {
    say("auth-error", "A new account needs a password of at least 8 characters.");
    $("auth-password").focus();
    return;
  }
  say("auth-error", kind === "signup" ? "Creating your account…" : "Signing in…");
  busy(true, "login", "signup");
  try {
    const signed = await post(`/api/${kind}`, { username, password, mode: "cookie" });
    setCsrf(signed.csrf_token);
    $("auth-password").value = "";
    say("auth-error", "");
    await hooks.signedIn(await get("/api/me"));
  } catch (err) {
    say("auth-error", explain(err));
  } finally {
    busy(false, "login", "signup");
  }
}

// --- setup ---

function field(q) {
  const id = `setup-${q.key}`;
  if (q.key === "voice") {
    return h("fieldset", {},
      h("legend", { text: q.prompt }),
      ["female", "male", "neutral"].map((v) => h("label", { class: "choice" },
        h("input", { type: "radio", name: "voice", value: v, checked: v === "neutral" }), ` ${v}`)));
  }
  const long = q.key !== "user_name";
  return h("div", {},
    h("label", { for: id, text: q.prompt }),
    h(long ? "textarea" : "input", { id, name: q.key, required: true, maxlength: long ? 2000 : 200, rows: long ? 2 : null,
      autocomplete: q.key === "user_name" ? "given-name" : "off", "aria-describedby": `${id}-hint` }),
    h("p", { id: `${id}-hint`, class: "hint", text: q.hint.replace(/^\(|\)$/g, "") }));
}

export const setup = {
  enter() {
    $("setup-form").hidden = false;
    $("setup-lead").hidden = false;
    $("setup-done").hidden = true;
    if (!questions) {
      get("/api/setup").then((state) => {
        questions = state.questions;
        $("setup-questions").replaceChildren(...questions.map(field));
        $("setup-user_name").focus();
      }).catch((err) => say("setup-error", explain(err)));
      return null;
    }
    return $("setup-user_name");
  },
};

async function answer() {
  const form = $("setup-form");
  const body = {};
  for (const q of questions || []) {
    if (q.key === "voice") continue;
    const value = form.elements[q.key].value.trim();
    if (!value) {
      say("setup-error", `Please answer: ${q.prompt}`);
      form.elements[q.key].focus();
      return;
    }
    body[q.key] = value;
  }
  body.voice = (form.querySelector("input[name=voice]:checked") || { value: "neutral" }).value;
  say("setup-error", "Your companion is choosing its name…");
  $("setup-submit").disabled = true;
  try {
    const made = await post("/api/setup", body);
    say("setup-error", "");
    await hooks.companionMade(made.companion);
    form.hidden = true;
    $("setup-lead").hidden = true;
    say("setup-title", "Your companion");
    $("setup-done").hidden = false;
    say("setup-done-title", `Meet ${made.companion.name}`);
    say("setup-intro", made.introduction);
    $("setup-done-title").focus();
  } catch (err) {
    say("setup-error", explain(err));
    if (err.code === "setup.bad_name") $("setup-user_name").focus();
  } finally {
    $("setup-submit").disabled = false;
  }
}
