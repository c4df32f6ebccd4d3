// The violations visualizer: one lane per violation type that occurs, each
// named in words and drawn in its own colour and pattern (colour-blind
// safe: the pattern tells the types apart without colour), under a time
// axis in exam time. Every span and point is a button of at least 24×24
// px; spans that would touch are stacked in rows of their lane, so none
// hides another. Zoom widens the track; pan is the scroll bar (or the
// arrow keys on it). Stretches without recording are hatched.

// fmt writes milliseconds as m:ss or h:mm:ss.
export function fmt(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return (h ? h + ':' : '') + mm + ':' + String(r).padStart(2, '0');
}

// A point incident (a key press) counts as lasting one second.
export const pointMS = 1000;
const target = 24; // px: the smallest span, WCAG 2.2 target size
const rowH = 26; // px: one stacked row, a target and a gap
const tickGap = 72; // px: the least room between two axis labels
const tickSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);
const styles = 10; // vigil.css draws .sty-0 … .sty-9

const decisionWords = { excused: 'excused', confirmed: 'confirmed' };
const marks = { excused: '✓', confirmed: '!' };

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// spanLabel says everything the span shows, in words.
export function spanLabel(v) {
  const point = v.end_ms <= v.start_ms;
  let s = v.label + (point ? ' at ' + fmt(v.start_ms) : ', ' + fmt(v.start_ms) + ' to ' + fmt(v.end_ms));
  if (v.cause) s += ' (' + v.cause + ')';
  s += v.applied ? ', applied by the rules' : ', not applied';
  if (v.decision) s += ', ' + decisionWords[v.decision] + (v.decided_by ? ' by ' + v.decided_by : '');
  return s;
}

export class Timeline {
  // box is the #timeline element; tl the timeline JSON; duration in ms;
  // pick(v) is called when a span is chosen, seek(ms) when the axis is,
  // laid() after each layout.
  constructor(box, tl, duration, { pick, seek, laid }) {
    this.box = box;
    this.tl = tl;
    this.duration = Math.max(duration, 1000);
    this.pick = pick;
    this.seekTo = seek;
    this.laid = laid || (() => {});
    this.zoom = 1;
    this.maxZoom = 1;
    while (this.maxZoom < 256 && this.duration / this.maxZoom > 10000) this.maxZoom *= 2;
    this.build();
    this.layout();
    new ResizeObserver(() => this.layout()).observe(this.box);
  }

  build() {
    const order = (this.tl.types || []).map((t) => t.id);
    const types = [];
    for (const id of order) if (this.tl.violations.some((v) => v.type === id)) types.push(id);
    for (const v of this.tl.violations) if (!types.includes(v.type)) types.push(v.type);
    this.scroll = el('div', 'tl-scroll');
    this.canvas = el('div', 'tl-canvas');
    this.scroll.appendChild(this.canvas);
    this.box.replaceChildren(this.scroll);

    const axisRow = el('div', 'tl-row tl-axis-row');
    // The corner above the lane names holds the zoom buttons.
    const corner = el('div', 'tl-label tl-corner');
    const zoom = document.getElementById('zoom');
    if (zoom) corner.append(zoom);
    axisRow.append(corner);
    this.axis = el('div', 'tl-track tl-axis');
    this.axis.title = 'Select a moment on the axis to move there';
    this.axis.addEventListener('click', (e) => {
      const r = this.axis.getBoundingClientRect();
      this.seekTo((e.clientX - r.left) / this.px);
    });
    axisRow.append(this.axis);
    this.canvas.append(axisRow);

    this.lanes = [];
    this.spans = [];
    for (const type of types) {
      const vs = this.tl.violations.filter((v) => v.type === type);
      const i = order.indexOf(type);
      const sty = 'sty-' + (i < 0 ? styles - 1 : i % styles);
      const row = el('div', 'tl-row');
      row.dataset.type = type;
      const label = el('div', 'tl-label');
      label.append(el('span', 'swatch ' + sty), el('span', 'name', vs[0].label));
      const track = el('div', 'tl-track');
      row.append(label, track);
      this.canvas.append(row);
      const lane = { type, track, spans: [] };
      for (const v of vs) {
        const s = this.span(v, sty);
        track.append(s.el);
        lane.spans.push(s);
        this.spans.push(s);
      }
      this.lanes.push(lane);
    }
    if (!types.length) {
      const row = el('div', 'tl-row');
      row.append(el('div', 'tl-label', 'Incidents'), el('div', 'tl-track tl-empty', 'No incidents in this session'));
      this.canvas.append(row);
    }
    this.order = [...this.spans].sort((a, b) => a.v.start_ms - b.v.start_ms || a.v.id - b.v.id);
    if (this.order.length) this.order[0].el.tabIndex = 0;
    this.canvas.addEventListener('keydown', (e) => this.keys(e));

    this.overlay = el('div', 'tl-overlay');
    this.gaps = (this.tl.gaps || []).map(([from, to]) => {
      const g = el('div', 'gap');
      g.title = 'Nothing recorded from ' + fmt(from) + ' to ' + fmt(to);
      this.overlay.append(g);
      return { el: g, from, to };
    });
    this.playhead = el('div', 'playhead');
    this.canvas.append(this.overlay, this.playhead);
  }

