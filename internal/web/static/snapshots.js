// Online Violations: each incident's snapshots (webcam frames before, during
// and after it) with previous / play / next controls.

for (const box of document.querySelectorAll('.snapshots')) setup(box);

function setup(box) {
  const seqs = box.dataset.frames.split(',');
  const img = box.querySelector('img');
  const pos = box.querySelector('.pos');
  const playBtn = box.querySelector('.play');
  let i = 0;
  let timer = null;

  const show = (n) => {
    i = (n + seqs.length) % seqs.length;
    img.src = box.dataset.base + seqs[i];
    img.alt = 'Snapshot ' + (i + 1) + ' of ' + seqs.length + ' for this incident';
    pos.textContent = (i + 1) + ' / ' + seqs.length;
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
    timer = setInterval(() => {
      if (i + 1 >= seqs.length) { stop(); return; }
      show(i + 1);
    }, 700);
  });
}
