// Vigil's browser extension, the service worker. Paired with a live
// proctored session (from the proctoring window, see content.js), it sends
// Vigil the address of the active tab when it changes, the key
// combinations and pastes content.js sees, and hands content.js the quiz's
// access code to fill in. Its state lives in chrome.storage.session (memory
// only) and is dropped when the session ends: nothing is kept afterwards.
'use strict';

const STATE_KEY = 'vigil';
const TICK_MS = 5000; // a batch (an empty one is the heartbeat) every 5 s
const REFRESH_MS = 15000; // re-read the session's state and lists
const MAX_QUEUE = 5000; // batches kept in memory while offline

let state = null;
let ticking = null;

async function load() {
  if (!state) state = (await chrome.storage.session.get(STATE_KEY))[STATE_KEY] || null;
  return state;
}

async function save() {
  if (state) await chrome.storage.session.set({ [STATE_KEY]: state });
}

async function forget(why) {
  state = null;
  await chrome.storage.session.remove(STATE_KEY);
  if (ticking) clearInterval(ticking);
  ticking = null;
  chrome.action.setBadgeText({ text: '' });
  console.log('vigil: stopped reporting:', why);
}

function startTicking() {
  if (!ticking) ticking = setInterval(() => tick().catch((e) => console.warn('vigil:', e)), TICK_MS);
  chrome.action.setBadgeText({ text: 'on' });
}

class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || (status ? 'HTTP ' + status : 'the network is unreachable'));
    Object.assign(this, { status, code: e.code || '', next: e.next });
  }
  get final() { return ['session_closed', 'invalid_token', 'forbidden'].includes(this.code); }
  get retryable() { return this.status === 0 || this.status >= 500 || this.status === 429; }
}

