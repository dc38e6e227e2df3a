// The app's shell: who is signed in, which screen shows (from the URL's #/screen), focus between screens.
import { explain, get, post, setCsrf } from "./api.js";
import * as auth from "./auth.js";
import * as chat from "./chat.js";
import { $ } from "./dom.js";
import * as history from "./history.js";
import * as mail from "./mail.js";
import * as memories from "./memories.js";
import * as settings from "./settings.js";
import * as timeline from "./timeline.js";

export const session = { me: null, service: null };
const SCREENS = { auth, setup: auth.setup, chat, memories, mail, timeline, history, settings };
let current = null;

function wanted() {
  const name = location.hash.replace(/^#\/?/, "").split("?")[0];
  return name in SCREENS ? name : "chat";
}

async function route() {
  let name = wanted();
  if (!session.me) name = "auth";
  else if (!session.me.companion) name = "setup";
  else if (name === "auth" || name === "setup") name = "chat";
  show(name);
}

function show(name) {
  $("loading").hidden = true;
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== `screen-${name}`;
  const inside = Boolean(session.me && session.me.companion);
  $("nav").hidden = !inside;
  $("companion").hidden = !inside;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.screen === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const screen = SCREENS[name];
  const focus = screen.enter ? screen.enter(session) : null;
  if (current !== null && current !== name || focus) {
    // focus follows the screen (the heading, or the screen's own first control), so keyboard and screen reader
    // users land where the new content starts
    (focus || document.querySelector(`#screen-${name} h1`)).focus();
  }
  current = name;
  document.title = `OS1 — ${name[0].toUpperCase()}${name.slice(1)}`;
}

export async function signedIn(me) {
  setCsrf(me.csrf_token);
  session.me = me;
  if (me.companion) await loadService();
  if (me.companion) timeline.refreshHeader();
  route();
}

export async function companionMade(companion) {
  session.me.companion = companion;
  await loadService();
  timeline.refreshHeader();
  $("nav").hidden = false;
  $("companion").hidden = false;
}

async function loadService() {
  try {
    session.service = await get("/api/service");
  } catch {
    session.service = { voice: false, model: { backend: "?", name: "" } };
  }
}

async function logout() {
  chat.disconnect();
  try {
    await post("/api/logout");
  } catch (err) {
    console.warn("logout:", explain(err));
  }
  // a fresh page: nothing of this account stays in memory for the next one
  window.history.replaceState(null, "", "/#/");
  window.location.reload();
}

async function boot() {
  auth.init({ signedIn, companionMade, route });
  chat.init();
  memories.init();
  mail.init();
  settings.init(session);
  history.init();
  $("logout").addEventListener("click", logout);
  window.addEventListener("hashchange", route);
  try {
    await signedIn(await get("/api/me"));
  } catch (err) {
    if (err.status !== 401) $("auth-error").textContent = explain(err);
    session.me = null;
    route();
  }
}

boot();
