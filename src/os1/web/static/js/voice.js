// Voice in the browser: the microphone through an AudioWorklet (16 kHz pcm16 frames sent over the WebSocket as
// binary) and the reply's speech (binary pcm16 frames at the announced rate) played as it arrives. Barge-in:
// `flush()` drops everything queued at once (the server says when: playback_stopped).
import { toFloat } from "./pcm.js";

const LEAD_S = 0.06; // a little buffer ahead of the playhead, so frames arriving in time play without gaps

export class Voice {
  constructor(sendAudio, sendEnd) {
    this.sendAudio = sendAudio;
    this.sendEnd = sendEnd;
    this.running = false;
    this.rate = 16000;
    this.sources = new Set();
    this.playhead = 0;
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
    source.addEventListener("ended", () => this.sources.delete(source));
  }

  flush() {
    for (const source of this.sources) {
      try { source.stop(); } catch { /* not started yet */ }
    }
    this.sources.clear();
    this.playhead = 0;
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