async function call(server, method, path, token, body) {
  const headers = {};
  if (body) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  let res;
  try {
    res = await fetch(server + path, { method, headers, body: body && JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    throw new APIError(0, null);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

function api(method, path, body) {
  return call(state.server, method, `/api/v1/sessions/${state.sessionId}${path}`, state.token, body);
}

// pair exchanges the code the proctoring window gave for this session's
// extension token. server is the proctoring page's own origin.
async function pair(server, code) {
  const p = await call(server, 'POST', '/api/v1/pair', '', { code, kind: 'extension' });
  state = {
    server, sessionId: p.session_id, token: p.token, exam: p.exam, student: p.student,
    next: p.next_event_batch, queue: [], found: [], lastURL: '', cfg: null, wait: 0, notBefore: 0, refreshedAt: 0,
  };
  await refresh();
  if (!state) throw new Error('the session is not open');
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  reportTab(tab);
  enqueue();
  await upload();
  await save();
  startTicking();
  return { ok: true, exam: p.exam, student: p.student };
}

async function refresh() {
  state.cfg = await api('GET', '/companion');
  state.refreshedAt = Date.now();
  if (!state.cfg.live) await forget('the session is ' + state.cfg.state);
}

function record(kind, fields = {}) {
  if (state) state.found.push({ kind, at: new Date().toISOString(), ...fields });
}

// tick queues what was seen since the last batch and uploads what waits.
async function tick() {
  if (!(await load())) return forget('not paired');
  if (Date.now() - state.refreshedAt > REFRESH_MS) {
    try {
      await refresh();
    } catch (e) {
      if (e.final) return forget(e.message);
    }
    if (!state) return;
  }
  enqueue();
  await upload();
  await save();
}

function enqueue() {
  if (state.found.length === 0 && state.queue.length > 0) return; // something waits: no heartbeat needed
  if (state.queue.length >= MAX_QUEUE) state.queue.shift();
  state.queue.push({ seq: state.next++, events: state.found });
  state.found = [];
}

// upload sends waiting batches oldest first, backing off from 1 s to 30 s.
async function upload() {
  while (state && state.queue.length > 0 && Date.now() >= state.notBefore) {
    const b = state.queue[0];
    try {
      await api('PUT', `/sources/extension/events/${b.seq}`, { events: b.events });
      state.queue.shift();
      state.wait = 0;
    } catch (e) {
      if (e.final) return forget(e.message);
      if (e.code === 'sequence_gap' || e.code === 'sequence_conflict') {
        await renumber(e.next);
      } else if (!e.retryable) {
        console.warn('vigil: a report was refused and dropped:', e.message);
        state.queue.shift();
      } else {
        state.wait = Math.min(Math.max(2 * state.wait, 1000), 30000);
        state.notBefore = Date.now() + state.wait;
        return;
      }
    }
  }
}

async function renumber(next) {
  try {
    next = (await api('GET', '/companion')).next_event_batch;
  } catch (e) { /* keep the server's hint */ }
  state.queue.forEach((b, i) => { b.seq = next + i; });
  state.next = next + state.queue.length;
}

// cleanURL drops the query and the fragment (search terms, tokens): the
// rules judge the site and the path.
function cleanURL(raw) {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin + u.pathname : u.protocol + '//' + u.host + u.pathname;
  } catch (e) {
    return '';
  }
}

function reportTab(tab) {
  if (!state || !tab || !tab.url) return;
  let url = cleanURL(tab.url);
  // The proctoring window's address holds the student's session link:
  // Vigil's own pages are named without it.
  if (url.startsWith(state.server + '/s/')) url = state.server + '/s/';
  if (!url || url === state.lastURL) return;
  state.lastURL = url;
  record('navigate', { url });
  save();
}

// underQuiz reports whether a page is the LMS quiz (or a page under it).
function underQuiz(url) {
  const quiz = state && state.cfg && state.cfg.quiz_url;
  return !!quiz && (url === quiz || url.startsWith(quiz.replace(/\/$/, '') + '/'));
}

async function accessCode(sender) {
  if (!(await load()) || !underQuiz(cleanURL(sender.url || ''))) return {};
  try {
    return { code: (await api('GET', '/access_code')).access_code };
  } catch (e) {
    return { wait: e.code === 'conflict' || e.retryable };
  }
}

// fromExamWindow: the proctoring window reports its own keys.
function fromExamWindow(sender) {
  return state && sender.origin === state.server;
}

async function handle(msg, sender) {
  switch (msg && msg.type) {
    case 'pair':
      if (!/^https?:$/.test(new URL(sender.url).protocol) || !new URL(sender.url).pathname.startsWith('/s/')) return { error: 'not a proctoring page' };
      return pair(sender.origin, String(msg.code || ''));
    case 'key':
    case 'paste':
      if ((await load()) && !fromExamWindow(sender)) {
        record(msg.type, msg.type === 'key' ? { combo: String(msg.combo || '').slice(0, 64) } : {});
        await save();
      }
      return {};
    case 'access-code':
      return accessCode(sender);
    case 'status':
      await load();
      return state ? { paired: true, server: state.server, exam: state.exam, student: state.student, live: !!(state.cfg && state.cfg.live) } : { paired: false };
  }
  return {};
}

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  handle(msg, sender).then(reply, (e) => reply({ error: e.message }));
  return true; // the reply comes later
});

chrome.tabs.onActivated.addListener(async ({ tabId }) => {
  if (await load()) reportTab(await chrome.tabs.get(tabId));
});

chrome.tabs.onUpdated.addListener(async (tabId, change, tab) => {
  if (change.url && tab.active && (await load())) reportTab(tab);
});

chrome.windows.onFocusChanged.addListener(async (windowId) => {
  if (windowId === chrome.windows.WINDOW_ID_NONE || !(await load())) return;
  const [tab] = await chrome.tabs.query({ active: true, windowId });
  reportTab(tab);
});

// The browser may stop an idle service worker; the alarm wakes it to go on.
chrome.alarms.create('vigil-tick', { periodInMinutes: 0.5 });
chrome.alarms.onAlarm.addListener(async () => {
  if (await load()) startTicking();
});
load().then((s) => { if (s) startTicking(); });
