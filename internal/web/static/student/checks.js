// The system check: each check answers ok, or a problem in plain words with
// the fix. Device failures carry the state the server records (device
// events: denied, error).

// MIN_KBPS: the capture sends about 300 kbit/s at most (docs/API.md); a
// little headroom lets the queue catch up after a hiccup.
export const MIN_KBPS = 400;

export function browser() {
  const missing = [];
  if (!window.isSecureContext) missing.push('a secure (https) connection to Vigil');
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) missing.push('camera and microphone access');
  if (typeof MediaRecorder !== 'function') missing.push('video recording (MediaRecorder)');
  if (!window.indexedDB) missing.push('local storage (IndexedDB)');
  if (typeof AudioWorkletNode !== 'function') missing.push('audio processing (AudioWorklet)');
  if (missing.length === 0) return { ok: true, text: 'supported' };
  return {
    ok: false, text: 'this browser lacks ' + missing.join(', ') + ', which Vigil needs.',
    fix: 'Use a current Chrome, Edge or Firefox on a computer, with this site opened over https. Private windows may block local storage.',
  };
}

// explain turns a getUserMedia / getDisplayMedia failure into words.
function explain(device, err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        ok: false, state: 'denied', text: `permission to use your ${device} was refused.`,
        fix: `Allow the ${device} for this site: click the icon at the left of the address bar (or open the browser's site settings), set the ${device} to Allow, then press “Check again”.`,
      };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return {
        ok: false, state: 'error', text: `no ${device} was found.`,
        fix: `Connect a ${device} or switch it on in your computer's settings, then press “Check again”.`,
      };
    case 'NotReadableError':
    case 'AbortError':
      return {
        ok: false, state: 'error', text: `your ${device} is in use by another program or could not start.`,
        fix: `Close other programs that use the ${device} (video calls, camera apps), then press “Check again”.`,
      };
    default:
      return {
        ok: false, state: 'error', text: `the ${device} could not be started (${err && err.name}).`,
        fix: 'Press “Check again”. If it keeps failing, restart the browser.',
      };
  }
}

export async function camera() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15, max: 30 } },
    });
    const s = stream.getVideoTracks()[0].getSettings();
    return { ok: true, state: 'granted', stream, text: `working (${s.width || '?'}x${s.height || '?'})` };
  } catch (err) {
    return explain('camera', err);
  }
}

// microphone asks for raw sound: the server judges levels itself, so the
// browser's gain control and noise suppression stay off.
export async function microphone() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    return { ok: true, state: 'granted', stream, text: 'working' };
  } catch (err) {
    return explain('microphone', err);
  }
}

const SURFACES = { window: 'a single window', browser: 'a browser tab' };

// screen asks for the entire screen; a window or a tab is refused (and
// reported: the surface goes to the server as a screen_share event).
export async function screen() {
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({
      video: { displaySurface: 'monitor', frameRate: { ideal: 5, max: 5 }, width: { max: 1280 }, height: { max: 720 } },
      audio: false, monitorTypeSurfaces: 'include', selfBrowserSurface: 'exclude', surfaceSwitching: 'exclude',
    });
  } catch (err) {
    if (err && err.name === 'NotAllowedError') {
      return {
        ok: false, state: 'denied', text: 'screen sharing was cancelled or refused.',
        fix: 'Press “Share your entire screen”, choose “Entire screen” in the browser\'s dialog, then “Share”. On a Mac, also allow screen recording for the browser in System Settings › Privacy & Security.',
      };
    }
    return explain('screen', err);
  }
  const track = stream.getVideoTracks()[0];
  const surface = track.getSettings().displaySurface || 'monitor';
  if (surface !== 'monitor') {
    stream.getTracks().forEach((t) => t.stop());
    return {
      ok: false, state: 'error', surface, text: `you shared ${SURFACES[surface] || 'something other than your screen'}; this exam needs your entire screen.`,
      fix: 'Press “Share your entire screen” again and pick “Entire screen” in the dialog.',
    };
  }
  return { ok: true, state: 'granted', surface, stream, text: 'your entire screen is shared' };
}

// upload measures the connection. A slow one is a warning, not a stop:
// the recording waits on this computer and uploads as it can.
export async function upload(measure) {
  try {
    const kbps = await measure();
    if (kbps >= MIN_KBPS) return { ok: true, kbps, text: `${kbps} kbit/s` };
    return {
      ok: true, warn: true, kbps, text: `${kbps} kbit/s, below the ${MIN_KBPS} kbit/s the recording needs: it will upload late, and Finish will wait for it.`,
      fix: 'If you can, move closer to the Wi-Fi router or use a cable, and stop other uploads and video calls, then press “Check again”.',
    };
  } catch (err) {
    return {
      ok: false, text: 'the server could not be reached (' + err.message + ').',
      fix: 'Check your internet connection, then press “Check again”.',
    };
  }
}

// assistive tells a student who uses a screen reader or speech input what
// the exam allows for it. It never stops the check: it says whom to ask
// when their assistive technology is not listed.
export function assistive(facts) {
  if (!facts) {
    return { ok: true, info: true, text: 'what is allowed could not be loaded.', fix: 'If you use a screen reader or speech input, ask your instructor before the exam whether it is allowed.' };
  }
  const a = facts.assistive;
  const parts = [];
  const are = (xs) => (xs.length === 1 ? 'is' : 'are');
  if (a.for_everyone.length) parts.push(`${a.for_everyone.join(', ')} ${are(a.for_everyone)} allowed for everyone`);
  if (a.apps.length) parts.push(`${a.apps.join(', ')} ${are(a.apps)} allowed for you`);
  if (a.keys.length) parts.push(`the key combinations ${a.keys.join(', ')} are not flagged for you`);
  const text = parts.length ? parts.join('; ') + '.' : 'your instructor has not listed any.';
  const mine = a.apps.length > 0 || a.keys.length > 0;
  return {
    ok: true, info: true, text,
    fix: mine ? 'Vigil does not flag what your instructor listed for you.'
      : 'If you use a screen reader or speech input that is not listed, ask your instructor to list it (and the key combinations it needs) before you start: otherwise its key presses may be flagged, and a person then has to look at them.',
  };
}
