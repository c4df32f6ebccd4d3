// Capture during the exam: a 320x240 JPEG from the webcam every frame
// interval, the webcam (with its sound) and the screen as low-bitrate WebM
// in 10-second chunks, and the microphone for voice detection. Everything
// goes into the local queue; the uploader takes it from there.

import { Audio } from './audio.js';

const CHUNK_MS = 10000;
// Bitrates chosen so that, with frames and audio, the total upstream stays
// under about 300 kbit/s (measured in the browser test; docs/API.md).
const WEBCAM_BPS = 80000;
const SCREEN_BPS = 40000;
const VOICE_BPS = 16000;
const FRAME_QUALITY = 0.6;

export class Capture {
  constructor({ enqueue, frameInterval, workletURL, onError, onLevel }) {
    Object.assign(this, { enqueue, frameInterval, workletURL, onError, onLevel });
    this.recorders = [];
    this.timer = null;
  }

  async start(camera, screen) {
    this.camera = camera;
    this.video = camera.getVideoTracks()[0];
    this.grabber = typeof ImageCapture === 'function' ? new ImageCapture(this.video) : null;
    this.canvas = new OffscreenCanvas(320, 240);
    this.due = Date.now();
    this.timer = setInterval(() => this.tick(), 250);
    await this.recordWebcam(camera);
    if (screen) this.recordScreen(screen);
    this.audio = new Audio({
      workletURL: this.workletURL,
      onTick: () => this.tick(),
      onLevel: this.onLevel,
      onChunk: (bytes, at) => this.enqueue('audio', (seq) => ({
        method: 'PUT', path: `audio/${seq}`, type: 'audio/basic', headers: { 'X-Capture-Time': at.toISOString() },
        body: new Blob([bytes]), size: bytes.length,
      })),
    });
    if (camera.getAudioTracks().length > 0) await this.audio.start(camera);
  }

  // recordWebcam records a 320x240 copy of the camera (the stills and the
  // photos keep the full picture) with the microphone.
  async recordWebcam(camera) {
    const small = this.video.clone();
    await small.applyConstraints({ width: 320, height: 240, frameRate: 10, resizeMode: 'crop-and-scale' }).catch(() => {});
    this.small = small;
    const stream = new MediaStream([small, ...camera.getAudioTracks()]);
    this.record('webcam', stream, { videoBitsPerSecond: WEBCAM_BPS, audioBitsPerSecond: VOICE_BPS });
  }

  // recordScreen records the shared screen; sharing again after it ended
  // starts a new recording (a new segment on the server).
  recordScreen(screen) {
    this.record('screen', screen, { videoBitsPerSecond: SCREEN_BPS });
  }

  // tick takes a still when one is due. It runs from a timer and from the
  // microphone's audio blocks, which keep their pace when the browser slows
  // the timers of a window in the background.
  tick() {
    const now = Date.now();
    if (now < this.due || this.busy) return;
    const step = this.frameInterval * 1000;
    this.due = now - this.due > step ? now + step : this.due + step;
    this.busy = true;
    this.frame().finally(() => { this.busy = false; });
  }

  // frame takes one webcam still. ImageCapture reads the camera, not the
  // page, so it works while the window is in the background.
  async frame() {
    const at = new Date();
    try {
      const bmp = await this.grab();
      this.canvas.getContext('2d').drawImage(bmp, 0, 0, 320, 240);
      bmp.close && bmp.close();
      const blob = await this.canvas.convertToBlob({ type: 'image/jpeg', quality: FRAME_QUALITY });
      await this.enqueue('frames', (seq) => ({
        method: 'PUT', path: `frames/${seq}`, type: 'image/jpeg', headers: { 'X-Capture-Time': at.toISOString() },
        body: blob, size: blob.size,
      }));
    } catch (err) {
      this.onError && this.onError('frame', err);
    }
  }

  // grab returns the camera's current picture. ImageCapture reads the
  // camera itself (it keeps working in a background window) but its
  // grabFrame was seen to hang for good in Chromium: past a timeout the
  // client falls back to a video element for the rest of the session.
  async grab() {
    if (this.grabber) {
      let timer;
      const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), 3000); });
      const bmp = await Promise.race([this.grabber.grabFrame(), timeout]).finally(() => clearTimeout(timer));
      if (bmp) return bmp;
      console.warn('vigil: ImageCapture.grabFrame hung; using a video element');
      this.grabber = null;
    }
    return createImageBitmap(this.fallbackVideo());
  }

  fallbackVideo() {
    if (!this.el) {
      this.el = document.createElement('video');
      this.el.muted = true;
      this.el.srcObject = this.camera;
      this.el.play();
    }
    return this.el;
  }

  // record runs a MediaRecorder whose chunks, in order, form a playable WebM.
  record(name, stream, opts) {
    const type = MediaRecorder.isTypeSupported('video/webm;codecs=vp8,opus') ? 'video/webm;codecs=vp8,opus' : 'video/webm';
    const rec = new MediaRecorder(stream, { ...opts, mimeType: type });
    let last = Date.now();
    const pending = [];
    rec.ondataavailable = (e) => {
      const now = Date.now();
      const at = new Date(last);
      const dur = now - last;
      last = now;
      if (!e.data || e.data.size === 0) return;
      pending.push(this.enqueue('chunks_' + name, (seq) => ({
        method: 'PUT', path: `chunks/${name}/${seq}`, type: 'video/webm',
        headers: { 'X-Capture-Time': at.toISOString(), 'X-Duration-Ms': String(dur) }, body: e.data, size: e.data.size,
      })));
    };
    rec.start(CHUNK_MS);
    this.recorders.push({ rec, pending });
    // A recorder stops by itself when its source ends (the screen share
    // was stopped); its last chunk still arrives.
  }

  // flush hands over what the recorders and the microphone hold in memory,
  // when the page is going away (a reload): best effort, the browser may
  // not wait for it.
  flush() {
    for (const { rec } of this.recorders) if (rec.state === 'recording') rec.requestData();
    if (this.audio) this.audio.flush();
  }

  // stop ends the capture, flushing the last pieces into the queue.
  async stop() {
    clearInterval(this.timer);
    await Promise.all(this.recorders.map(({ rec }) => new Promise((resolve) => {
      if (rec.state === 'inactive') return resolve();
      rec.addEventListener('stop', () => resolve(), { once: true });
      rec.stop();
    })));
    await Promise.all(this.recorders.flatMap((r) => r.pending));
    if (this.audio) await this.audio.stop();
    if (this.small) this.small.stop();
  }
}
