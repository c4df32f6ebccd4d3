// Video Monitoring: plays a session — the recorded webcam video when there
// is one, otherwise the uploaded frames at their real timing — at 1× to 4×,
// with the violations visualizer under it (timeline.js). The current
// incident is named under the player, and its evidence and decision form
// (its article in Online Violations) are shown beside it. Previous / next
// incident move between incidents in time order, from the buttons or the
// keys P and N while focus is in the player.

import { Timeline, fmt, pointMS } from './timeline.js';

const root = document.getElementById('player');
const review = document.getElementById('review');
let loading = null;
let player = null;
let wanted = null; // an incident asked for before the player loaded

function start() {
  if (!loading) {
    loading = load(root).catch((err) => {
      document.getElementById('current').textContent = 'The timeline could not be loaded: ' + err.message;
    });
  }
  return loading;
}

if (root) {
  if (review.dataset.tab === 'video') start();
  document.addEventListener('vigil:tab', (e) => {
    if (e.detail.tab === 'video') start();
    else if (player) player.pause();
  });
  document.addEventListener('vigil:jump', (e) => {
    if (player) player.jump(e.detail.id);
    else {
      wanted = e.detail.id;
      start();
    }
  });
}

async function load(root) {
  const res = await fetch(root.dataset.timeline, { credentials: 'same-origin' });
  if (!res.ok) throw new Error('the server answered ' + res.status);
  player = new Player(root, await res.json());
  const asked = wanted ?? Number(new URLSearchParams(location.search).get('v'));
  if (asked && player.jump(asked)) return;
  player.select(player.indexOf(Number(root.dataset.selected)), false);
}

const typing = new Set(['TEXTAREA', 'SELECT']);
const typingInputs = new Set(['text', 'number', 'search', 'email', 'password']);

class Player {
  constructor(root, tl) {
    this.root = root;
    this.tl = tl;
    this.frames = tl.frames;
    this.duration = Math.max(tl.duration_ms, this.frames.length ? this.frames[this.frames.length - 1][1] + 1000 : 0);
    this.incidents = [...tl.violations].sort((a, b) => a.start_ms - b.start_ms || a.id - b.id);
    this.cur = -1;
    this.t = 0;
    this.rate = 1;
    this.playing = false;
    this.img = root.querySelector('#frame');
    this.video = root.querySelector('#video');
    this.seekEl = root.querySelector('#seek');
    this.clock = root.querySelector('#clock');
    this.current = root.querySelector('#current');
    this.playBtn = root.querySelector('#play');
    this.zoomOut = root.querySelector('#zoom-out');
    this.zoomIn = root.querySelector('#zoom-in');
    this.seekEl.max = String(this.duration);
    this.timeline = new Timeline(root.querySelector('#timeline'), tl, this.duration, {
      pick: (v) => this.select(this.incidents.indexOf(v), true),
      seek: (ms) => this.seek(ms),
      laid: () => this.fit(),
    });
    this.wire();
    if (this.video && !(tl.video || []).length) { this.video.hidden = true; this.video = null; }
    if (this.video) this.setupVideo();
    this.zoomed();
    this.seek(0);
    this.fit();
  }

  wire() {
    const r = this.root;
    this.seekEl.addEventListener('input', () => this.seek(Number(this.seekEl.value)));
    this.playBtn.addEventListener('click', () => this.toggle());
    r.querySelector('#next-incident').addEventListener('click', () => this.next());
    r.querySelector('#prev-incident').addEventListener('click', () => this.prev());
    r.querySelector('#speed').addEventListener('change', (e) => this.speed(Number(e.target.value)));
    this.zoomIn.addEventListener('click', () => this.zoom(2));
    this.zoomOut.addEventListener('click', () => this.zoom(0.5));
    r.querySelector('#zoom-fit').addEventListener('click', () => this.zoom(0));
    r.addEventListener('keydown', (e) => this.keys(e));
    addEventListener('resize', () => this.fit());
    document.addEventListener('vigil:tab', () => this.fit());
  }

