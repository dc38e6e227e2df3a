// pcm16 conversions shared by the microphone worklet and the page (and tested in the browser).

export class Downsampler {
  // Turns float samples at `from` Hz into Int16 frames of `size` samples at `to` Hz, handed to `emit` as
  // ArrayBuffers. Each output sample is the mean of its input period; `muted` makes every sample 0.
  constructor(from, to, size, emit) {
    this.step = from / to;
    this.size = size;
    this.emit = emit;
    this.muted = false;
    this.pos = 0;
    this.sum = 0;
    this.count = 0;
    this.frame = new Int16Array(size);
    this.filled = 0;
  }

  push(samples) {
    for (let i = 0; i < samples.length; i++) {
      this.sum += samples[i];
      this.count += 1;
      this.pos += 1;
      if (this.pos >= this.step) {
        this.pos -= this.step;
        const value = this.muted ? 0 : Math.max(-1, Math.min(1, this.sum / this.count));
        this.sum = 0;
        this.count = 0;
        this.frame[this.filled++] = value < 0 ? Math.round(value * 0x8000) : Math.round(value * 0x7fff);
        if (this.filled === this.size) {
          const full = this.frame.buffer;
          this.frame = new Int16Array(this.size);
          this.filled = 0;
          this.emit(full);
        }
      }
    }
  }
}

// pcm16 little-endian bytes → float samples in -1..1.
export function toFloat(buffer) {
  const view = new DataView(buffer);
  const out = new Float32Array(Math.floor(buffer.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 0x8000;
  return out;
}
