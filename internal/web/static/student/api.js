// Calls to Vigil's capture API (docs/API.md).

export class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || 'HTTP ' + status);
    this.status = status;
    this.code = e.code || '';
    this.detail = e;
  }
  // retryable errors will likely succeed later: network trouble, the
  // server busy or restarting, too many requests.
  get retryable() {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

// timeoutFor is how long a request may take before it counts as stalled:
// its body at 64 kbit/s (the slowest uplink an exam can be taken on) and
// 20 s besides. A stalled request (Wi-Fi that died without the browser
// noticing, a proxy holding it) would otherwise hold every upload queued
// behind it; ended, it is sent again, and the server acknowledges a repeat
// without storing it twice.
export function timeoutFor(body) {
  const bytes = !body ? 0 : (body.size ?? body.byteLength ?? body.length ?? 0);
  return 20000 + bytes / 8; // 8 bytes a millisecond = 64 kbit/s
}

export async function call(method, path, { token, type, headers = {}, body } = {}) {
  const h = { ...headers };
  if (type) h['Content-Type'] = type;
  if (token) h.Authorization = 'Bearer ' + token;
  const signal = AbortSignal.timeout(timeoutFor(body));
  let res;
  let data;
  try {
    res = await fetch(path, { method, headers: h, body, cache: 'no-store', signal });
    data = await res.json().catch((err) => { if (err.name === 'TimeoutError') throw err; return {}; });
  } catch (err) {
    if (err.name === 'TimeoutError') throw new APIError(0, { error: { code: 'timeout', message: 'the server did not answer in time' } });
    throw new APIError(0, { error: { code: 'network', message: 'the network is unreachable' } });
  }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// withRetry repeats a call while its failure is retryable, backing off from
// one second to thirty.
export async function withRetry(fn, onWait) {
  let delay = 1000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof APIError) || !err.retryable) throw err;
      if (onWait) onWait(err, delay);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30000);
    }
  }
}

export function start(link, startedAt) {
  return call('POST', '/api/v1/sessions', { type: 'application/json', body: JSON.stringify({ link, started_at: startedAt }) });
}

export function photo(session, purpose, kind, attempt, blob, at) {
  return call('PUT', `/api/v1/sessions/${session.id}/photos/${purpose}/${kind}/${attempt}`, {
    token: session.token, type: 'image/jpeg', headers: { 'X-Capture-Time': at }, body: blob,
  });
}

export function finish(session, counts) {
  return call('POST', `/api/v1/sessions/${session.id}/finish`, {
    token: session.token, type: 'application/json', body: JSON.stringify(counts),
  });
}

// speed uploads 256 KiB and returns the upload speed in kbit/s.
export async function speed(session) {
  const body = new Uint8Array(256 * 1024);
  crypto.getRandomValues(body.subarray(0, 65536));
  const t0 = performance.now();
  await call('POST', `/api/v1/sessions/${session.id}/speedtest`, { token: session.token, type: 'application/octet-stream', body });
  const secs = Math.max(0.001, (performance.now() - t0) / 1000);
  return Math.round((body.length * 8) / 1000 / secs);
}


// pairingCode asks for a single-use code that pairs a companion (the
// desktop agent or the browser extension) with this session.
export function pairingCode(session, kind) {
  return call('POST', `/api/v1/sessions/${session.id}/pairing`, { token: session.token, type: 'application/json', body: JSON.stringify({ kind }) });
}

// companions says whether each companion is paired and reporting.
export function companions(session) {
  return call('GET', `/api/v1/sessions/${session.id}/companions`, { token: session.token });
}

// about tells the consent page what is recorded, how long it is kept and
// what is arranged for this student.
export function about(session) {
  return call('GET', `/api/v1/sessions/${session.id}/about`, { token: session.token });
}

// consent records that the student agreed, before any device is asked for.
export function consent(session) {
  return call('POST', `/api/v1/sessions/${session.id}/consent`, { token: session.token });
}

// status says where the server stands (a session finished elsewhere).
export function status(session) {
  return call('GET', `/api/v1/sessions/${session.id}`, { token: session.token });
}

export function receipt(session) {
  return call('GET', `/api/v1/sessions/${session.id}/receipt`, { token: session.token });
}

export function review(session) {
  return call('GET', `/api/v1/sessions/${session.id}/review`, { token: session.token });
}

export function explain(session, explanations) {
  return call('PUT', `/api/v1/sessions/${session.id}/explanations`, {
    token: session.token, type: 'application/json', body: JSON.stringify({ explanations }),
  });
}

// screenLink asks for a short-lived signed link that plays the screen
// recording at a flag's moment (a video element cannot send the token,
// and a recording is too large to fetch whole first).
export function screenLink(session, flagID) {
  return call('GET', `/api/v1/sessions/${session.id}/evidence/${flagID}/screen`, { token: session.token });
}

// media fetches an evidence picture or sound with the session token and
// returns a local URL for it (an img or audio element cannot send the token).
export async function media(session, path) {
  let res;
  try {
    res = await fetch(`/api/v1/sessions/${session.id}/${path}`, { headers: { Authorization: 'Bearer ' + session.token }, cache: 'no-store' });
  } catch (err) {
    throw new APIError(0, { error: { code: 'network', message: 'the network is unreachable' } });
  }
  if (!res.ok) throw new APIError(res.status, await res.json().catch(() => ({})));
  return URL.createObjectURL(await res.blob());
}
