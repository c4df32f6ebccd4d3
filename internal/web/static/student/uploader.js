// The uploader sends queued items to the server one at a time, oldest
// first (each stream must arrive in order), and deletes an item only once
// the server has acknowledged it. Failures that may pass are retried with
// backoff; a refused token stops it and says so.

import { call, APIError } from './api.js';

export class Uploader {
  constructor(store, link, session, { onProgress, onFatal, onProblem, onRecover, onOutage }) {
    Object.assign(this, { store, link, session, onProgress, onFatal, onProblem, onRecover, onOutage });
    // outage: the connection is down; what is queued meanwhile is held.
    this.outage = false;
    this.running = false;
    this.delay = 0;
    this.wake = null;
    this.sent = 0; // bytes acknowledged
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  stop() { this.running = false; if (this.wake) this.wake(); }

  // poke wakes the loop when something new is queued (not while it backs
  // off after a failure: that wait is the point, but the count the student
  // sees still grows with what is kept on this computer).
  poke() {
    if (this.wake && this.idle) this.wake();
    else if (this.wake) this.report();
  }

  // retryNow ends a backoff wait: the browser says the network is back.
  retryNow() { if (this.wake) this.wake(); }

  async loop() {
    while (this.running) {
      const item = await this.store.first(this.link);
      await this.report();
      if (!item) { await this.sleep(5000, true); continue; }
      try {
        await call(item.method, item.path, { token: this.session.token, type: item.type, headers: item.headers, body: item.body });
        await this.store.acknowledge(item);
        this.sent += item.size || 0;
        if (this.delay > 0 && this.onRecover) this.onRecover();
        this.delay = 0;
        this.outage = false;
      } catch (err) {
        await this.failed(item, err);
      }
    }
  }

  async failed(item, err) {
    if (!(err instanceof APIError)) throw err;
    if (err.retryable) {
      if (!this.outage) {
        // Everything queued now waits for the connection: the receipt
        // counts it as sent again.
        this.outage = true;
        await this.store.holdAll(this.link);
        if (this.onOutage) this.onOutage();
      }
      this.delay = Math.min(Math.max(1000, this.delay * 2), 30000);
      // A busy server says how long to wait; the backoff still grows.
      const wait = Math.max(this.delay, Number(err.detail.retry_after_ms) || 0);
      this.onProblem && this.onProblem(err, wait);
      await this.sleep(wait);
      return;
    }
    if (err.code === 'invalid_token' || err.code === 'forbidden' || err.code === 'session_closed') {
      this.running = false;
      this.onFatal && this.onFatal(err);
      return;
    }
    if (err.code === 'sequence_gap' && typeof err.detail.next === 'number') {
      // The server lacks items this computer no longer has (its storage was
      // cleared): number what is left from where the server is.
      await this.store.renumber(this.link, item.stream, err.detail.next);
      return;
    }
    // Anything else would fail the same way again: drop it and say so,
    // rather than block everything behind it.
    console.warn('vigil: upload refused, dropped', item.path, err.code, err.message);
    await this.store.remove(item.id);
  }

  sleep(ms, idle = false) {
    this.idle = idle;
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => { clearTimeout(t); resolve(); };
    }).finally(() => { this.wake = null; this.idle = false; });
  }

  async report() {
    if (this.onProgress) this.onProgress(await this.store.pending(this.link), this.sent);
  }

  // drained resolves once nothing is left to upload.
  async drained() {
    for (;;) {
      const p = await this.store.pending(this.link);
      if (p.count === 0) return;
      if (!this.running) throw new Error('uploads stopped');
      this.poke();
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
