// The student's own review, once the instructor releases it: each flag
// with the evidence the instructor sees (other people's faces hidden by
// the server) and a box to explain it, sent together in one go.

import * as api from './api.js';
import { when } from './receipt.js';

const $ = (id) => document.getElementById(id);

function clock(s) {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, sec = t % 60;
  return (h > 0 ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(sec).padStart(2, '0');
}

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

// show fetches the review and, when it is released, shows it.
export async function show(session) {
  const r = await api.review(session);
  if (!r.released) return false;
  $('review-intro').textContent = intro(r);
  const box = $('review-flags');
  box.replaceChildren();
  for (const f of r.flags) box.append(await flag(session, f, r.open));
  const send = $('send-explanations');
  send.hidden = !r.open || r.flags.length === 0;
  send.onclick = () => sendAll(session, r.flags);
  $('review').hidden = false;
  document.body.dataset.review = 'shown';
  return true;
}

function intro(r) {
  const status = r.final ? `Your instructor has finished the review. Status: ${r.status}.`
    : `Status so far: ${r.status}. This is not final: your instructor decides after reading your explanations.`;
  if (r.flags.length === 0) return `Your instructor released the review of this exam on ${when(r.released_at)}. Nothing was flagged. ${status}`;
  const until = r.open ? `You can explain each flag until ${when(r.explain_until)}.` : `Explanations were accepted until ${when(r.explain_until)}.`;
  const deleted = r.media_deleted ? ' The pictures and sound have since been deleted under the retention policy.' : '';
  return `Your instructor released the review of this exam on ${when(r.released_at)}. ${r.flags.length} moment${r.flags.length === 1 ? ' was' : 's were'} flagged. ${until} ${status}${deleted}`;
}

async function flag(session, f, open) {
  const art = el('article', { className: 'flag', id: 'flag-' + f.id });
  art.dataset.key = f.key;
  const span = f.to_s - f.from_s < 1 ? `at ${clock(f.from_s)}` : `${clock(f.from_s)} to ${clock(f.to_s)}`;
  const h = el('h3', { id: 'flag-h-' + f.id }, `${f.label}, ${span} into the recording`);
  art.setAttribute('aria-labelledby', h.id);
  art.append(h, el('p', {}, f.help + (f.cause ? ` Cause: ${f.cause}.` : '')));
  if (f.decision !== 'Not reviewed') art.append(el('p', { className: 'small' }, `Your instructor's decision: ${f.decision}.`));
  if (f.notes.length) art.append(el('ul', { className: 'plain small' }, ...f.notes.map((n) => el('li', {}, n))));
  if (f.frames.length) art.append(await pictures(session, f));
  if (f.photos.length) art.append(await idPhotos(session, f));
  if (f.audio) art.append(await sound(session, f));
  if (f.screen) art.append(screen(session, f));
  const id = 'explain-' + f.id;
  const area = el('textarea', { id, rows: 3, maxLength: 2000, value: f.explanation || '', readOnly: !open });
  area.dataset.key = f.key;
  area.dataset.saved = f.explanation || '';
  art.append(el('label', { htmlFor: id }, open ? 'Your explanation of this flag (optional)' : 'Your explanation'), area);
  return art;
}

async function pictures(session, f) {
  const fig = el('figure', { className: 'evidence-pictures' });
  for (const fr of f.frames) {
    try {
      const src = await api.media(session, `evidence/${f.id}/frames/${fr.seq}`);
      fig.append(el('img', { src, alt: `Webcam picture ${fr.where} the flag`, width: 160, height: 120 }));
    } catch (err) {
      fig.append(el('p', { className: 'small' }, `A picture could not be loaded (${err.message}).`));
    }
  }
  fig.append(el('figcaption', { className: 'small muted' }, 'The webcam pictures your instructor sees for this flag. Faces of other people are hidden.'));
  return fig;
}

// idPhotos shows a Different Person's photos: the onboarding photo and
// the scan that did not match it (other faces hidden by the server).
async function idPhotos(session, f) {
  const box = el('div', { className: 'identity-photos' });
  for (const p of f.photos) {
    const fig = el('figure', { className: 'compare' });
    const caption = p.onboarding ? `${p.label} (${when(p.at)}), compared with` : `${p.label} (${when(p.at)}): ${p.result}`;
    try {
      const src = await api.media(session, `evidence/${f.id}/photos/${p.id}`);
      fig.append(el('img', { src, alt: p.label, width: 200 }));
    } catch (err) {
      fig.append(el('p', { className: 'small' }, `This photo could not be loaded (${err.message}).`));
    }
    fig.append(el('figcaption', { className: 'small' }, caption));
    box.append(fig);
  }
  return box;
}

// screen offers the screen recording at the flag's moment: on request it
// asks for a short-lived link and plays it from there (#t= seeks).
function screen(session, f) {
  const box = el('div', { className: 'evidence-screen' });
  const button = el('button', { type: 'button', className: 'secondary' }, 'Show my screen at this moment');
  const note = el('p', { className: 'small', role: 'status' });
  button.onclick = async () => {
    button.disabled = true;
    try {
      const { url } = await api.screenLink(session, f.id);
      const video = el('video', { controls: true, preload: 'metadata', src: url, width: 480 });
      video.setAttribute('aria-label', 'Your screen recording at the moment of this flag');
      button.replaceWith(video);
      video.focus();
      note.textContent = 'The screen recording your instructor sees for this flag, from its moment. Its link works for 15 minutes; after that, reload this page to watch it again.';
    } catch (err) {
      button.disabled = false;
      note.textContent = `The screen recording could not be opened (${err.message}).`;
    }
  };
  box.append(button, note);
  return box;
}

async function sound(session, f) {
  const fig = el('figure', { className: 'evidence-sound' });
  try {
    const src = await api.media(session, `evidence/${f.id}/audio`);
    fig.append(el('audio', { controls: true, preload: 'none', src }));
    fig.lastChild.setAttribute('aria-label', 'The sound of this flag, a second either side');
  } catch (err) {
    fig.append(el('p', { className: 'small' }, `The sound could not be loaded (${err.message}).`));
  }
  fig.append(el('figcaption', { className: 'small muted' }, 'The sound your instructor hears for this flag.'));
  return fig;
}

// sendAll sends every explanation that changed, in one request: the
// instructors get one mail for them.
async function sendAll(session) {
  const areas = [...document.querySelectorAll('#review-flags textarea')];
  const changed = areas.filter((a) => a.value.trim() !== '' && a.value.trim() !== a.dataset.saved);
  const result = $('review-result');
  if (changed.length === 0) {
    result.textContent = 'There is nothing new to send: write an explanation in a box first.';
    return;
  }
  $('send-explanations').disabled = true;
  try {
    const res = await api.withRetry(() => api.explain(session, changed.map((a) => ({ key: a.dataset.key, text: a.value }))));
    for (const a of changed) a.dataset.saved = a.value.trim();
    result.textContent = `Sent: ${res.saved} explanation${res.saved === 1 ? '' : 's'}. Your instructor will read ${res.saved === 1 ? 'it' : 'them'} beside the evidence. You can change ${res.saved === 1 ? 'it' : 'them'} until the date above.`;
    document.body.dataset.explained = String(res.saved);
  } catch (err) {
    result.textContent = `Your explanations could not be sent (${err.message}). Nothing was lost: press the button again.`;
  } finally {
    $('send-explanations').disabled = false;
  }
}
