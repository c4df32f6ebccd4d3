// The receipt a student sees and downloads when the exam ends: what Vigil
// received (from the server), that nothing waits on this computer, and
// what had to be sent again after the connection dropped or the page
// closed (from this computer's own record).

const $ = (id) => document.getElementById(id);

// STREAMS name the client's queues as the receipt says them.
const STREAMS = {
  frames: 'webcam pictures', chunks_webcam: 'pieces of webcam video', chunks_screen: 'pieces of screen video',
  audio: 'pieces of sound', events: 'batches of browser events',
};

export function when(t) {
  if (!t || t.startsWith('0001-')) return '—';
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function size(n) {
  if (n < 1000) return n + ' B';
  if (n < 1e6) return (n / 1e3).toFixed(1) + ' kB';
  return (n / 1e6).toFixed(1) + ' MB';
}

function minutes(m) { return m > 0 ? m.toFixed(1) : '—'; }

// resentText says what waited on this computer and was sent later.
export function resentText(local) {
  const r = (local && local.resent) || {};
  const parts = Object.keys(STREAMS).filter((k) => r[k] > 0).map((k) => `${r[k]} ${STREAMS[k]}`);
  if (parts.length === 0) return '';
  const drops = local.drops || 0;
  const why = drops > 0 ? `The connection dropped ${drops === 1 ? 'once' : drops + ' times'}` : 'The page was closed before everything was sent';
  return `${why}: ${parts.join(', ')} waited on this computer and were sent again afterwards. All of them arrived.`;
}

// show fills the receipt section. local is this computer's record of the
// session (undefined when the exam was taken on another computer).
export function show(r, local, pending) {
  const facts = [
    ['Exam', `${r.exam} (${r.course})`], ['Student', r.student], ['Attempt', String(r.attempt)],
    ['Started', when(r.started_at)], ['Recording', `${when(r.recorded_from)} to ${when(r.recorded_to)}`],
    ['Finished', when(r.finished_at)], ['Session', String(r.session_id)],
  ];
  const dl = $('receipt-facts');
  dl.replaceChildren();
  for (const [k, v] of facts) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  const body = $('receipt-kinds').tBodies[0];
  body.replaceChildren();
  for (const k of r.kinds) {
    const tr = document.createElement('tr');
    for (const [i, v] of [k.label, String(k.count), minutes(k.minutes), k.bytes > 0 ? size(k.bytes) : '—'].entries()) {
      const cell = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) cell.scope = 'row';
      cell.textContent = v;
      tr.append(cell);
    }
    body.append(tr);
  }
  $('receipt-pending').textContent = pendingText(r, pending);
  const resent = resentText(local);
  $('receipt-resent').textContent = resent;
  $('receipt-resent').hidden = !resent;
  $('receipt-hash').textContent = r.purged ? 'not available: the recording has been deleted under the retention policy' : r.sha256;
  const link = $('receipt-download');
  link.href = URL.createObjectURL(new Blob([text(r, pending, resent)], { type: 'text/plain;charset=utf-8' }));
  link.download = `vigil-receipt-session-${r.session_id}.txt`;
  $('receipt').hidden = false;
  document.body.dataset.receipt = 'shown';
}

function pendingText(r, pending) {
  if (pending > 0) return `${pending} recording${pending === 1 ? '' : 's'} still wait${pending === 1 ? 's' : ''} on this computer: keep this window open until they are sent.`;
  if (!r.finished) return 'Nothing waits on this computer.';
  return 'Nothing waits on this computer: Vigil confirmed it has received everything that was recorded.';
}

// text is the receipt as a plain-text file.
export function text(r, pending, resent) {
  const lines = [
    'Vigil receipt', '',
    `Exam:       ${r.exam} (${r.course}), attempt ${r.attempt}`,
    `Student:    ${r.student}`,
    `Session:    ${r.session_id}`,
    `Started:    ${when(r.started_at)}`,
    `Recording:  ${when(r.recorded_from)} to ${when(r.recorded_to)}`,
    `Finished:   ${when(r.finished_at)}`, '',
    'What Vigil received:',
    ...r.kinds.map((k) => `  ${k.label}: ${k.count} pieces` + (k.minutes > 0 ? `, ${minutes(k.minutes)} minutes` : '') + (k.bytes > 0 ? `, ${size(k.bytes)}` : '')),
    `  In all: ${r.items} pieces, ${size(r.bytes)}`, '',
    pendingText(r, pending),
  ];
  if (resent) lines.push(resent);
  lines.push('', `Fingerprint of everything uploaded (SHA-256): ${r.purged ? 'not available (recording deleted)' : r.sha256}`,
    'It is the SHA-256 of one line per piece, "<kind> <number> <SHA-256 of the piece>", in the order Vigil lists them;',
    'your institution can compute it again from its records to show that nothing was changed or lost.', '');
  return lines.join('\n');
}
