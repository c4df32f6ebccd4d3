// The live view: follows the exam's event stream (Server-Sent Events, one
// connection per page; the server batches what it sends) and updates each
// session's card: the latest webcam still, the connection state and the
// flags as they arrive. Stills are fetched only for cards on screen, at
// most one per card every STILL_EVERY_MS, so a class of 200 stays light.

const root = document.getElementById('live');
const list = document.getElementById('live-sessions');
const feed = document.getElementById('live-feed');
const status = document.getElementById('live-status');
const STILL_EVERY_MS = 10000;
const ONLINE_MS = 20000;
const QUIET_MS = 90000;
const FLAGS_SHOWN = 5;
const FEED_SHOWN = 20;

const cards = new Map(); // session id → {el, last, frame, shown, visible, fetchedAt}

function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
  return h + ':' + String(m).padStart(2, '0') + ':' + String(sec).padStart(2, '0');
}

function connText(last) {
  if (!last) return 'Connection: no upload yet';
  const ago = Date.now() - last;
  if (ago < ONLINE_MS) return 'Connection: Online';
  if (ago < QUIET_MS) return 'Connection: Quiet (' + clock(ago) + ' since the last upload)';
  return 'Connection: Offline (' + clock(ago) + ' since the last upload)';
}

const seen = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const c = cards.get(Number(e.target.dataset.session));
    if (!c) continue;
    c.visible = e.isIntersecting;
    if (c.visible) refreshStill(c);
  }
});

function track(el) {
  const c = { el, last: el.dataset.last ? Date.parse(el.dataset.last) : 0, frame: Number(el.dataset.frame),
    shown: Number(el.dataset.frame), visible: false, fetchedAt: Date.now(), name: el.querySelector('h3 a').textContent };
  cards.set(Number(el.dataset.session), c);
  seen.observe(el);
  return c;
}

function refreshStill(c) {
  if (c.frame < 0 || c.frame === c.shown || !c.visible || Date.now() - c.fetchedAt < STILL_EVERY_MS) return;
  const id = c.el.dataset.session;
  let img = c.el.querySelector('.thumb img');
  if (!img) {
    const box = c.el.querySelector('.thumb');
    box.textContent = '';
    img = document.createElement('img');
    img.width = 160;
    img.height = 120;
    img.alt = 'Latest webcam still of ' + c.name;
    box.append(img);
  }
  img.src = '/media/sessions/' + id + '/frames/' + c.frame;
  c.shown = c.frame;
  c.fetchedAt = Date.now();
}

function newCard(d) {
  const li = document.createElement('li');
  li.className = 'live-card';
  li.id = 'live-' + d.session;
  li.dataset.session = d.session;
  li.dataset.frame = d.frame;
  const h = document.createElement('h3');
  const a = document.createElement('a');
  a.href = '/sessions/' + d.session;
  a.target = '_blank';
  a.rel = 'noopener';
  a.textContent = d.name;
  h.append(a);
  const thumb = document.createElement('div');
  thumb.className = 'thumb';
  const none = document.createElement('span');
  none.className = 'muted small';
  none.textContent = 'No webcam still yet';
  thumb.append(none);
  const conn = document.createElement('p');
  conn.className = 'conn small';
  conn.dataset.conn = '';
  const count = document.createElement('p');
  count.className = 'small';
  const n = document.createElement('span');
  n.dataset.flagCount = '';
  n.textContent = d.flags;
  count.append('Flags so far: ', n);
  const flags = document.createElement('ol');
  flags.className = 'live-flags small';
  flags.dataset.flags = '';
  li.append(h, thumb, conn, count, flags);
  list.prepend(li);
  document.getElementById('live-none')?.remove();
  const c = track(li);
  c.shown = -1;
  c.fetchedAt = 0;
  document.getElementById('live-count').textContent = String(cards.size);
  return c;
}

function flagItem(f) {
  const li = document.createElement('li');
  const b = document.createElement('strong');
  b.textContent = f.label;
  li.append(b, ': ' + f.text);
  return li;
}

function onFlag(c, f) {
  const ol = c.el.querySelector('[data-flags]');
  ol.prepend(flagItem(f));
  while (ol.children.length > FLAGS_SHOWN) ol.lastElementChild.remove();
  const n = c.el.querySelector('[data-flag-count]');
  n.textContent = String(Number(n.textContent) + 1);
  c.el.classList.add('flagged');
  document.getElementById('feed-empty')?.remove();
  const item = flagItem(f);
  item.prepend(c.name + ' — ');
  feed.prepend(item);
  while (feed.children.length > FEED_SHOWN) feed.lastElementChild.remove();
}

function card(id) { return cards.get(id); }

function follow(url) {
  const es = new EventSource(url);
  es.onopen = () => { status.textContent = 'Receiving updates as they happen.'; };
  es.onerror = () => { status.textContent = 'Connection to the server lost: reconnecting…'; };
  es.addEventListener('session', (e) => { const d = JSON.parse(e.data); if (!card(d.session)) newCard(d); });
  for (const kind of ['frame', 'upload']) {
    es.addEventListener(kind, (e) => {
      const d = JSON.parse(e.data);
      const c = card(d.session);
      if (!c) return;
      c.last = Date.now();
      if (kind === 'frame') { c.frame = d.seq; refreshStill(c); }
    });
  }
  es.addEventListener('flag', (e) => {
    const d = JSON.parse(e.data);
    const c = card(d.session);
    if (c) { c.last = Date.now(); onFlag(c, d.flag); }
  });
  es.addEventListener('state', (e) => {
    const d = JSON.parse(e.data);
    const c = card(d.session);
    if (c && d.state === 'submitted') { c.finished = true; c.el.classList.add('done'); c.el.querySelector('[data-conn]').textContent = 'Finished: uploads complete'; }
  });
  es.addEventListener('resync', () => { es.close(); location.reload(); });
}

for (const el of document.querySelectorAll('.live-card')) track(el);
setInterval(() => {
  for (const c of cards.values()) {
    if (!c.finished) c.el.querySelector('[data-conn]').textContent = connText(c.last);
    refreshStill(c);
  }
}, 5000);
if (root && root.dataset.events) follow(root.dataset.events);
