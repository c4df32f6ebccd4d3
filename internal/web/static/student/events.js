// Browser events for the rules (docs/API.md): key combinations and pastes,
// the screen share and the displays, device trouble, and — only when the
// quiz is taken in this window — focus, visibility and fullscreen. Beside
// the LMS, this window's own focus says nothing about where the student
// is, so it is not sent.

const FLUSH_MS = 5000;
const MODS = [['ctrlKey', 'Ctrl'], ['altKey', 'Alt'], ['shiftKey', 'Shift'], ['metaKey', 'Meta']];

export class Events {
  constructor({ enqueue, quizInWindow }) {
    Object.assign(this, { enqueue, quizInWindow });
    this.batch = [];
  }

  record(kind, fields = {}) {
    this.batch.push({ kind, at: new Date().toISOString(), ...fields });
  }

  start() {
    document.addEventListener('keydown', (e) => this.key(e), true);
    document.addEventListener('keyup', (e) => { if (e.key === 'PrintScreen') this.record('key', { combo: 'PrintScreen' }); }, true);
    document.addEventListener('paste', () => this.record('paste'), true);
    if (this.quizInWindow) {
      window.addEventListener('blur', () => this.record('focus_lost'));
      window.addEventListener('focus', () => this.record('focus_gained'));
      document.addEventListener('visibilitychange', () => this.record(document.hidden ? 'visibility_hidden' : 'visibility_visible'));
      document.addEventListener('fullscreenchange', () => this.record(document.fullscreenElement ? 'fullscreen_enter' : 'fullscreen_exit'));
    }
    this.screens();
    if (screen.addEventListener) screen.addEventListener('change', () => this.screens());
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
  }

  // key records combinations with a modifier, and the keys that copy the
  // screen or open developer tools — never plain typing.
  key(e) {
    const mods = MODS.filter(([p]) => e[p]).map(([, name]) => name);
    const special = e.key === 'F12' || e.key === 'PrintScreen';
    if ((mods.length === 0 || mods.every((m) => m === 'Shift')) && !special) return;
    if (['Control', 'Alt', 'Shift', 'Meta'].includes(e.key)) return;
    const key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
    this.record('key', { combo: [...mods, key].join('+') });
  }

  screens() {
    const count = screen.isExtended ? 2 : 1;
    if (count !== this.lastScreens) this.record('screens', { count });
    this.lastScreens = count;
  }

  async flush() {
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    const body = new Blob([JSON.stringify({ events })], { type: 'application/json' });
    await this.enqueue('events', (seq) => ({ method: 'PUT', path: `events/${seq}`, type: 'application/json', body, size: body.size }));
  }

  async stop() {
    clearInterval(this.timer);
    await this.flush();
  }
}
