// Microphone audio for voice detection, as the server wants it (docs/API.md):
// 8 kHz mono G.711 μ-law (audio/basic), 64 kbit/s, in 5-second chunks —
// and only the chunks with sound above the room's floor, so a quiet exam
// costs almost nothing.

const RATE = 8000;
const CHUNK_SECONDS = 5;
const WINDOW = RATE / 10; // 100 ms windows for the level

export class Audio {
  constructor({ workletURL, onChunk, onTick, onLevel }) {
    Object.assign(this, { workletURL, onChunk, onTick, onLevel });
    this.peak = 0; // loudest block since the level was last reported
    this.shown = 0;
    this.buf = new Float32Array(RATE * CHUNK_SECONDS);
    this.n = 0;
    this.pos = 0; // fractional position towards the next output sample
    this.floor = 0; // running noise floor (RMS)
  }

  async start(stream) {
    this.ctx = new AudioContext();
    await this.ctx.audioWorklet.addModule(this.workletURL);
    const src = this.ctx.createMediaStreamSource(stream);
    this.node = new AudioWorkletNode(this.ctx, 'vigil-tap');
    this.step = this.ctx.sampleRate / RATE;
    this.taps = lowPass(this.ctx.sampleRate, 3000, 1000);
    this.hist = new Float32Array(this.taps.length);
    this.h = 0;
    this.node.port.onmessage = (e) => {
      this.push(e.data);
      this.level(e.data);
      if (this.onTick) this.onTick();
    };
    src.connect(this.node);
    // A context made before the student's click starts suspended.
    if (this.ctx.state === 'suspended') await this.ctx.resume().catch(() => {});
    this.chunkStart = Date.now();
  }

  // push downsamples a block to 8 kHz: each input sample enters a history
  // ring, and each output sample is the low-pass filter over that history
  // (so nothing above 4 kHz folds back into the speech band).
  push(block) {
    const taps = this.taps, hist = this.hist, m = taps.length;
    for (let i = 0; i < block.length; i++) {
      hist[this.h] = block[i];
      this.h = (this.h + 1) % m;
      this.pos += 1;
      if (this.pos < this.step) continue;
      this.pos -= this.step;
      let acc = 0;
      for (let k = 0, j = this.h; k < m; k++, j = j + 1 === m ? 0 : j + 1) acc += taps[k] * hist[j];
      this.buf[this.n++] = acc;
      if (this.n === this.buf.length) this.emit();
    }
  }

  // level reports the microphone's level about ten times a second, from 0
  // (silence, -60 dBFS or less) to 1 (full scale), for the meter the
  // student sees.
  level(block) {
    if (!this.onLevel) return;
    let sum = 0;
    for (let i = 0; i < block.length; i++) sum += block[i] * block[i];
    this.peak = Math.max(this.peak, Math.sqrt(sum / Math.max(1, block.length)));
    const now = Date.now();
    if (now - this.shown < 100) return;
    this.shown = now;
    const db = 20 * Math.log10(this.peak || 1e-9);
    this.onLevel(Math.max(0, Math.min(1, (db + 60) / 60)));
    this.peak = 0;
  }

  // emit hands over the chunk when it holds sound above the floor.
  emit() {
    const samples = this.buf.slice(0, this.n);
    const at = new Date(this.chunkStart);
    this.n = 0;
    this.chunkStart = Date.now();
    if (samples.length > 0 && this.audible(samples)) this.onChunk(muLaw(samples), at, samples.length / RATE);
  }

  audible(x) {
    let loudest = 0;
    for (let i = 0; i + WINDOW <= x.length; i += WINDOW) {
      let sum = 0;
      for (let j = i; j < i + WINDOW; j++) sum += x[j] * x[j];
      const rms = Math.sqrt(sum / WINDOW);
      loudest = Math.max(loudest, rms);
      // The floor follows quiet windows down at once and loud ones up slowly.
      this.floor = this.floor === 0 ? rms : rms < this.floor ? rms : this.floor * 1.002;
    }
    // Sound 10 dB above the floor, or anything clearly audible.
    return loudest > this.floor * 3.16 || loudest > 0.01;
  }

  flush() { if (this.n > 0) this.emit(); }

  async stop() {
    if (this.n > 0) this.emit();
    if (this.ctx) await this.ctx.close();
  }
}

// lowPass returns a windowed-sinc (Hamming) low-pass filter for a sample
// rate fs, passing up to cutoff Hz and falling to nothing over band Hz.
export function lowPass(fs, cutoff, band) {
  const n = Math.ceil((3.3 * fs) / band) | 1;
  const fc = (cutoff + band / 2) / fs;
  const taps = new Float32Array(n);
  const mid = (n - 1) / 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    taps[i] = sinc * (0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (n - 1)));
    sum += taps[i];
  }
  for (let i = 0; i < n; i++) taps[i] /= sum;
  return taps;
}

// muLaw encodes samples in [-1, 1] as G.711 μ-law bytes.
export function muLaw(x) {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let s = Math.max(-1, Math.min(1, x[i])) * 32635;
    const sign = s < 0 ? 0x80 : 0;
    if (sign) s = -s;
    s += 132;
    let exp = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
    const mant = (s >> (exp + 3)) & 0x0f;
    out[i] = ~(sign | (exp << 4) | mant) & 0xff;
  }
  return out;
}
