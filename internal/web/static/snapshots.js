// Online Violations: each incident's snapshots — the webcam frame just
// before it, frames during it, and the frame just after — with previous /
// play / next controls. Each snapshot says where it lies.

const words = { before: 'just before the incident', during: 'during the incident', after: 'just after the incident' };

function setup(box) {
  const snaps = box.dataset.frames.split(',').map((s) => {
    const [where, seq] = s.split(':');
    return { where, seq };
  });
  const img = box.querySelector('img');
  const pos = box.querySelector('.pos');
  const playBtn = box.querySelector('.play');
  let i = Math.max(0, snaps.findIndex((s) => s.seq === box.dataset.first));
  let timer = null;

  const show = (n) => {
    i = (n + snaps.length) % snaps.length;
    img.src = box.dataset.base + snaps[i].seq;
    const label = (i + 1) + ' / ' + snaps.length + ', ' + words[snaps[i].where];
    img.alt = 'Snapshot ' + label;
    pos.textContent = label;
  };
  const stop = () => {
    clearInterval(timer);
    timer = null;
    playBtn.textContent = '▶';
    playBtn.setAttribute('aria-label', 'Play snapshots');
  };
  box.querySelector('.prev').addEventListener('click', () => { stop(); show(i - 1); });
  box.querySelector('.next').addEventListener('click', () => { stop(); show(i + 1); });
  playBtn.addEventListener('click', () => {
    if (timer) { stop(); return; }
    playBtn.textContent = '❚❚';
    playBtn.setAttribute('aria-label', 'Pause snapshots');
    show(0);
    timer = setInterval(() => {
      if (i + 1 >= snaps.length) { stop(); return; }
      show(i + 1);
    }, 700);
  });
  show(i);
}

for (const box of document.querySelectorAll('.snapshots')) setup(box);