  // fit sizes the picture and the timeline so that the player, down to
  // the bottom of the timeline, fits in the window beside the current
  // incident (one screen at 1366×768): every lane shows when the picture
  // can keep 200 px, else the lanes scroll.
  fit() {
    if (!this.timeline) return; // still being built
    const screen = this.root.querySelector('.screen');
    const box = screen.getBoundingClientRect();
    const scroll = this.timeline.scroll;
    if (!box.height) return; // not shown
    if (getComputedStyle(review).gridTemplateColumns.split(' ').length < 2) { // one column: the page scrolls
      scroll.style.maxHeight = '';
      this.root.style.removeProperty('--screen-h');
      return;
    }
    const tl = scroll.getBoundingClientRect();
    const around = tl.top - box.bottom + (tl.height - scroll.clientHeight) + 12; // controls, caption, borders
    const room = innerHeight - (box.top + scrollY) - around;
    const lanes = scroll.scrollHeight;
    const picture = Math.min(540, room - lanes);
    if (picture >= 200) {
      scroll.style.maxHeight = 'none';
      this.root.style.setProperty('--screen-h', Math.floor(picture) + 'px');
    } else {
      scroll.style.maxHeight = Math.max(120, Math.floor(room - 200)) + 'px';
      this.root.style.setProperty('--screen-h', '200px');
    }
  }

  // keys are the player's shortcuts, active while focus is inside it and
  // not in a field that takes text.
  keys(e) {
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || typing.has(t.tagName) || (t.tagName === 'INPUT' && typingInputs.has(t.type))) return;
    const act = { n: () => this.next(), p: () => this.prev(), k: () => this.toggle(),
      '+': () => this.zoom(2), '=': () => this.zoom(2), '-': () => this.zoom(0.5), '0': () => this.zoom(0) }[e.key.toLowerCase()];
    if (!act) return;
    e.preventDefault();
    act();
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  speed(rate) {
    this.rate = rate;
    this.root.dataset.rate = String(rate);
    if (this.video) this.video.defaultPlaybackRate = this.video.playbackRate = rate;
  }

  // zoom multiplies the zoom by f (0: show all), keeping the playhead in
  // place when it is in view, else the middle of the view.
  zoom(f) {
    const tlv = this.timeline;
    const anchor = tlv.visible(this.t) ? this.t : tlv.centre();
    tlv.setZoom(f ? tlv.zoom * f : 1, anchor);
    this.zoomed();
  }

  zoomed() {
    const tlv = this.timeline;
    this.root.querySelector('#zoom-level').textContent = tlv.zoom + '×';
    this.root.dataset.zoom = String(tlv.zoom);
    this.zoomIn.disabled = tlv.zoom >= tlv.maxZoom;
    this.zoomOut.disabled = tlv.zoom <= 1;
  }

  indexOf(id) {
    return this.incidents.findIndex((v) => v.id === id);
  }

  // jump selects incident id and moves the playhead to its start.
  jump(id) {
    const i = this.indexOf(id);
    if (i >= 0) this.select(i, true);
    return i >= 0;
  }

  // next and prev move to the incident starting after (before) the
  // playhead; incidents starting at the same moment go in list order.
  next() {
    const i = this.incidents.findIndex((v, j) => v.start_ms > this.t || (v.start_ms === this.t && j > this.cur));
    if (i < 0) this.say('No later incident. ');
    else this.select(i, true);
  }

  prev() {
    let i = -1;
    this.incidents.forEach((v, j) => { if (v.start_ms < this.t || (v.start_ms === this.t && j < this.cur)) i = j; });
    if (i < 0) this.say('No earlier incident. ');
    else this.select(i, true);
  }

  // select makes incident i the current one: its span marked, its
  // article shown beside the player, the URL naming it.
  select(i, seek) {
    const v = this.incidents[i];
    if (!v) return;
    this.cur = i;
    this.timeline.current(v.id);
    for (const a of document.querySelectorAll('article.violation.current')) a.classList.remove('current');
    const art = document.getElementById('violation-' + v.id);
    if (art) art.classList.add('current');
    const pos = document.getElementById('incident-pos');
    if (pos) pos.textContent = (i + 1) + ' of ' + this.incidents.length;
    this.root.dataset.current = String(v.id);
    const url = new URL(location.href);
    url.searchParams.set('v', String(v.id));
    url.searchParams.delete('done');
    history.replaceState(history.state, '', url);
    if (seek) {
      this.seek(v.start_ms);
      this.timeline.reveal(v.start_ms);
    }
  }

  // setupVideo prepares the recording's segments: one WebM file each,
  // placed on the timeline where it starts (a reload mid-exam starts a new
  // one). Playing on past a segment's end moves to the next.
  setupVideo() {
    this.segments = this.tl.video || [];
    this.segment = null;
    this.video.addEventListener('timeupdate', () => {
      if (this.playing && this.segment) this.show(this.segment.offset_ms + this.video.currentTime * 1000);
    });
    this.video.addEventListener('ended', () => {
      const next = this.segments[this.segments.indexOf(this.segment) + 1];
      if (!next) { this.pause(); return; }
      this.useSegment(next, 0);
      this.video.play();
    });
  }

