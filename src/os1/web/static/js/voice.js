// Voice in the browser: the microphone through an AudioWorklet (16 kHz pcm16 frames sent over the WebSocket as
// binary) and the reply's speech (binary pcm16 frames at the announced rate) played as it arrives. Barge-in:
// `flush()` silences what is playing and drops everything queued at once (the server says when:
// playback_stopped); on playback_resumed the server sends again what was not heard. `onplayback` is told after
// every change: whether anything is sounding or scheduled, how many buffers are, how many times playback was
// flushed and how many of those cut something short (the page shows them as data-playing, data-scheduled,
// data-stops and data-cuts on the voice controls).
import { toFloat } from "./pcm.js";

const LEAD_S = 0.06; // a little buffer ahead of the playhead, so frames arriving in time play without gaps

export class Voice {
  constructor(sendAudio, sendEnd, onplayback = () => {}) {
    this.sendAudio = sendAudio;
    this.sendEnd = sendEnd;
    this.onplayback = onplayback;
    this.running = false;
    this.rate = 16000;
    this.sources = new Set();
    this.playhead = 0;
    this.stops = 0;
    this.cuts = 0;
  }

  get playing() {
    return this.sources.size > 0;
  }

  report() {
    this.onplayback({ playing: this.playing, scheduled: this.sources.size, stops: this.stops, cuts: this.cuts });
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    this.context = new AudioContext();
    await this.context.audioWorklet.addModule("/web/js/mic-worklet.js");
    this.node = new AudioWorkletNode(this.context, "os1-mic", { numberOfOutputs: 1, outputChannelCount: [1] });
    this.node.port.onmessage = (event) => this.sendAudio(event.data);
    this.setMuted(true);
    const silent = this.context.createGain();
    silent.gain.value = 0; // the worklet is pulled by the graph; nothing of the microphone is heard
    this.context.createMediaStreamSource(this.stream).connect(this.node).connect(silent).connect(this.context.destination);
    this.running = true;
  }

  setMuted(muted) {
    if (this.node) this.node.port.postMessage({ muted });
  }

  format(rate) {
    this.rate = rate;
  }

  play(buffer) {
    if (!this.context) return;
    const samples = toFloat(buffer);
    if (!samples.length) return;
    const audio = this.context.createBuffer(1, samples.length, this.rate);
    audio.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = audio;
    source.connect(this.context.destination);
    const now = this.context.currentTime;
    this.playhead = Math.max(this.playhead, now + LEAD_S);
    source.start(this.playhead);
    this.playhead += audio.duration;
    this.sources.add(source);
    source.addEventListener("ended", () => {
      if (this.sources.delete(source)) this.report();
    });
    this.report();
  }

  // Stops what is sounding and drops what is scheduled, at once; the number of buffers dropped.
  flush() {
    const dropped = this.sources.size;
    for (const source of this.sources) {
      try { source.stop(); } catch { /* already ended */ }
      source.disconnect();
    }
    this.sources.clear();
    this.playhead = 0;
    this.stops += 1;
    if (dropped) this.cuts += 1;
    this.report();
    return dropped;
  }

  stop(tell = true) {
    if (!this.running) return;
    this.running = false;
    this.flush();
    if (tell) this.sendEnd();
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.context) this.context.close();
    this.context = null;
    this.node = null;
  }
}
