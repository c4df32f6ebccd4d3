// Vigil's browser extension, in every page: it pairs the extension from a
// Vigil proctoring page, tells the service worker about key combinations
// and pastes, and fills the quiz's access code into the LMS quiz page
// without ever showing it.
'use strict';

(() => {
  const proctoringPage = location.pathname.startsWith('/s/');
  const MODS = [['ctrlKey', 'Ctrl'], ['altKey', 'Alt'], ['shiftKey', 'Shift'], ['metaKey', 'Meta']];
  const send = (msg) => chrome.runtime.sendMessage(msg).catch(() => null);

  // A proctoring page learns that the extension is installed, and asks it
  // to pair with the code it got from its server.
  if (proctoringPage) {
    document.documentElement.dataset.vigilExtension = chrome.runtime.getManifest().version;
    window.addEventListener('message', async (e) => {
      if (e.source !== window || e.origin !== location.origin || !e.data || e.data.vigil !== 'pair-extension') return;
      const r = await send({ type: 'pair', code: String(e.data.code || '') });
      window.postMessage({ vigil: 'extension-paired', ok: !!(r && r.ok), error: (r && r.error) || (r ? '' : 'the extension did not answer') }, location.origin);
    });
  }

  // Key combinations with a modifier, and the keys that copy the screen or
  // open the developer tools — never plain typing.
  document.addEventListener('keydown', (e) => {
    const mods = MODS.filter(([p]) => e[p]).map(([, name]) => name);
    const special = e.key === 'F12' || e.key === 'PrintScreen';
    if (((mods.length === 0 || mods.every((m) => m === 'Shift')) && !special) || ['Control', 'Alt', 'Shift', 'Meta'].includes(e.key)) return;
    const key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
    send({ type: 'key', combo: [...mods, key].join('+') });
  }, true);
  document.addEventListener('paste', () => send({ type: 'paste' }), true);

  // The access code: asked for until the recording has started (the server
  // gives it only then), filled in masked, kept masked.
  async function fillAccessCode() {
    const field = document.querySelector('input[name="access_code"]:not([type="hidden"])');
    if (!field) return;
    for (let tries = 0; tries < 200; tries++) {
      const r = await send({ type: 'access-code' });
      if (r && r.code) return fill(field, r.code);
      if (!r || !r.wait) return;
      await new Promise((ok) => setTimeout(ok, 3000));
    }
  }

  function fill(field, code) {
    field.type = 'password';
    new MutationObserver(() => { if (field.type !== 'password') field.type = 'password'; })
      .observe(field, { attributes: true, attributeFilter: ['type'] });
    field.autocomplete = 'off';
    field.readOnly = true;
    field.value = code;
    field.dispatchEvent(new Event('input', { bubbles: true }));
    field.dispatchEvent(new Event('change', { bubbles: true }));
    field.dataset.vigilFilled = 'true';
    const note = document.createElement('p');
    note.id = 'vigil-filled';
    note.textContent = 'Vigil filled in the access code for you.';
    field.insertAdjacentElement('afterend', note);
  }

  fillAccessCode();
})();