  // segmentAt is the last segment starting at or before ms.
  segmentAt(ms) {
    let found = this.segments[0];
    for (const s of this.segments) if (s.offset_ms <= ms) found = s;
    return found;
  }

  useSegment(seg, seconds) {
    if (this.segment !== seg) {
      this.segment = seg;
      this.video.src = this.root.dataset.video + '?segment=' + seg.segment;
    }
    // A new source resets the rate to the default one: both are the chosen speed.
    this.video.defaultPlaybackRate = this.video.playbackRate = this.rate;
    this.video.currentTime = Math.max(0, seconds);
  }

  play() {
    if (this.t >= this.duration) this.seek(0);
    this.playing = true;
    this.playBtn.textContent = 'Pause';
    if (this.video) { this.video.playbackRate = this.rate; this.video.play(); return; }
    let last = performance.now();
    const step = (now) => {
      if (!this.playing) return;
      this.show(Math.min(this.duration, this.t + (now - last) * this.rate));
      last = now;
      if (this.t >= this.duration) { this.pause(); return; }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  pause() {
    this.playing = false;
    this.playBtn.textContent = 'Play';
    if (this.video) this.video.pause();
  }

  seek(ms) {
    ms = Math.max(0, Math.min(this.duration, ms));
    const seg = this.video && this.segmentAt(ms);
    if (seg) this.useSegment(seg, (ms - seg.offset_ms) / 1000);
    this.show(ms);
    this.timeline.reveal(ms);
  }

  // show moves the playhead to ms: frame, slider, clock, spans, caption.
  show(ms) {
    this.t = ms;
    this.root.dataset.time = String(Math.round(ms));
    this.seekEl.value = String(Math.round(ms));
    this.seekEl.setAttribute('aria-valuetext', fmt(ms));
    this.clock.textContent = fmt(ms) + ' / ' + fmt(this.duration);
    if (this.img) this.showFrame(ms);
    this.timeline.show(ms);
    if (this.playing && this.timeline.zoom > 1) this.timeline.reveal(ms);
    this.follow(ms);
    this.say('');
  }

  // follow makes the incident under the playhead the current one, unless
  // the current one is still under it, or the reviewer is working in its
  // article (a note half written stays in view).
  follow(ms) {
    const inside = (v) => ms >= v.start_ms && ms < Math.max(v.end_ms, v.start_ms + pointMS);
    const cur = this.incidents[this.cur];
    if (cur && inside(cur)) return;
    if (document.activeElement && document.activeElement.closest('article.violation.current')) return;
    let found = -1;
    this.incidents.forEach((v, j) => { if (inside(v)) found = j; });
    if (found >= 0) this.select(found, false);
  }

  showFrame(ms) {
    const i = this.frameAt(ms);
    if (i < 0) return;
    const src = this.root.dataset.frames + this.frames[i][0];
    if (this.img.getAttribute('src') !== src) this.img.src = src;
    if (i + 1 < this.frames.length) new Image().src = this.root.dataset.frames + this.frames[i + 1][0];
  }

  // frameAt is the last frame captured at or before ms (binary search).
  frameAt(ms) {
    let lo = 0, hi = this.frames.length - 1, found = this.frames.length ? 0 : -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.frames[mid][1] <= ms) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  // say writes the caption: what is under the playhead, after a prefix.
  // It is a live region, so it changes only when that changes (the clock
  // beside the slider tells the time).
  say(prefix) {
    const ms = this.t;
    const inside = this.incidents.filter((v) => ms >= v.start_ms && ms < Math.max(v.end_ms, v.start_ms + pointMS));
    let text = inside.length
      ? 'Now: ' + inside.map((v) => v.label + (v.cause ? ' (' + v.cause + ')' : '') + (v.applied ? '' : ', not applied')).join('; ')
      : 'No incident at this moment';
    const gap = (this.tl.gaps || []).find(([from, to]) => ms >= from && ms < to);
    if (gap) text += '. Nothing was recorded from ' + fmt(gap[0]) + ' to ' + fmt(gap[1]);
    text = prefix + text;
    if (this.current.textContent !== text) this.current.textContent = text;
    this.current.classList.toggle('alert', inside.some((v) => v.applied));
  }
}