  span(v, sty) {
    const b = el('button', 'span ' + v.type + ' ' + sty + (v.applied ? ' applied' : ' off') + (v.decision ? ' ' + v.decision : ''));
    b.type = 'button';
    b.tabIndex = -1;
    b.dataset.start = String(v.start_ms);
    b.dataset.id = String(v.id);
    b.setAttribute('aria-label', spanLabel(v));
    b.title = spanLabel(v);
    if (marks[v.decision]) {
      const m = el('span', 'mark', marks[v.decision]);
      m.setAttribute('aria-hidden', 'true');
      b.append(m);
    }
    b.addEventListener('click', () => this.pick(v));
    return { el: b, v, end: Math.max(v.end_ms, v.start_ms + pointMS) };
  }

  // layout places everything for the current width and zoom.
  layout() {
    const labelW = this.axis.previousElementSibling.offsetWidth;
    const view = Math.max(this.scroll.clientWidth - labelW, 2 * target);
    this.view = view;
    this.labelW = labelW;
    this.trackW = view * this.zoom;
    this.px = this.trackW / this.duration;
    this.canvas.style.setProperty('--track-w', this.trackW + 'px');
    for (const lane of this.lanes) this.pack(lane);
    this.ticks();
    for (const g of this.gaps) {
      g.el.style.left = g.from * this.px + 'px';
      g.el.style.width = Math.max(2, (g.to - g.from) * this.px) + 'px';
    }
    this.movePlayhead();
    this.laid();
  }

  // pack stacks a lane's spans: each in the first row where it touches
  // nothing, at least target px wide (a point centred on its moment).
  pack(lane) {
    const rows = [];
    const sorted = [...lane.spans].sort((a, b) => a.v.start_ms - b.v.start_ms || a.v.id - b.v.id);
    for (const s of sorted) {
      const point = s.v.end_ms <= s.v.start_ms;
      const w = Math.max(target, (s.end - s.v.start_ms) * this.px);
      let x = s.v.start_ms * this.px - (point ? target / 2 : 0);
      x = Math.max(0, Math.min(x, this.trackW - w));
      let row = rows.findIndex((right) => right + 2 <= x);
      if (row < 0) row = rows.length;
      rows[row] = x + w;
      Object.assign(s.el.style, { left: x + 'px', width: w + 'px', top: 2 + row * rowH + 'px' });
      s.row = row;
    }
    lane.track.style.height = Math.max(1, rows.length) * rowH + 2 + 'px';
  }

  ticks() {
    const step = tickSteps.find((s) => s * this.px >= tickGap) || tickSteps[tickSteps.length - 1];
    const frag = document.createDocumentFragment();
    for (let t = 0; t <= this.duration; t += step) {
      const tick = el('span', 'tick', fmt(t));
      tick.style.left = t * this.px + 'px';
      frag.append(tick);
    }
    this.axis.replaceChildren(frag);
  }

  setZoom(z, anchor) {
    z = Math.max(1, Math.min(this.maxZoom, z));
    if (z === this.zoom) return;
    const at = anchor * this.px - this.scroll.scrollLeft;
    this.zoom = z;
    this.layout();
    this.scroll.scrollLeft = anchor * this.px - at;
  }

  // visible reports whether ms is within the part of the track shown.
  visible(ms) {
    const x = ms * this.px - this.scroll.scrollLeft;
    return x >= 0 && x <= this.view;
  }

  // reveal pans so that ms is in view.
  reveal(ms) {
    if (!this.visible(ms)) this.scroll.scrollLeft = ms * this.px - this.view * 0.1;
  }

  // centre is the time in the middle of the view.
  centre() {
    return (this.scroll.scrollLeft + this.view / 2) / this.px;
  }

  show(ms) {
    this.t = ms;
    this.movePlayhead();
    for (const s of this.spans) s.el.classList.toggle('active', ms >= s.v.start_ms && ms < s.end);
  }

  movePlayhead() {
    this.playhead.style.left = this.labelW + (this.t || 0) * this.px + 'px';
  }

  // current marks the span of the current incident and makes it the one
  // Tab reaches.
  current(id) {
    for (const s of this.spans) {
      const on = s.v.id === id;
      if (on) s.el.setAttribute('aria-current', 'true');
      else s.el.removeAttribute('aria-current');
      s.el.tabIndex = on ? 0 : -1;
    }
  }

  spanOf(id) {
    return this.spans.find((s) => s.v.id === id);
  }

  // keys: the arrow keys, Home and End move between spans in time order.
  keys(e) {
    const i = this.order.findIndex((s) => s.el === e.target);
    if (i < 0) return;
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: this.order.length - 1 }[e.key];
    if (to === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    const s = this.order[Math.max(0, Math.min(this.order.length - 1, to))];
    for (const o of this.order) o.el.tabIndex = o === s ? 0 : -1;
    s.el.focus();
  }
}
