// The microphone, as the server hears it: mono pcm16 at 16 kHz in 20 ms frames (320 samples), posted to the page.
// Each output sample is the mean of the input samples of its period (a box filter against aliasing), so any
// device rate works (48 kHz, 44.1 kHz…). While muted (push-to-talk released) silence is sent: the server's
// voice activity detection needs the pause to end the turn.
import { Downsampler } from "./pcm.js";

class MicProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.down = new Downsampler(sampleRate, 16000, 320, (frame) => this.port.postMessage(frame, [frame]));
    this.port.onmessage = (event) => {
      if ("muted" in event.data) this.down.muted = event.data.muted;
    };
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.down.push(channel);
    return true;
  }
}

registerProcessor("os1-mic", MicProcessor);
