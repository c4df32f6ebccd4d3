// The uploader sends queued items to the server oldest first (each stream
// must arrive in order), several in one request when several are queued,
// and deletes an item only once the server has acknowledged it. It lets a
// few seconds of capture gather before sending, so that a student's
// frames, sound and events go in one request rather than one each (a
// server holds many more students that way). Failures that may pass are
// retried with backoff; a refused token stops it and says so.

import { call, APIError } from './api.js';

// A batch holds at most this many items and bytes (the server's limits
// are 64 and 24 MiB); one larger item goes alone.
const BATCH_ITEMS = 64;
const BATCH_BYTES = 8 << 20;

export class Uploader {
  constructor(store, link, session, { onProgress, onFatal, onProblem, onRecover, onOutage, gatherMs = 3000 }) {
    Object.assign(this, { store, link, session, onProgress, onFatal, onProblem, onRecover, onOutage, gatherMs });
    // outage: the connection is down; what is queued meanwhile is held.
    this.outage = false;
    this.running = false;
    // flushing: the exam is ending, nothing waits to gather.
    this.flushing = false;
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
  // off after a failure or lets items gather: those waits are the point,
  // but the count the student sees still grows with what is kept on this
  // computer).
  poke() {
    if (this.wake && this.idle) this.wake();
    else if (this.wake) this.report();
  }

  // retryNow ends a backoff wait: the browser says the network is back.
  retryNow() { if (this.wake) this.wake(); }

  async loop() {
    while (this.running) {
      const items = await this.store.oldest(this.link, BATCH_ITEMS, BATCH_BYTES);
      await this.report();
      if (items.length === 0) { await this.sleep(5000, true); continue; }
      const wait = this.gathering(items);
      if (wait > 0) { await this.sleep(wait); continue; }
      try {
        await this.send(items);
        if (this.delay > 0 && this.onRecover) this.onRecover();
        this.delay = 0;
        this.outage = false;
      } catch (err) {
        await this.failed(err.item || items[0], err);
      }
    }
  }

  // gathering is how long to wait before sending: until the oldest item
  // has waited gatherMs. Not when a batch is full, after a failure (what
  // is queued goes at once) or when the exam is ending.
  gathering(items) {
    if (this.flushing || this.delay > 0 || items.length >= BATCH_ITEMS) return 0;
    const oldest = Math.min(...items.map((it) => it.queued || 0));
    return Math.max(0, oldest + this.gatherMs - Date.now());
  }

  // send sends the items, one alone or several in one request, and
  // acknowledges those the server stored; an item refused is thrown as
  // its APIError, carrying the item.
  async send(items) {
    const token = this.session.token;
    if (items.length === 1) {
      const [item] = items;
      await call(item.method, item.path, { token, type: item.type, headers: item.headers, body: item.body });
      return this.acknowledged([item]);
    }
    const batch = batchRequest(items);
    const answer = await call('POST', batch.path, { token, type: batch.type, body: batch.body });
    const results = answer.results || [];
    const refused = results.findIndex((r) => r.error);
    const stored = items.slice(0, refused < 0 ? results.length : refused);
    await this.acknowledged(stored);
    if (refused >= 0) {
      const err = new APIError(results[refused].error.status, { error: results[refused].error });
      err.item = items[refused];
      throw err;
    }
  }

  async acknowledged(items) {
    if (items.length === 0) return;
    await this.store.acknowledge(this.link, items);
    this.sent += items.reduce((n, it) => n + (it.size || 0), 0);
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

  // drained resolves once nothing is left to upload; from now on nothing
  // waits to gather.
  async drained() {
    this.flushing = true;
    if (this.wake && this.delay === 0) this.wake();
    for (;;) {
      const p = await this.store.pending(this.link);
      if (p.count === 0) return;
      if (!this.running) throw new Error('uploads stopped');
      this.poke();
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

// batchRequest is one request that carries several queued items (docs/API.md,
// "Several uploads in one request"): a multipart body, one part per item,
// named by the item's own path under the session, with its type and headers.
export function batchRequest(items) {
  const m = /^(\/api\/v1\/sessions\/\d+\/)/.exec(items[0].path);
  const boundary = 'vigil-' + crypto.randomUUID();
  const parts = [];
  for (const it of items) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${it.path.slice(m[1].length)}"\r\nContent-Type: ${it.type}\r\n`;
    for (const [k, v] of Object.entries(it.headers || {})) head += `${k}: ${v}\r\n`;
    parts.push(head + '\r\n', it.body, '\r\n');
  }
  parts.push(`--${boundary}--\r\n`);
  return { path: m[1] + 'uploads', type: `multipart/form-data; boundary=${boundary}`, body: new Blob(parts) };
}
