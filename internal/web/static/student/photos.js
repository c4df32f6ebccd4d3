// Identity photos: onboarding (once per student) and the verification scans
// before each exam. The server checks each photo at once; the student sees
// why one was not accepted and takes it again. Every attempt is kept.

const INSTRUCTIONS = {
  'onboarding/face': 'Your profile photo. Look straight at the camera, alone, with your face well lit from the front and nothing covering it. Your instructors see this photo when they review your exams.',
  'onboarding/id': 'Your photo ID (student card, driving licence or passport). Hold it close to the camera with its photo facing the camera, so that it fills most of the picture and is sharp.',
  'verification/face': 'Before this exam, a photo of you: look straight at the camera, alone and well lit.',
  'verification/id': 'Before this exam, hold your photo ID up to the camera again, its photo facing the camera.',
  'verification/room': 'A scan of your room: when you press the button, turn your camera (or your laptop) slowly all the way around the room. Vigil takes a photo every two seconds, four in all.',
};

const ROOM_PHOTOS = 4;
const ROOM_EVERY_MS = 2000;

export class PhotoStep {
  constructor({ camera, preview, button, result, instructions, counter, upload }) {
    Object.assign(this, { camera, preview, button, result, instructions, counter, upload });
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
      const res = await this.upload(purpose, kind, await this.snap(), new Date().toISOString());
      this.result.textContent = res.passed ? 'Accepted.' : `Not accepted: ${res.reason} Please take it again.`;
      this.result.dataset.passed = String(res.passed);
      return res.passed;
    } catch (err) {
      this.result.textContent = `The photo could not be checked: ${err.message}. Please try again.`;
      this.result.dataset.passed = 'false';
      return false;
    } finally {
      this.result.dataset.attempts = String(++this.attempts);
      this.button.disabled = false;
    }
  }

  async roomScan(purpose) {
    let accepted = 0;
    for (let i = 0; i < ROOM_PHOTOS; i++) {
      this.result.textContent = `Keep turning slowly: photo ${i + 1} of ${ROOM_PHOTOS}…`;
      const res = await this.upload(purpose, 'room', await this.snap(), new Date().toISOString());
      if (res.passed) accepted++;
      if (i + 1 < ROOM_PHOTOS) await new Promise((r) => setTimeout(r, ROOM_EVERY_MS));
    }
    const ok = accepted > 0;
    this.result.textContent = ok ? 'Room scan done.' : 'The room could not be seen in any photo: turn on a light and scan again.';
    this.result.dataset.passed = String(ok);
    return ok;
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
