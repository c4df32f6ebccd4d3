package voice

import "vigil/internal/proctor"

// Kind is what Classify decides a window holds.
type Kind int

const (
	// None: nothing a rule should act on (silence, room tone, typing,
	// clicks, short sounds).
	None Kind = iota
	// Voice: someone is speaking (or speech is playing).
	Voice
	// LoudNoise: loud sound that is sustained through the window but is
	// not speech (music without vocals, a vacuum cleaner, broadband noise).
	LoudNoise
)

func (k Kind) String() string {
	switch k {
	case None:
		return "none"
	case Voice:
		return "voice"
	case LoudNoise:
		return "loud_noise"
	}
	return "Kind(?)"
}

// Thresholds, chosen from the measurements in MEASUREMENTS.md.
const (
	// VoiceThreshold is the Silero probability a window's best frame must
	// reach: the Background Audio rule's default, proctor.DefaultSpeechProb
	// (one number, measured here: see there).
	VoiceThreshold = proctor.DefaultSpeechProb
	// VoiceMinDB is the level (dBFS) the loudest 16 ms of a window
	// (Window.MaxdB) must reach for a voice to count. Silero is nearly
	// level-blind: it still finds speech 40 dB below a normal speaking
	// level, which at a student's microphone is a voice through a wall or
	// a distant TV. Measured: the voiced windows of the shared speech
	// recordings have MaxdB between -28 and -8, so the gate leaves 27 dB
	// for quieter speakers and microphones; the same speech 30 dB down
	// still keeps nearly all its Voice windows, 40 dB down about half.
	// Rules that want to ignore quieter voices can compare Window.MaxdB
	// with their own level.
	VoiceMinDB = -55
	// LoudFloorDB is the level (dBFS) a window must stay above for 90 % of
	// its 16 ms sub-frames (Window.FloordB) to be LoudNoise. Measured:
	// broadband noise -34 to -33, the quiet room -52 to -47, the hiss in
	// the JFK recording's pauses -43, typing at most -47 (key presses
	// leave gaps). -38 sits about 5 dB from the noise and the hiss alike.
	LoudFloorDB = -38
)

// Classify decides what one window holds from its features (Window.Speech,
// MaxdB and FloordB, as stored in a proctor.AudioSignal); speechThreshold
// is the probability a voice needs: VoiceThreshold, or an exam's own
// Background Audio sensitivity. Voice wins over LoudNoise, so speech over
// loud background sound is Voice. It is pure: the same features always
// give the same Kind.
func Classify(speech, maxdB, floordB, speechThreshold float64) Kind {
	if speech >= speechThreshold && maxdB >= VoiceMinDB {
		return Voice
	}
	if floordB >= LoudFloorDB {
		return LoudNoise
	}
	return None
}
