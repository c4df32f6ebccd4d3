// The companions in the system check (docs/COMPANIONS.md): when the exam
// requires the desktop agent or the browser extension, the check shows how
// to connect it and the exam cannot start until it reports. During the
// exam the page says when a required companion stops reporting.

import * as api from './api.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
const EXAM_POLL_MS = 15000;
const NAMES = { agent: 'desktop agent', extension: 'browser extension' };

export class Companions {
  constructor({ session, onChange }) {
    this.session = session;
    this.onChange = onChange;
    this.kinds = ['agent', 'extension'].filter((k) => session.rules['require_' + k]);
    this.state = {};
  }

  get required() { return this.kinds.length > 0; }

  // ok reports whether every required companion is reporting.
  ok(kind) { return !!(this.state[kind] && this.state[kind].connected); }

  // showInCheck shows the pairing steps and starts watching.
  showInCheck() {
    for (const kind of this.kinds) {
      $('check-' + kind).hidden = false;
      $('pair-' + kind).onclick = () => this.pair(kind);
    }
    if (this.required && !this.timer) this.timer = setInterval(() => this.poll(), POLL_MS);
    return this.poll();
  }

  async poll() {
    try {
      this.state = await api.companions(this.session);
    } catch (err) {
      return;
    }
    for (const kind of this.kinds) this.mark(kind);
    this.onChange();
  }

  mark(kind) {
    const li = $('check-' + kind), s = this.state[kind] || {};
    li.dataset.ok = s.connected ? 'true' : 'false';
    li.querySelector('.result').textContent = s.connected ? 'OK: connected and reporting'
      : s.paired ? 'Problem: paired, but not reporting now' : 'not connected yet';
    if (s.connected) li.querySelector('.pairing').hidden = true;
  }

  async pair(kind) {
    const li = $('check-' + kind);
    const fix = li.querySelector('.fix');
    fix.hidden = true;
    if (kind === 'extension' && !document.documentElement.dataset.vigilExtension) {
      fix.textContent = 'The Vigil extension is not installed in this browser. Install it (your institution’s help page has the link), reload this page, then press “Connect the browser extension” again.';
      fix.hidden = false;
      return;
    }
    let code;
    try {
      code = await api.pairingCode(this.session, kind);
    } catch (err) {
      fix.textContent = `No code could be made (${String(err.message).replace(/[.]+$/, '')}). Press the button again.`;
      fix.hidden = false;
      return;
    }
    if (kind === 'extension') return this.pairExtension(li, code);
    li.querySelector('.pair-code').textContent = code.code;
    li.querySelector('.pair-command').textContent = `vigil-agent ${code.server} ${code.code}`;
    li.querySelector('.pair-link').href = code.link;
    li.querySelector('.copy-pair').onclick = () => navigator.clipboard.writeText(code.code).catch(() => {});
    li.querySelector('.pairing').hidden = false;
  }

  // pairExtension hands the code to the extension through this page (its
  // content script listens here); the code never needs typing.
  async pairExtension(li, code) {
    const answer = new Promise((resolve) => {
      const onMessage = (e) => {
        if (e.source !== window || !e.data || e.data.vigil !== 'extension-paired') return;
        window.removeEventListener('message', onMessage);
        resolve(e.data);
      };
      window.addEventListener('message', onMessage);
      setTimeout(() => resolve({ ok: false, error: 'the extension did not answer' }), 15000);
    });
    window.postMessage({ vigil: 'pair-extension', code: code.code }, location.origin);
    const r = await answer;
    const fix = li.querySelector('.fix');
    if (!r.ok) {
      fix.textContent = 'The extension could not connect: ' + r.error + '. Press “Connect the browser extension” again.';
      fix.hidden = false;
    }
    await this.poll();
  }

  // watch keeps an eye on required companions during the exam.
  watch() {
    clearInterval(this.timer);
    if (!this.required) return;
    this.timer = setInterval(async () => {
      await this.poll();
      const lost = this.kinds.filter((k) => !this.ok(k));
      const el = $('companion-trouble');
      el.textContent = lost.length === 0 ? '' : `Your ${lost.map((k) => NAMES[k]).join(' and ')} stopped reporting. `
        + (lost.includes('agent') ? 'Start the Vigil agent again with a new code (press “Get a code for the desktop agent”). ' : '')
        + (lost.includes('extension') ? 'Check the extension is enabled, then press “Connect the browser extension”. ' : '')
        + 'Your instructor will see the gap.';
      el.hidden = lost.length === 0;
      $('companion-repair').hidden = lost.length === 0;
    }, EXAM_POLL_MS);
  }

  stop() { clearInterval(this.timer); }
}
