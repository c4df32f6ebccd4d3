// The Exports page: while a request is waiting or building, poll its
// progress; when one finishes, reload so its link (or error) shows.

const table = document.getElementById('exports');
const active = (state) => state === 'queued' || state === 'building';
const POLL_MS = 2000;

async function poll() {
  const res = await fetch('/exports.json', { cache: 'no-store' }).catch(() => null);
  if (!res || !res.ok) return true;
  let finished = false;
  for (const st of await res.json()) {
    const row = document.getElementById('export-' + st.id);
    if (!row) continue;
    if (active(row.dataset.state) && !active(st.state)) finished = true;
    const progress = document.getElementById('progress-' + st.id);
    if (progress) { progress.value = st.percent; progress.textContent = st.percent + '%'; }
    const files = document.getElementById('files-' + st.id);
    if (files) files.textContent = `${st.files_done} of ${st.files_total} files`;
    const state = document.getElementById('state-' + st.id);
    if (state) state.textContent = st.label;
  }
  if (finished) location.reload();
  return !finished;
}

async function loop() {
  while (await poll()) await new Promise((r) => setTimeout(r, POLL_MS));
}

if (table && [...table.querySelectorAll('tr[data-state]')].some((tr) => active(tr.dataset.state))) loop();
