// Video Monitoring: plays a session — the recorded webcam video when there
// is one, otherwise the uploaded frames at their real timing — with the
// violations visualizer under it. Every span is a button: selecting it seeks
// there. The span under the playhead turns red and is named beside the player.

const root = document.getElementById('player');
if (root) {
  load(root).catch((err) => {
    document.getElementById('current').textContent = 'The timeline could not be loaded: ' + err.message;
  });
}

async function load(root) {
  const res = await fetch(root.dataset.timeline, { credentials: 'same-origin' });
  if (!res.ok) throw new Error('the server answered ' + res.status);
  new Player(root, await res.json());
}

// fmt writes milliseconds as m:ss or h:mm:ss.
function fmt(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return (h ? h + ':' : '') + mm + ':' + String(r).padStart(2, '0');
}

// A point incident (a key press) is shown as lasting one second.
const pointMS = 1000;

class Player {
  constructor(root, tl) {
    this.root = root;
    this.tl = tl;
    this.frames = tl.frames;
    this.duration = Math.max(tl.duration_ms, this.frames.length ? this.frames[this.frames.length - 1][1] + 1000 : 0);
    this.t = 0;
    this.playing = false;
    this.img = root.querySelector('#frame');
    this.video = root.querySelector('#video');
    this.seekEl = root.querySelector('#seek');
    this.clock = root.querySelector('#clock');
    this.current = root.querySelector('#current');
    this.playBtn = root.querySelector('#play');
    this.seekEl.max = String(this.duration);
    this.drawGaps(root.querySelector('#timeline'));
    this.spans = this.drawSpans(root.querySelector('#timeline'));
    this.seekEl.addEventListener('input', () => this.seek(Number(this.seekEl.value)));
    this.playBtn.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    if (this.video && !(tl.video || []).length) { this.video.hidden = true; this.video = null; }
    if (this.video) this.setupVideo();
    this.seek(0);
  }

  // drawGaps marks the stretches without recording (offline, camera lost):
  // hatched, so they read as gaps without colour.
  drawGaps(box) {
    for (const [from, to] of this.tl.gaps || []) {
      const g = document.createElement('span');
      g.className = 'gap';
      g.style.left = (100 * from / this.duration) + '%';
      g.style.width = (100 * (to - from) / this.duration) + '%';
      g.title = 'Nothing recorded from ' + fmt(from) + ' to ' + fmt(to);
      box.appendChild(g);
    }
  }

  drawSpans(box) {
    const spans = [];
    for (const v of this.tl.violations) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'span ' + v.type + (v.applied ? ' applied' : ' off');
      const end = Math.max(v.end_ms, v.start_ms + pointMS);
      b.style.left = (100 * v.start_ms / this.duration) + '%';
      b.style.width = Math.max(0.6, 100 * (end - v.start_ms) / this.duration) + '%';
      b.dataset.start = String(v.start_ms);
      b.setAttribute('aria-label', v.label + ' from ' + fmt(v.start_ms) + ' to ' + fmt(v.end_ms) + (v.applied ? '' : ' (not applied)'));
      b.title = b.getAttribute('aria-label');
      b.addEventListener('click', () => this.seek(v.start_ms));
      box.appendChild(b);
      spans.push({ el: b, v, end });
    }
    return spans;
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
    this.video.currentTime = Math.max(0, seconds);
  }

  play() {
    if (this.t >= this.duration) this.seek(0);
    this.playing = true;
    this.playBtn.textContent = 'Pause';
    this.playBtn.setAttribute('aria-label', 'Pause');
    if (this.video) { this.video.play(); return; }
    let last = performance.now();
    const step = (now) => {
      if (!this.playing) return;
      this.show(Math.min(this.duration, this.t + (now - last)));
      last = now;
      if (this.t >= this.duration) { this.pause(); return; }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  pause() {
    this.playing = false;
    this.playBtn.textContent = 'Play';
    this.playBtn.setAttribute('aria-label', 'Play');
    if (this.video) this.video.pause();
  }

  seek(ms) {
    ms = Math.max(0, Math.min(this.duration, ms));
    const seg = this.video && this.segmentAt(ms);
    if (seg) this.useSegment(seg, (ms - seg.offset_ms) / 1000);
    this.show(ms);
  }

  // show moves the playhead to ms: frame, slider, clock, spans, caption.
  show(ms) {
    this.t = ms;
    this.root.dataset.time = String(Math.round(ms));
    this.seekEl.value = String(Math.round(ms));
    this.seekEl.setAttribute('aria-valuetext', fmt(ms));
    this.clock.textContent = fmt(ms) + ' / ' + fmt(this.duration);
    if (this.img) this.showFrame(ms);
    this.markSpans(ms);
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

  markSpans(ms) {
    const inside = [];
    for (const s of this.spans) {
      const on = ms >= s.v.start_ms && ms < s.end;
      s.el.classList.toggle('active', on);
      if (on) inside.push(s.v);
    }
    const text = inside.length
      ? 'Now: ' + inside.map((v) => v.label + (v.cause ? ' (' + v.cause + ')' : '') + (v.applied ? '' : ', not applied')).join('; ')
      : 'No incident at ' + fmt(ms);
    if (this.current.textContent !== text) this.current.textContent = text;
    this.current.classList.toggle('alert', inside.some((v) => v.applied));
  }
}
