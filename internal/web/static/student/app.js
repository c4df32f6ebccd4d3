// The student's capture client: consent → system check → identity photos →
// the exam → finished, with the receipt (and, once released, the review).
// The session lives in IndexedDB, so a reload or a crash comes back to the
// same session with nothing lost, and a window closed while finishing
// finishes the upload when the link is opened again.

import { open } from './store.js';
import * as api from './api.js';
import * as checks from './checks.js';
import { Uploader } from './uploader.js';
import { Capture } from './capture.js';
import { Events } from './events.js';
import { PhotoStep } from './photos.js';
import { Companions } from './companions.js';
import * as receipt from './receipt.js';
import * as review from './review.js';
import { QuizPassword } from './quizpassword.js';

const $ = (id) => document.getElementById(id);
// DEVICES: where the client keeps each device's stream and how it asks.
const DEVICES = {
  camera: { field: 'camera', tracks: 'getVideoTracks', ask: checks.camera },
  microphone: { field: 'mic', tracks: 'getAudioTracks', ask: checks.microphone },
};
const STEPS = ['welcome', 'check', 'photos', 'ready', 'resume', 'exam', 'finishing', 'done'];

// show switches to a step, marks it in the step indicator and moves focus
// to its heading, so keyboard and screen-reader users land on the new
// content.
function show(step) {
  for (const s of STEPS) $('step-' + s).hidden = s !== step;
  let passed = true;
  for (const li of document.querySelectorAll('#progress li')) {
    const here = li.dataset.steps.split(' ').includes(step);
    if (here) passed = false;
    li.classList.toggle('done', passed);
    if (here) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  const h = $('step-' + step).querySelector('h1');
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

// sentence makes a message from the server ("this session link expired on
// …: ask your instructor for a new one") a sentence of its own.
function sentence(msg) {
  const m = String(msg || 'something went wrong').trim().replace(/[.]+$/, '');
  return m.charAt(0).toUpperCase() + m.slice(1) + '.';
}

// clause is such a message inside a sentence of ours.
function clause(msg) { return String(msg || '').trim().replace(/[.]+$/, ''); }

function kb(bytes) { return bytes < 1024 ? bytes + ' bytes' : Math.round(bytes / 1024) + ' KB'; }

function clock(ms) {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
  return (h > 0 ? h + ':' + String(m).padStart(2, '0') : String(m)) + ':' + String(s).padStart(2, '0');
}

function finished(state) { return state !== 'created' && state !== 'in_progress'; }

class Client {
  constructor() {
    this.link = decodeURIComponent(location.pathname.replace(/^\/s\//, ''));
    this.workletURL = $('student').dataset.worklet;
    this.devices = {};
  }

  async boot() {
    const support = checks.browser();
    if (!support.ok) return fatal(sentence(support.text) + ' ' + support.fix);
    this.store = await open();
    this.local = await this.store.session(this.link);
    if (!this.local || this.local.phase === 'done' || await this.finishedElsewhere()) {
      if (!(await this.begin())) return;
    }
    this.uploader = new Uploader(this.store, this.link, this.local, {
      onProgress: (p, sent) => this.progress(p, sent),
      onProblem: (err, ms) => say(err.code === 'storage_full'
        // The server's disk is full for now: nothing the student can or
        // needs to do, so nothing to alarm them with.
        ? 'Recording goes on and is kept on this computer; it will be uploaded shortly.'
        : `Uploads are paused: ${clause(err.message)}. Recording goes on and is kept on this computer. Trying again in ${Math.round(ms / 1000)} s.`),
      onRecover: () => say('Connected again: uploading what was kept.'),
      onOutage: () => this.update((s) => { s.drops = (s.drops || 0) + 1; }),
      onFatal: (err) => this.refused(err),
    });
    // What an earlier page left in the queue waited for this one: the
    // receipt says it was sent again.
    if ((await this.store.pending(this.link)).count > 0) await this.store.holdAll(this.link);
    this.uploader.start();
    window.addEventListener('online', () => this.uploader.retryNow());
    if (this.local.phase === 'done') return this.done();
    if (this.local.phase === 'finishing') return this.finishUploads();
    this.events = new Events({ enqueue: (s, make) => this.enqueue(s, make), quizInWindow: this.local.rules.quiz_in_window });
    await this.welcome();
  }

  // begin starts the session on the server (or opens the student's session
  // of this link again) and keeps what the client needs in IndexedDB.
  async begin() {
    say('Connecting to Vigil…');
    let res;
    try {
      res = await api.withRetry(() => api.start(this.link, new Date().toISOString()),
        (err, ms) => say(`Vigil cannot be reached (${clause(err.message)}). Trying again in ${ms / 1000} s…`));
    } catch (err) {
      fatal(sentence(err.message) + (err.code === 'invalid_token' ? '' : ' Reload the page to try again.'));
      return false;
    }
    const st = res.status;
    const kept = this.local && this.local.id === res.session_id ? this.local : null;
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
      phase: finished(st.state) ? 'done'
        : st.next_frame > 0 || ((st.next_chunk || {}).webcam || 0) > 0 ? 'exam' : 'welcome',
      // What this computer knows of an earlier visit (the receipt's re-sent line).
      resent: kept ? kept.resent : undefined, drops: kept ? kept.drops : undefined,
      recordingSince: kept ? kept.recordingSince : undefined,
    };
    await this.store.saveSession(this.local);
    say('');
    return true;
  }

  // finishedElsewhere asks the server whether the session this computer
  // kept is over (finished here or on another computer, or past its 72
  // hours); offline, or with a token it no longer takes, the answer waits
  // for the uploader.
  async finishedElsewhere() {
    try {
      return finished((await api.status(this.local)).state);
    } catch (err) {
      return false;
    }
  }

  async update(change) {
    this.local = Object.assign(this.local, await this.store.update(this.link, change));
  }

  async welcome() {
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
    await this.about();
    if (l.phase === 'exam') {
      show('resume');
      $('resume-exam').onclick = () => this.resume();
      return;
    }
    show('welcome');
    const agree = $('consent-agree');
    agree.disabled = false;
    agree.onchange = () => { $('start-check').disabled = !agree.checked; };
    $('start-check').disabled = !agree.checked;
    $('start-check').onclick = () => this.consent();
  }

  // about fills the consent page and the accommodations from the server.
  async about() {
    try {
      this.facts = await api.about(this.local);
    } catch (err) {
      this.facts = null;
      return;
    }
    const f = this.facts;
    $('about-retention').textContent = `The recording of this exam is deleted ${f.media_days} days after the exam ends, and your profile photos ${f.onboarding_days} days after they are taken (your institution's period for this course).`;
    $('about-review').hidden = !f.student_review;
    const list = $('accommodation-list');
    list.replaceChildren(...f.accommodations.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
    $('accommodations').hidden = f.accommodations.length === 0;
    const during = $('accommodations-exam');
    during.textContent = f.accommodations.length ? 'Arranged for you: ' + f.accommodations.join(' ') : '';
    during.hidden = f.accommodations.length === 0;
  }

  // consent records the student's agreement, then starts the system check:
  // nothing is asked of a device before.
  async consent() {
    $('start-check').disabled = true;
    try {
      await api.withRetry(() => api.consent(this.local), (err, ms) => say(`Vigil cannot be reached (${clause(err.message)}). Trying again in ${ms / 1000} s…`));
    } catch (err) {
      say(`Your agreement could not be recorded (${clause(err.message)}). Press the button again.`);
      $('start-check').disabled = false;
      return;
    }
    say('');
    await this.update((s) => { s.consented = new Date().toISOString(); });
    await this.systemCheck();
  }

  // enqueue queues an upload of a stream under the session's API path and
  // wakes the uploader.
  async enqueue(stream, make) {
    const base = `/api/v1/sessions/${this.local.id}/`;
    const seq = await this.store.enqueue(this.link, stream, (n) => {
      const item = make(n);
      item.path = base + item.path;
      item.queued = Date.now();
      return item;
    }, this.uploader.outage);
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
    this.mark('assistive', checks.assistive(this.facts));
    await this.runChecks();
  }

  mark(id, result) {
    const li = $('check-' + id);
    li.dataset.ok = result.ok ? (result.warn ? 'warn' : 'true') : 'false';
    li.querySelector('.result').textContent = (result.ok ? (result.warn ? 'Warning: ' : (result.info ? '' : 'OK: ')) : 'Problem: ') + result.text;
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
    say(this.ready() ? 'The system check passed.' : 'The system check found a problem: see the list below.');
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
    const li = document.querySelector('#progress li[data-steps="photos"]');
    if (plan.length === 0) {
      li.textContent = 'Photos (none needed)';
      return this.getReady();
    }
    show('photos');
    const step = new PhotoStep({
      camera: this.camera, preview: $('photo-preview'), button: $('take-photo'), result: $('photo-result'),
      instructions: $('photo-instructions'), counter: $('photo-step'),
      upload: (purpose, kind, blob, at) => this.uploadPhoto(purpose, kind, blob, at),
      accepted: { box: $('accepted-box'), list: $('accepted-photos') },
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
      (err, ms) => say(`The photo could not be sent (${clause(err.message)}). Trying again in ${ms / 1000} s…`));
    say('');
    await this.update((s) => {
      s.photoAttempts[key] = res.next_attempt;
      if (res.passed) s.photosDone[key] = true;
      if (purpose === 'onboarding' && s.photosDone['onboarding/face'] && s.photosDone['onboarding/id']) s.onboarded = true;
    });
    return res;
  }

  getReady() {
    // The accepted photos stay in view until the exam starts.
    if (!$('accepted-box').hidden) $('ready-photos').append($('accepted-box'));
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
      say('The exam cannot go on yet. ' + problems.join(' ') + ' Then press “Continue the exam” again.');
      return;
    }
    say('');
    await this.record();
  }

  // record starts the capture, the browser events and what the student
  // sees of it: themselves, the microphone's level and the time recorded.
  async record() {
    show('exam');
    const av = new MediaStream([...this.camera.getVideoTracks(), ...this.mic.getAudioTracks()]);
    this.capture = new Capture({
      enqueue: (s, make) => this.enqueue(s, make), frameInterval: this.local.frameInterval, workletURL: this.workletURL,
      onError: (what, err) => console.warn('vigil: capture', what, err),
      onLevel: (v) => { $('mic-level').value = v; },
    });
    await this.capture.start(av, this.screen);
    this.events.start();
    $('self-view').srcObject = this.camera;
    if (!this.local.recordingSince) await this.update((s) => { s.recordingSince = Date.now(); });
    this.ticker = setInterval(() => { $('elapsed').textContent = clock(Date.now() - this.local.recordingSince); }, 1000);
    this.camera.getVideoTracks()[0].addEventListener('ended', () => this.lost('camera'));
    this.mic.getAudioTracks()[0].addEventListener('ended', () => this.lost('microphone'));
    window.addEventListener('pagehide', () => { if (document.body.dataset.recording) this.capture.flush(); });
    $('finish').onclick = () => this.confirmFinish();
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
    el.textContent = `Your ${name} stopped. Check that it is connected and not used by another program, then reload this page: the session goes on.`;
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
    const total = sent + p.bytes;
    for (const id of ['upload-progress', 'finish-progress']) {
      const bar = $(id);
      bar.max = Math.max(1, total);
      bar.value = total > 0 ? sent : 1;
      bar.dataset.pending = String(p.count);
    }
    const text = p.count === 0 ? 'Everything is uploaded.'
      : `${p.count} item${p.count === 1 ? '' : 's'} (${kb(p.bytes)}) still to upload.`;
    $('upload-text').textContent = text;
    $('finish-text').textContent = text;
  }

  // confirmFinish asks once, in a dialog, before the recording stops.
  confirmFinish() {
    const dlg = $('finish-confirm');
    $('finish-no').onclick = () => dlg.close('no');
    $('finish-yes').onclick = () => dlg.close('yes');
    dlg.onclose = () => {
      if (dlg.returnValue === 'yes') this.finish();
      else $('finish').focus();
    };
    dlg.returnValue = '';
    dlg.showModal();
    $('finish-no').focus();
  }

  // finish stops recording and hands over to finishUploads. From here on
  // the page, or the link opened again, only finishes.
  async finish() {
    $('finish').disabled = true;
    this.quizPassword?.stop();
    say('Stopping the recording…');
    await this.update((s) => { s.phase = 'finishing'; });
    clearInterval(this.ticker);
    await this.capture.stop();
    await this.events.stop();
    this.companions.stop();
    document.body.dataset.recording = '';
    for (const s of [this.camera, this.mic, this.screen]) if (s) s.getTracks().forEach((t) => t.stop());
    await this.finishUploads();
  }

  // finishUploads waits until the queue is empty — saying so — then tells
  // the server what was sent and shows the receipt.
  async finishUploads() {
    show('finishing');
    say('');
    try {
      await this.uploader.drained();
      const s = await this.store.session(this.link);
      const counts = {
        frames: s.next.frames, event_batches: s.next.events, audio: s.next.audio,
        chunks: { webcam: s.next.chunks_webcam, screen: s.next.chunks_screen },
      };
      await api.withRetry(() => api.finish(this.local, counts), (err, ms) => say(`Finishing failed (${clause(err.message)}). Trying again in ${ms / 1000} s…`));
    } catch (err) {
      if (!(err instanceof api.APIError) || err.code !== 'incomplete') {
        fatal(`The session could not be finished (${clause(err.message)}). Open this page again to try again: nothing recorded is lost.`);
        return;
      }
      // The server lacks items this computer no longer holds (its storage
      // was cleared): finish with what arrived, and say so.
      await api.finish(this.local, {}).catch(() => {});
      $('done-text').textContent = 'Your exam is finished, but some recordings never reached Vigil. Your instructor will see which.';
    }
    await this.update((s) => { s.phase = 'done'; });
    this.uploader.stop();
    await this.done();
  }

  // done shows the finished exam: its receipt and, once the instructor
  // releases it, the student's own review.
  async done() {
    if (this.uploader) this.uploader.stop();
    show('done');
    say('');
    try {
      const pending = (await this.store.pending(this.link)).count;
      receipt.show(await api.receipt(this.local), await this.store.session(this.link), pending);
      await review.show(this.local);
    } catch (err) {
      say(`The receipt could not be loaded (${clause(err.message)}). Reload this page to try again.`);
    }
  }

  // refused handles a token or session the server no longer accepts. An
  // expired token is replaced once through the session link, if the same
  // session can go on.
  async refused(err) {
    if (err.code === 'invalid_token' && !this.renewed) {
      this.renewed = true;
      try {
        const res = await api.start(this.link, new Date().toISOString());
        if (res.session_id === this.local.id && !finished(res.status.state)) {
          await this.update((s) => { s.token = res.token; });
          this.uploader.start();
          return;
        }
      } catch (e) { /* the link is refused too: say so below */ }
    }
    if (this.capture) await this.capture.stop().catch(() => {});
    const why = err.code === 'session_closed'
      ? 'This session is closed (finished, or past its 72 hours), so nothing more can be recorded.'
      : `Vigil no longer accepts uploads from this window: ${clause(err.message)}.`;
    fatal(why + ' What was recorded until now is kept. Ask your instructor for a new exam link if you still need to take the exam.');
  }
}

new Client().boot().catch((err) => {
  console.error(err);
  fatal(`Something went wrong (${clause(err.message)}). Reload this page: your session and what was recorded are kept.`);
});
