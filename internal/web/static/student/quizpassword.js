// The quiz password (or a Canvas quiz's access code) in the proctoring
// window: the server reveals it only while the recording is running and
// healthy (docs/MOODLE.md), so the window asks every few seconds and hides
// it again as soon as the server, or this page, sees the recording stop.

import * as api from './api.js';

const POLL_MS = 3000;
const $ = (id) => document.getElementById(id);

export class QuizPassword {
  constructor(session) {
    this.session = session;
    this.timer = null;
    this.stopped = false;
    this.shown = '';
  }

  // start asks now and then every POLL_MS until stop.
  start() {
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      const more = await this.ask();
      if (more && !this.stopped) this.timer = setTimeout(tick, POLL_MS);
    };
    tick();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.hide('');
  }

  // ask reports whether to keep asking (not when the exam has no password).
  async ask() {
    try {
      const res = await api.call('GET', `/api/v1/sessions/${this.session.id}/quiz_password`, { token: this.session.token });
      if (res.filled_by_extension) { $('quiz-password-extension').hidden = false; return false; }
      if (res.shown) this.show(res.password, res.kind);
      else this.hide(res.reason);
      return true;
    } catch (err) {
      if (err instanceof api.APIError && err.code === 'not_found') return false; // no password for this exam
      this.hide(''); // cannot tell: do not keep showing it
      return !(err instanceof api.APIError) || err.retryable || err.status === 409;
    }
  }

  show(password, kind) {
    if (this.stopped) return;
    $('quiz-password').textContent = password;
    $('quiz-password-intro').textContent = kind === 'access_code'
      ? 'Your quiz asks for an access code. Type or paste it in the quiz:'
      : 'Your quiz asks for a password. Type or paste it in the quiz:';
    $('quiz-password-box').hidden = false;
    $('quiz-password-hidden').hidden = true;
    this.shown = password;
    $('copy-quiz-password').onclick = async () => {
      try {
        await navigator.clipboard.writeText(this.shown);
        $('copy-quiz-password-result').textContent = 'Copied.';
      } catch {
        $('copy-quiz-password-result').textContent = 'Select the password and copy it.';
      }
    };
  }

  // hide takes the password off the page; reason (from the server, or this
  // page) says why, when there is one.
  hide(reason) {
    $('quiz-password').textContent = '';
    $('quiz-password-box').hidden = true;
    this.shown = '';
    const note = $('quiz-password-hidden');
    note.textContent = reason ? 'The quiz password is hidden: ' + reason + '. It comes back once the recording runs again.' : '';
    note.hidden = !reason;
  }
}
