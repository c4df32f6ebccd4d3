// The student's capture client: welcome → system check → identity photos →
// the exam → finished. The session lives in IndexedDB, so a reload or a
// crash comes back to the same session with nothing lost.

import { open } from './store.js';
import * as api from './api.js';
import * as checks from './checks.js';
import { Uploader } from './uploader.js';
import { Capture } from './capture.js';
import { Events } from './events.js';
import { PhotoStep } from './photos.js';
import { Companions } from './companions.js';
import { QuizPassword } from './quizpassword.js';

const $ = (id) => document.getElementById(id);
// DEVICES: where the client keeps each device's stream and how it asks.
const DEVICES = {
  camera: { field: 'camera', tracks: 'getVideoTracks', ask: checks.camera },
  microphone: { field: 'mic', tracks: 'getAudioTracks', ask: checks.microphone },
};
const STEPS = ['welcome', 'check', 'photos', 'ready', 'resume', 'exam', 'done'];

// show switches to a step and moves focus to its heading, so keyboard and
// screen-reader users land on the new content.
function show(step) {
  for (const s of STEPS) $('step-' + s).hidden = s !== step;
  const h = $('step-' + step).querySelector('h1, h2');
  h.tabIndex = -1;
  h.focus();
  document.body.dataset.step = step;
}

function say(text) { $('status').textContent = text; }

function fatal(text) {
  $('fatal').textContent = text;
  $('fatal').hidden = false;
  say('');
  document.body.dataset.fatal = 'true';
}

function kb(bytes) { return bytes < 1024 ? bytes + ' bytes' : Math.round(bytes / 1024) + ' KB'; }

