// Identity photos: onboarding (once per student) and the verification scans
// before each exam. The server checks each photo at once; the student sees
// why one was not accepted and takes it again. Every attempt is kept.

const INSTRUCTIONS = {
  'onboarding/face': 'Your profile photo. Look straight at the camera, alone, with your face well lit from the front and nothing covering it. Your instructors see this photo when they review your exams.',
  'onboarding/id': 'Your photo ID (student card, driving licence or passport). Hold it close to the camera with its photo facing the camera, so that it fills most of the picture and is sharp.',
  'verification/face': 'A photo of you for this exam. Look straight at the camera, alone and well lit.',
  'verification/id': 'Your photo ID again, for this exam. Hold it up to the camera with its photo facing the camera.',
  'verification/room': 'A scan of your room. When you press the button, turn your camera (or your laptop) slowly all the way around the room. Vigil takes a photo every two seconds, four in all.',
};

// NAMES say what each accepted photo is, for its caption and its
// description to screen readers.
const NAMES = {
  'onboarding/face': 'Your profile photo',
  'onboarding/id': 'Your photo ID',
  'verification/face': 'Your photo for this exam',
  'verification/id': 'Your photo ID for this exam',
  'verification/room': 'Your room',
};

// refusal turns the server's reason ("no face found: look straight at the
// camera …") into two sentences: what was wrong, and what to do.
export function refusal(reason) {
  const up = (t) => t.charAt(0).toUpperCase() + t.slice(1);
  const text = String(reason || 'the photo could not be used').trim().replace(/[.]$/, '');
  const i = text.indexOf(': ');
  const why = i < 0 ? text : text.slice(0, i);
  const fix = i < 0 ? '' : up(text.slice(i + 2).replace(/,? then retake$/, '')) + '. ';
  return `Not accepted: ${why}. ${fix}Take it again when you are ready.`;
}

const ROOM_PHOTOS = 4;
const ROOM_EVERY_MS = 2000;

export class PhotoStep {
  constructor({ camera, preview, button, result, instructions, counter, upload, accepted }) {
    Object.assign(this, { camera, preview, button, result, instructions, counter, upload, accepted });
    this.preview.srcObject = camera;
    this.attempts = 0; // counted on the page, for tests and for support
  }

  // run takes every photo of the plan in turn, until each is accepted.
  async run(plan) {
    for (let i = 0; i < plan.length; i++) {
      const [purpose, kind] = plan[i];
      this.counter.textContent = `Photo ${i + 1} of ${plan.length}`;
      this.instructions.textContent = INSTRUCTIONS[purpose + '/' + kind];
      this.result.textContent = '';
      delete this.result.dataset.passed;
      this.button.textContent = kind === 'room' ? 'Start the room scan' : 'Take the photo';
      while (!(await this.attempt(purpose, kind))) {
        this.button.textContent = kind === 'room' ? 'Scan the room again' : 'Take the photo again';
      }
    }
  }

  // attempt waits for the button, takes the photo (or the room photos),
  // sends it and reports whether it was accepted.
  async attempt(purpose, kind) {
    await new Promise((resolve) => { this.button.onclick = resolve; });
    this.button.disabled = true;
    try {
      if (kind === 'room') return await this.roomScan(purpose);
      this.result.textContent = 'Checking the photo…';
      const photo = await this.snap();
      const res = await this.upload(purpose, kind, photo, new Date().toISOString());
      this.result.textContent = res.passed ? `Accepted: ${NAMES[purpose + '/' + kind].toLowerCase()}, shown below.` : refusal(res.reason);
      this.result.dataset.passed = String(res.passed);
      if (res.passed) this.showBack(purpose, kind, photo);
      return res.passed;
    } catch (err) {
      this.result.textContent = `The photo could not be checked (${err.message}). Please take it again.`;
      this.result.dataset.passed = 'false';
      return false;
    } finally {
      this.result.dataset.attempts = String(++this.attempts);
      this.button.disabled = false;
    }
  }

  async roomScan(purpose) {
    let accepted = 0;
    let last = null;
    for (let i = 0; i < ROOM_PHOTOS; i++) {
      this.result.textContent = `Keep turning slowly: photo ${i + 1} of ${ROOM_PHOTOS}…`;
      const photo = await this.snap();
      const res = await this.upload(purpose, 'room', photo, new Date().toISOString());
      if (res.passed) { accepted++; last = photo; }
      if (i + 1 < ROOM_PHOTOS) await new Promise((r) => setTimeout(r, ROOM_EVERY_MS));
    }
    const ok = accepted > 0;
    if (ok) this.showBack(purpose, 'room', last);
    this.result.textContent = ok ? 'Room scan done.' : 'The room could not be seen in any photo. Turn on a light, then scan again.';
    this.result.dataset.passed = String(ok);
    return ok;
  }

  // showBack shows an accepted photo to the student, as it was sent.
  showBack(purpose, kind, photo) {
    if (!this.accepted) return;
    const name = NAMES[purpose + '/' + kind];
    const li = document.createElement('li');
    const img = document.createElement('img');
    img.src = URL.createObjectURL(photo);
    img.alt = name + ', as Vigil accepted it';
    img.width = 160;
    img.height = 120;
    const cap = document.createElement('span');
    cap.textContent = name;
    li.append(img, cap);
    this.accepted.list.append(li);
    this.accepted.box.hidden = false;
  }

  // snap takes a full-size still of what the student sees in the preview,
  // as a JPEG.
  async snap() {
    const v = this.preview;
    if (v.readyState < 2) await new Promise((r) => v.addEventListener('loadeddata', r, { once: true }));
    const canvas = new OffscreenCanvas(v.videoWidth, v.videoHeight);
    canvas.getContext('2d').drawImage(v, 0, 0);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  }
}
