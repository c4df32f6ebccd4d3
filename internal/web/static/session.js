// The session page: its tabs switch without a reload and keep their URL
// (?tab=…, with Back and Forward), a "Show in the video" link on any
// incident opens Video Monitoring at its moment, and the bulk decision form
// counts what it will decide. Without JavaScript every link and form still
// works as a plain page load.

const review = document.getElementById('review');
const tabs = [...document.querySelectorAll('#tabs a[data-tab]')];

// panels shown on each tab: Video Monitoring shows the current incident's
// article (evidence and decision) beside the player.
const shown = {
  video: ['panel-video', 'panel-violations'],
  violations: ['panel-violations'],
  scans: ['panel-scans'],
  onboarding: ['panel-onboarding'],
};

function show(tab) {
  if (!shown[tab]) tab = 'video';
  review.dataset.tab = tab;
  for (const panel of review.querySelectorAll(':scope > .panel')) panel.hidden = !shown[tab].includes(panel.id);
  for (const a of tabs) {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Forms come back to the tab they were sent from.
  for (const input of document.querySelectorAll('form:not(#bulk) input[name="tab"]')) input.value = tab;
  document.dispatchEvent(new CustomEvent('vigil:tab', { detail: { tab } }));
}

function go(tab, params = {}) {
  const url = new URL(location.href);
  url.searchParams.set('tab', tab);
  url.searchParams.delete('done');
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  url.hash = params.hash || '';
  history.pushState({ tab }, '', url);
  show(tab);
}

// plain reports whether a click is an ordinary one (not asking for a new
// tab or window).
const plain = (e) => e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey;

if (review) {
  for (const a of tabs) {
    a.addEventListener('click', (e) => {
      if (!plain(e)) return;
      e.preventDefault();
      if (review.dataset.tab !== a.dataset.tab) go(a.dataset.tab);
    });
  }
  window.addEventListener('popstate', () => show(new URLSearchParams(location.search).get('tab') || 'video'));
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[data-jump], a[data-show]');
    if (!a || !plain(e)) return;
    e.preventDefault();
    if (a.dataset.jump) {
      go('video', { v: a.dataset.jump });
      document.dispatchEvent(new CustomEvent('vigil:jump', { detail: { id: Number(a.dataset.jump) } }));
      document.getElementById('player')?.scrollIntoView({ block: 'nearest' });
      return;
    }
    go('violations', { v: a.dataset.show, hash: 'violation-' + a.dataset.show });
    const art = document.getElementById('violation-' + a.dataset.show);
    if (art) {
      art.scrollIntoView();
      art.querySelector('h3').setAttribute('tabindex', '-1');
      art.querySelector('h3').focus({ preventScroll: true });
    }
  });
  bulk(document.getElementById('bulk'));
  why(document.getElementById('verdict-box'), document.getElementById('why-toggle'));
}

// why keeps each explanation of the verdict to one line until asked for
// the whole of it (screen readers read it whole either way).
function why(box, toggle) {
  if (!box || !toggle) return;
  box.classList.add('clamped');
  toggle.hidden = false;
  toggle.addEventListener('click', () => {
    const open = box.classList.toggle('clamped') === false;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Show less' : 'Show the whole explanation';
    window.dispatchEvent(new Event('resize'));
  });
}

// bulk keeps the bulk form's counts: how many incidents are ticked, and
// how many the type and length filter matches (as the server will count
// them: shorter than, in whole milliseconds).
function bulk(form) {
  if (!form) return;
  const boxes = [...document.querySelectorAll('input[type=checkbox][form="bulk"]')];
  const ticked = document.getElementById('bulk-ticked');
  const matches = document.getElementById('bulk-matches');
  const type = document.getElementById('bulk-type');
  const shorter = document.getElementById('bulk-shorter');
  const count = () => {
    ticked.textContent = String(boxes.filter((b) => b.checked).length);
    const limit = shorter.value === '' ? Infinity : Number(shorter.value) * 1000;
    const n = [...document.querySelectorAll('article.violation')].filter((a) =>
      (type.value === '' || a.dataset.type === type.value) && Number(a.dataset.ms) < limit).length;
    matches.textContent = '(' + n + ' match' + (n === 1 ? '' : 'es') + ')';
  };
  for (const b of boxes) b.addEventListener('change', () => {
    if (b.checked) document.getElementById('scope-selected').checked = true;
    count();
  });
  for (const f of [type, shorter]) {
    f.addEventListener('input', () => {
      document.getElementById('scope-filter').checked = true;
      count();
    });
  }
  for (const [id, on] of [['tick-all', true], ['tick-none', false]]) {
    const b = document.getElementById(id);
    b.hidden = false;
    b.addEventListener('click', () => {
      for (const x of boxes) x.checked = on;
      document.getElementById('scope-selected').checked = true;
      count();
    });
  }
  count();
}
