// Chat over the WebSocket /ws: text turns streamed as deltas, Stop (or Escape) cuts a reply (barge-in), and voice
// (binary audio frames over the same socket) when the server takes it.
import { $, h, say } from "./dom.js";
import { refreshHeader } from "./timeline.js";
import { Voice } from "./voice.js";

const RECONNECT_MS = 2000;
const FINAL = new Set([4401, 4403, 4409]); // not signed in, wrong origin, no companion: do not retry
let ws = null;
let reply = null; // the companion's bubble being streamed
let heard = null; // the user's bubble while they speak
let streaming = false;
let closing = false;
let voice = null;
let companion = "";
let retry = null; // a message said just as voice ended: sent again while the server is still finishing it
const RETRY_MS = 300;

export function init() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("say").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("screen-chat").hidden && streaming) stop();
  });
  $("stop").addEventListener("click", stop);
  initVoice();
}

export function enter(session) {
  const voiced = Boolean(session.service && session.service.voice);
  $("voice").hidden = !voiced;
  $("voice-off").hidden = voiced;
  if (!ws || ws.readyState > WebSocket.OPEN) connect();
  return $("say");
}

export function disconnect() {
  closing = true;
  if (voice) voice.stop();
  if (ws) ws.close(1000);
}

function connect() {
  closing = false;
  say("chat-status", "Connecting…");
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  ws = new WebSocket(`${scheme}//${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  ws.addEventListener("message", (event) => {
    if (event.data instanceof ArrayBuffer) {
      if (voice) voice.play(event.data);
    } else {
      handle(JSON.parse(event.data));
    }
  });
  ws.addEventListener("close", (event) => {
    finish(false);
    if (voice) voice.stop(false);
    if (closing || FINAL.has(event.code)) {
      say("chat-status", FINAL.has(event.code) ? "The conversation was refused; reload the page." : "");
      return;
    }
    say("chat-status", "Connection lost; reconnecting…");
    setTimeout(() => { if (!closing && !$("screen-chat").hidden) connect(); }, RECONNECT_MS);
  });
}

function bubble(role, text, extra = "") {
  const el = h("div", { class: `msg ${role} ${extra}`.trim() },
    h("span", { class: "who", text: role === "user" ? "You" : companion || "OS1" }),
    h("span", { class: "text", text }));
  $("messages").append(el);
  el.scrollIntoView({ block: "end" });
  return el;
}

function setText(el, text) {
  el.querySelector(".text").textContent = text;
  el.scrollIntoView({ block: "end" });
}

// A reply cut short says so in words (announced by the conversation's live region), not only in style.
function markInterrupted(el) {
  el.classList.add("interrupted");
  if (!el.querySelector(".mark")) el.append(h("span", { class: "mark", text: " — interrupted" }));
}

function setStreaming(on) {
  streaming = on;
  $("stop").disabled = !on;
  $("send").disabled = on;
}

function finish(interrupted, text) {
  if (reply) {
    if (text !== undefined && text !== null && (text || interrupted)) setText(reply, text);
    reply.classList.remove("streaming");
    if (interrupted) markInterrupted(reply);
    if (reply.dataset.pending !== undefined && !reply.querySelector(".text").textContent) reply.remove();
  }
  reply = null;
  setStreaming(false);
}

function handle(m) {
  switch (m.type) {
    case "ready":
      companion = m.companion;
      say("chat-status", "");
      break;
    case "opening":
      if (m.text) bubble("assistant", m.text).dataset.turnId = m.turn_id;
      break;
    case "delta":
      if (!reply) {
        reply = bubble("assistant", "", "streaming");
        setStreaming(true);
      }
      setText(reply, reply.querySelector(".text").textContent + m.text);
      break;
    case "done":
      if (m.user_text && heard) setText(heard, m.user_text);
      heard = null;
      if (!reply && m.text) reply = bubble("assistant", "");
      if (reply && m.turn_id) reply.dataset.turnId = m.turn_id;
      finish(m.interrupted, m.text);
      if (m.care) say("chat-status", "If you are struggling, please reach out to the people and services named above.");
      refreshHeader();
      break;
    case "error":
      if (m.code === "turn.busy" && retry && retry.left-- > 0) { // the voice conversation is still ending
        setTimeout(() => ws.send(JSON.stringify({ type: "say", text: retry.text })), RETRY_MS);
        break;
      }
      finish(false);
      say("chat-status", m.message);
      break;
    case "interrupted":
      if (reply) markInterrupted(reply);
      break;
    default:
      voiceMessage(m);
  }
}

function send() {
  const text = $("say").value.trim();
  if (!text || streaming) return;
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    say("chat-status", "Not connected yet; try again in a moment.");
    return;
  }
  retry = null;
  if (voice && voice.running) { // typing ends the spoken conversation (the server takes one or the other)
    retry = { text, left: 20 };
    voice.stop();
    $("handsfree").setAttribute("aria-pressed", "false");
    say("voice-state", "Voice off while you type.");
  }
  bubble("user", text);
  ws.send(JSON.stringify({ type: "say", text }));
  $("say").value = "";
  say("chat-status", "");
  reply = bubble("assistant", "", "streaming");
  reply.dataset.pending = "";
  setStreaming(true);
}

function stop() {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "stop" }));
  if (voice) voice.flush();
  $("say").focus();
}

// --- voice ---

function initVoice() {
  const ptt = $("ptt");
  const down = (event) => {
    event.preventDefault();
    talk(true);
  };
  const up = () => talk(false);
  ptt.addEventListener("pointerdown", down);
  ptt.addEventListener("pointerup", up);
  ptt.addEventListener("pointerleave", up);
  ptt.addEventListener("pointercancel", up);
  ptt.addEventListener("keydown", (event) => { if (event.key === " " || event.key === "Enter") down(event); });
  ptt.addEventListener("keyup", (event) => { if (event.key === " " || event.key === "Enter") up(); });
  // Space held anywhere in the chat but a text field is push-to-talk too
  document.addEventListener("keydown", (event) => {
    if (event.key !== " " || event.repeat || !spaceTalks(event)) return;
    event.preventDefault();
    talk(true);
  });
  document.addEventListener("keyup", (event) => { if (event.key === " " && spaceTalks(event)) talk(false); });
  $("handsfree").addEventListener("click", async () => {
    const on = $("handsfree").getAttribute("aria-pressed") !== "true";
    if (on) {
      if (!(await startVoice())) return;
      voice.setMuted(false);
      say("voice-state", "Hands-free: listening.");
    } else if (voice) {
      voice.stop();
      say("voice-state", "Voice off.");
    }
    $("handsfree").setAttribute("aria-pressed", String(on));
  });
}

function spaceTalks(event) {
  const target = event.target;
  if ($("screen-chat").hidden || $("voice").hidden) return false;
  return !(target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement || target instanceof HTMLButtonElement);
}

async function startVoice() {
  if (voice && voice.running) return true;
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    say("voice-state", "Not connected.");
    return false;
  }
  voice = new Voice((pcm) => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(pcm); },
    () => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "voice_end" })); },
    showPlayback);
  try {
    await voice.start();
    return true;
  } catch (err) {
    say("voice-state", `The microphone is not available: ${err.message || err}`);
    voice = null;
    return false;
  }
}

// The reply's playback, on the voice controls: styles (and tests) read it from there.
function showPlayback({ playing, scheduled, stops, cuts }) {
  const el = $("voice");
  el.dataset.playing = String(playing);
  el.dataset.scheduled = String(scheduled);
  el.dataset.stops = String(stops);
  el.dataset.cuts = String(cuts);
}

let holding = false;

async function talk(on) {
  if (on === holding) return;
  holding = on;
  $("ptt").setAttribute("aria-pressed", String(on));
  if (on) {
    if (!(await startVoice())) return;
    if (holding) {
      voice.flush(); // talking over it: its speech stops here at once, the server decides what it was
      voice.setMuted(false);
      say("voice-state", "Listening… (release to finish)");
    }
  } else if (voice && $("handsfree").getAttribute("aria-pressed") !== "true") {
    voice.setMuted(true); // silence keeps flowing, so the server hears the pause that ends the turn
    say("voice-state", "Thinking…");
  }
}

function voiceMessage(m) {
  if (m.type === "audio_format") {
    if (voice) voice.format(m.rate);
  } else if (m.type === "speech_started") {
    heard = heard || bubble("user", "…");
  } else if (m.type === "heard") {
    heard = heard || bubble("user", "");
    setText(heard, m.text || "…");
  } else if (m.type === "playback_stopped") {
    if (voice) voice.flush();
  } else if (m.type === "notice") {
    say("voice-state", m.message);
  }
}