class Client {
  constructor() {
    this.link = decodeURIComponent(location.pathname.replace(/^\/s\//, ''));
    this.workletURL = $('student').dataset.worklet;
    this.devices = {};
  }

  async boot() {
    const support = checks.browser();
    if (!support.ok) return fatal('Vigil cannot run in this browser: ' + support.text + ' ' + support.fix);
    this.store = await open();
    this.local = await this.store.session(this.link);
    if (this.local && this.local.phase === 'done') { show('done'); return; }
    if (!this.local && !(await this.begin())) return;
    this.uploader = new Uploader(this.store, this.link, this.local, {
      onProgress: (p, sent) => this.progress(p, sent),
      onProblem: (err, ms) => say(`Uploads paused: ${err.message}. Recording goes on and is kept on this computer; trying again in ${Math.round(ms / 1000)} s.`),
      onRecover: () => say('Connected again: uploading what was kept.'),
      onFatal: (err) => this.refused(err),
    });
    this.uploader.start();
    window.addEventListener('online', () => this.uploader.retryNow());
    this.events = new Events({ enqueue: (s, make) => this.enqueue(s, make), quizInWindow: this.local.rules.quiz_in_window });
    this.welcome();
  }

  // begin starts the session on the server (or resumes it when this
  // computer kept nothing) and keeps what the client needs in IndexedDB.
  async begin() {
    say('Connecting to Vigil…');
    let res;
    try {
      res = await api.withRetry(() => api.start(this.link, new Date().toISOString()),
        (err, ms) => say(`Vigil cannot be reached (${err.message}); trying again in ${ms / 1000} s…`));
    } catch (err) {
      fatal(err.message + (err.code === 'invalid_token' ? '' : ' Reload the page to try again.'));
      return false;
    }
    const st = res.status;
    this.local = {
      link: this.link, id: res.session_id, token: res.token, student: res.student, exam: res.exam,
      attempt: res.attempt, rules: st.exam, frameInterval: st.frame_interval_seconds || 1,
      onboarded: st.onboarding_complete, photoAttempts: st.next_photo_attempt || {}, photosDone: {},
      next: {
        frames: st.next_frame, events: st.next_event_batch, audio: st.next_audio,
        chunks_webcam: (st.next_chunk || {}).webcam || 0, chunks_screen: (st.next_chunk || {}).screen || 0,
      },
      // Recording had begun (on this computer or another) once a frame or
      // a chunk arrived; events alone come from the system check.
      phase: st.next_frame > 0 || ((st.next_chunk || {}).webcam || 0) > 0 ? 'exam' : 'welcome',
    };
    await this.store.saveSession(this.local);
    say('');
    return true;
  }

  async update(change) {
    this.local = Object.assign(this.local, await this.store.update(this.link, change));
  }

  welcome() {
    const l = this.local;
    $('welcome-who').textContent = `${l.student}, this is your proctored session for “${l.exam}” (attempt ${l.attempt}).`;
    for (const el of document.querySelectorAll('.rec-screen')) el.hidden = !l.rules.require_screen_share;
    for (const el of document.querySelectorAll('.rec-agent')) el.hidden = !l.rules.require_agent;
    for (const el of document.querySelectorAll('.rec-extension')) el.hidden = !l.rules.require_extension;
    this.companions = new Companions({ session: l, onChange: () => this.updateContinue() });
    $('check-screen').hidden = !l.rules.require_screen_share;
    $('exam-where').textContent = l.rules.quiz_in_window
      ? 'Take the quiz in this window, in fullscreen. Leaving it is recorded.'
      : 'Take the quiz in your course site, in another tab or window. Keep this window open: recording goes on while you work there.';
    if (l.phase === 'exam') {
      show('resume');
      $('resume-exam').onclick = () => this.resume();
      return;
    }
    show('welcome');
    $('start-check').disabled = false;
    $('start-check').onclick = () => this.systemCheck();
  }

  // enqueue queues an upload of a stream under the session's API path and
  // wakes the uploader.
  async enqueue(stream, make) {
    const base = `/api/v1/sessions/${this.local.id}/`;
    const seq = await this.store.enqueue(this.link, stream, (n) => {
      const item = make(n);
      item.path = base + item.path;
      return item;
    });
    this.uploader.poke();
    return seq;
  }

  // device records a camera, microphone or screen state for the reviewer.
  device(name, state) {
    if (this.devices[name] === state) return;
    this.devices[name] = state;
    this.events.record('device', { name, state });
    this.events.flush();
  }

  async systemCheck() {
    show('check');
    $('check-again').onclick = () => this.runChecks();
    $('share-screen').onclick = () => this.shareScreen();
    $('check-continue').onclick = () => this.afterCheck();
    await this.runChecks();
  }

  mark(id, result) {
    const li = $('check-' + id);
    li.dataset.ok = result.ok ? (result.warn ? 'warn' : 'true') : 'false';
    li.querySelector('.result').textContent = (result.ok ? (result.warn ? 'Warning: ' : 'OK: ') : 'Problem: ') + result.text;
    const fix = li.querySelector('.fix');
    fix.textContent = result.fix || '';
    fix.hidden = !result.fix;
  }

  async runChecks() {
    say('Checking…');
    this.checks = { ...this.checks, browser: checks.browser() };
    this.mark('browser', this.checks.browser);
    for (const name of ['camera', 'microphone']) {
      this.checks[name] = await this.acquire(name);
      this.mark(name, this.checks[name]);
    }
    $('preview').srcObject = this.camera || null;
    this.checks.upload = await checks.upload(() => api.speed(this.local));
    this.mark('upload', this.checks.upload);
    await this.companions.showInCheck();
    this.updateContinue();
    say(this.ready() ? 'The system check passed.' : 'The system check found a problem: see the list.');
  }

  // acquire asks for the camera or the microphone unless a live stream is
  // at hand, tells the server the answer, and returns the check's result.
  async acquire(name) {
    const d = DEVICES[name];
    const stream = this[d.field];
    if (stream && stream[d.tracks]()[0].readyState === 'live') return { ok: true, text: 'working' };
    const res = await d.ask();
    this[d.field] = res.stream;
    if (res.state) this.device(name, res.state);
    return res;
  }

  // shareScreen runs from the button's click: browsers let a page ask for
  // the screen only right after the student acted.
  async shareScreen() {
    const res = await checks.screen();
    if (res.surface) this.events.record('screen_share', { surface: res.surface });
    if (res.state) this.device('screen', res.state);
    this.events.flush();
    if (res.ok) this.useScreen(res.stream);
    this.checks = this.checks || {};
    this.checks.screen = res;
    this.mark('screen', res);
    this.updateContinue();
    return res;
  }

  useScreen(stream) {
    this.screen = stream;
    stream.getVideoTracks()[0].addEventListener('ended', () => this.screenEnded());
  }

  ready() {
    const c = this.checks || {};
    const need = ['browser', 'camera', 'microphone', 'upload'];
    if (this.local.rules.require_screen_share) need.push('screen');
    return need.every((k) => c[k] && c[k].ok) && this.companions.kinds.every((k) => this.companions.ok(k));
  }

  updateContinue() { $('check-continue').disabled = !this.ready(); }

  async afterCheck() {
    if (!this.ready()) return;
    const plan = this.photoPlan();
    if (plan.length === 0) return this.getReady();
    show('photos');
    const step = new PhotoStep({
      camera: this.camera, preview: $('photo-preview'), button: $('take-photo'), result: $('photo-result'),
      instructions: $('photo-instructions'), counter: $('photo-step'),
      upload: (purpose, kind, blob, at) => this.uploadPhoto(purpose, kind, blob, at),
    });
    await step.run(plan);
    this.getReady();
  }

  // photoPlan lists the photos still needed: onboarding once per student,
  // then this exam's verification scans.
  photoPlan() {
    const l = this.local, plan = [];
    if (!l.onboarded) plan.push(['onboarding', 'face'], ['onboarding', 'id']);
    if (l.rules.identity_face) plan.push(['verification', 'face']);
    if (l.rules.identity_id) plan.push(['verification', 'id']);
    if (l.rules.identity_room) plan.push(['verification', 'room']);
    return plan.filter(([p, k]) => !l.photosDone[p + '/' + k]);
  }

  async uploadPhoto(purpose, kind, blob, at) {
    const key = purpose + '/' + kind;
    const attempt = this.local.photoAttempts[key] || 1;
    const res = await api.withRetry(() => api.photo(this.local, purpose, kind, attempt, blob, at),
      (err, ms) => say(`The photo could not be sent (${err.message}); trying again in ${ms / 1000} s…`));
    say('');
    await this.update((s) => {
      s.photoAttempts[key] = res.next_attempt;
      if (res.passed) s.photosDone[key] = true;
      if (purpose === 'onboarding' && s.photosDone['onboarding/face'] && s.photosDone['onboarding/id']) s.onboarded = true;
    });
    return res;
  }

  getReady() {
    show('ready');
    $('start-exam').onclick = () => this.startExam();
  }

  async startExam() {
    if (this.local.rules.quiz_in_window && document.documentElement.requestFullscreen) {
      await document.documentElement.requestFullscreen().catch(() => {});
    }
    await this.update((s) => { s.phase = 'exam'; });
    await this.record();
  }

  // resume comes back to an exam in progress after a reload or a crash:
  // the devices are asked for again (the screen first, while the click
  // still counts as the student's act), then recording goes on.
  async resume() {
    const problems = [];
    if (this.local.rules.require_screen_share && !this.screen) {
      const res = await this.shareScreen();
      if (!res.ok) problems.push('Screen sharing: ' + res.text + ' ' + res.fix);
    }
    for (const name of ['camera', 'microphone']) {
      const res = await this.acquire(name);
      if (!res.ok) problems.push(name[0].toUpperCase() + name.slice(1) + ': ' + res.text + ' ' + res.fix);
    }
    if (problems.length) {
      say('The exam cannot continue yet. ' + problems.join(' ') + ' Then press “Continue the exam” again.');
      return;
    }
    say('');
    await this.record();
  }

  // record starts the capture and the browser events.
  async record() {
    show('exam');
    const av = new MediaStream([...this.camera.getVideoTracks(), ...this.mic.getAudioTracks()]);
    this.capture = new Capture({
      enqueue: (s, make) => this.enqueue(s, make), frameInterval: this.local.frameInterval, workletURL: this.workletURL,
      onError: (what, err) => console.warn('vigil: capture', what, err),
    });
    await this.capture.start(av, this.screen);
    this.events.start();
    this.camera.getVideoTracks()[0].addEventListener('ended', () => this.lost('camera'));
    this.mic.getAudioTracks()[0].addEventListener('ended', () => this.lost('microphone'));
    window.addEventListener('pagehide', () => { if (document.body.dataset.recording) this.capture.flush(); });
    $('finish').onclick = () => this.finish();
    $('reshare-screen').onclick = () => this.reshare();
    document.body.dataset.recording = 'true';
    $('companion-repair').append($('companion-list'));
    this.companions.showInCheck();
    this.companions.watch();
    this.quizPassword = new QuizPassword(this.local);
    this.quizPassword.start();
  }

  lost(name) {
    this.device(name, 'lost');
    this.quizPassword?.hide(`your ${name} stopped`);
    const el = $('device-trouble');
    el.textContent = `Your ${name} stopped. Check it is connected and not used by another program, then reload this page: the session continues.`;
    el.hidden = false;
  }

  screenEnded() {
    this.screen = null;
    this.events.record('screen_share_ended');
    this.device('screen', 'lost');
    this.quizPassword?.hide('your screen is no longer shared');
    if (document.body.dataset.recording) $('screen-lost').hidden = false;
  }

  async reshare() {
    const res = await this.shareScreen();
    if (!res.ok) { say('Screen sharing: ' + res.text + ' ' + res.fix); return; }
    say('Your screen is shared again.');
    $('screen-lost').hidden = true;
    this.capture.recordScreen(this.screen);
  }

  progress(p, sent) {
    const bar = $('upload-progress');
    const total = sent + p.bytes;
    bar.max = Math.max(1, total);
    bar.value = total > 0 ? sent : 1;
    bar.dataset.pending = String(p.count);
    $('upload-text').textContent = p.count === 0 ? 'Everything is uploaded.'
      : `${p.count} item${p.count === 1 ? '' : 's'} (${kb(p.bytes)}) still to upload.`;
  }

  // finish stops recording, waits until the queue is empty — saying so —
  // and then tells the server what was sent.
  async finish() {
    $('finish').disabled = true;
    this.quizPassword?.stop();
    say('Stopping the recording…');
    await this.capture.stop();
    await this.events.stop();
    this.companions.stop();
    document.body.dataset.recording = '';
    say('Uploading what is left before finishing. Keep this window open…');
    try {
      await this.uploader.drained();
      const s = await this.store.session(this.link);
      const counts = {
        frames: s.next.frames, event_batches: s.next.events, audio: s.next.audio,
        chunks: { webcam: s.next.chunks_webcam, screen: s.next.chunks_screen },
      };
      await api.withRetry(() => api.finish(this.local, counts), (err, ms) => say(`Finishing failed (${err.message}); trying again in ${ms / 1000} s…`));
    } catch (err) {
      if (!(err instanceof api.APIError) || err.code !== 'incomplete') {
        fatal('The session could not be finished: ' + err.message + ' Reload this page to try again; nothing recorded is lost.');
        return;
      }
      // The server lacks items this computer no longer holds (its storage
      // was cleared): finish with what arrived, and say so.
      await api.finish(this.local, {}).catch(() => {});
      $('done-text').textContent = 'Your session is finished, but some recordings never reached the server. Your instructor will see which.';
    }
    for (const s of [this.camera, this.mic, this.screen]) if (s) s.getTracks().forEach((t) => t.stop());
    await this.update((s) => { s.phase = 'done'; });
    this.uploader.stop();
    say('');
    show('done');
  }

  // refused handles a token or session the server no longer accepts. An
  // expired token is replaced once through the session link, if the same
  // session can go on.
  async refused(err) {
    if (err.code === 'invalid_token' && !this.renewed) {
      this.renewed = true;
      try {
        const res = await api.start(this.link, new Date().toISOString());
        if (res.session_id === this.local.id) {
          await this.update((s) => { s.token = res.token; });
          this.uploader.start();
          return;
        }
      } catch (e) { /* the link is refused too: say so below */ }
    }
    if (this.capture) await this.capture.stop().catch(() => {});
    const why = err.code === 'session_closed'
      ? 'This session is closed (finished, or past its 72 hours), so nothing more can be recorded.'
      : 'Vigil no longer accepts uploads from this window: ' + err.message + '.';
    fatal(why + ' What was recorded until now is kept. Ask your instructor for a new exam link if you still need to take the exam.');
  }
}

new Client().boot().catch((err) => {
  console.error(err);
  fatal('Something went wrong: ' + err.message + '. Reload this page: your session and what was recorded are kept.');
});
