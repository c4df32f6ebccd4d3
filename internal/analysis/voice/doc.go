// Package voice decides where in a student's microphone audio there was
// voice, and where there was loud sustained sound that is not voice, on the
// server.
//
// Clients send chunks of a few seconds as 8 kHz mono G.711 μ-law
// (audio/basic) or big-endian 16-bit PCM (audio/L16;rate=8000 or 16000,
// RFC 2586); Decode turns a body into samples. A Detector runs Silero VAD v5
// (MIT; an ONNX model fetched by scripts/setup-vad) in its 8 kHz mode over
// 32 ms frames, and Analyze reports per half-second Window the best speech
// probability and level features; Classify turns those features (as the
// Background Audio rule reads them from the store) into None, Voice
// or LoudNoise with thresholds measured on real recordings
// (MEASUREMENTS.md). Keyboard typing and quiet room tone are None: the
// model gives typing at most 0.17, and key presses leave quiet gaps that
// keep a window's FloordB low.
//
// onnxrt.Init must be called once before NewDetector or NewPool.
package voice
