// Hands the microphone's samples to the page in blocks (AudioWorklet: runs
// off the main thread, keeps going when the window is in the background).
class Tap extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) this.port.postMessage(ch.slice(0));
    return true;
  }
}
registerProcessor('vigil-tap', Tap);
