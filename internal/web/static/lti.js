// Vigil's LTI launch pages: client-side storage in the LMS's frame (the
// LTI client-side postMessage protocol, for browsers that block
// third-party cookies), the cookie check, the LTI Proctoring wait, a
// student's exam link, and forms that post themselves to the LMS.

const root = document.getElementById('lti');
const TIMEOUT_MS = 3000;

// storage calls the platform's storage frame and resolves with its answer
// (or rejects after a timeout or an error answer).
function storage(target, origin, message) {
  const frame = target === '_parent' ? window.parent : window.parent.frames[target];
  if (!frame || frame === window) return Promise.reject(new Error('no storage frame'));
  const id = crypto.randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { window.removeEventListener('message', on); reject(new Error('no answer')); }, TIMEOUT_MS);
    function on(e) {
      const d = e.data || {};
      if (e.origin !== origin || d.message_id !== id || d.subject !== message.subject + '.response') return;
      clearTimeout(timer);
      window.removeEventListener('message', on);
      if (d.error) reject(new Error(d.error.message || d.error.code));
      else resolve(d);
    }
    window.addEventListener('message', on);
    frame.postMessage({ ...message, message_id: id }, origin);
  });
}

const key = (state) => 'vigil_state_' + state;

const actions = {
  // login keeps the state in the platform's storage, then goes on to the
  // platform (the cookie set with this page is the other way back).
  async login(d) {
    try {
      await storage(d.target, d.origin, { subject: 'lti.put_data', key: key(d.state), value: d.state });
    } catch (err) {
      console.warn('vigil: client-side storage unavailable:', err.message);
    }
    location.replace(d.auth);
  },

  // verify reads the state back and posts it.
  async verify(d) {
    try {
      const res = await storage(d.target, d.origin, { subject: 'lti.get_data', key: key(d.state) });
      document.getElementById('verify-value').value = res.value || '';
      document.getElementById('verify-form').submit();
    } catch (err) {
      document.getElementById('lti-problem').hidden = false;
    }
  },

  // continue goes on when the session cookie works here, and otherwise
  // offers Vigil in a tab of its own.
  async continue(d) {
    const res = await fetch(d.check, { credentials: 'include', cache: 'no-store' }).catch(() => null);
    if (res && res.status === 204) {
      location.replace(d.next);
      return;
    }
    document.getElementById('lti-here').hidden = true;
    document.getElementById('lti-newtab').hidden = false;
  },

  // proctoring waits until the proctoring window records, then opens the
  // assessment (LtiStartAssessment).
  async proctoring(d) {
    const wait = document.getElementById('lti-wait');
    for (;;) {
      const res = await fetch(d.status, { cache: 'no-store' }).catch(() => null);
      if (res && res.ok) {
        const st = await res.json();
        if (st.ready) {
          wait.textContent = 'Recording has started: opening your exam…';
          location.assign(d.start);
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  },

  // student: an exam's link opened in a window of its own (the LMS's "new
  // window") becomes the proctoring window itself, so the student has the
  // LMS and this one window; inside the LMS's frame, where cameras and
  // screen sharing rarely work, the page offers a tab of its own.
  student(d) {
    if (window.top === window.self) location.replace(d.proctoring);
  },

  // autopost sends the page's form on. Not when the browser's Back came
  // here (from the LMS's error after a deep-linking return, say): posting
  // again would only bring the same error back, and this page says what
  // probably went wrong.
  autopost() {
    const nav = performance.getEntriesByType('navigation')[0];
    if (nav && nav.type === 'back_forward') {
      root.dataset.posted = 'back';
      return;
    }
    window.addEventListener('pageshow', (e) => {
      if (e.persisted) root.dataset.posted = 'back';
    });
    root.dataset.posted = 'true';
    document.getElementById('autopost').submit();
  },

  // close tells the LMS that opened Vigil's registration page that it is
  // done (LTI Dynamic Registration); the LMS then closes its frame.
  close() {
    const lms = window.opener || (window.parent !== window ? window.parent : null);
    if (lms) lms.postMessage({ subject: 'org.imsglobal.lti.close' }, '*');
  },
};

if (root && actions[root.dataset.action]) actions[root.dataset.action](root.dataset);
