package voice

import (
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
)

// ErrBadAudio is wrapped by the errors this package returns for unusable
// audio: empty, too long, NaN or infinite samples, malformed bodies or
// unsupported content types.
var ErrBadAudio = errors.New("voice: unusable audio")

// muLawDecode maps every G.711 μ-law byte to its linear value (16-bit
// scale, ±32124 at most).
var muLawDecode = func() (t [256]int16) {
	for i := range t {
		u := ^byte(i)
		exp := (u >> 4) & 7
		mant := int32(u & 0x0f)
		v := ((mant<<3)+muLawBias)<<exp - muLawBias
		if u&0x80 != 0 {
			v = -v
		}
		t[i] = int16(v)
	}
	return t
}()

const (
	muLawBias = 0x84  // 132, added before the segment search (G.711)
	muLawClip = 32635 // largest magnitude that still fits after the bias
)

// DecodeMuLaw decodes 8-bit G.711 μ-law (audio/basic, RFC 2046) into
// samples in [-1, 1]. Every byte is one sample; there is no header.
func DecodeMuLaw(b []byte) []float32 {
	out := make([]float32, len(b))
	for i, c := range b {
		out[i] = float32(muLawDecode[c]) / 32768
	}
	return out
}

// EncodeMuLaw encodes samples in [-1, 1] as G.711 μ-law (values outside
// are clipped; NaN encodes as silence). It is what a browser client does
// before sending audio/basic, and lets tests simulate that client.
func EncodeMuLaw(x []float32) []byte {
	out := make([]byte, len(x))
	for i, s := range x {
		out[i] = muLawByte(s)
	}
	return out
}

func muLawByte(s float32) byte {
	var v int32
	switch {
	case s != s: // NaN
		v = 0
	case s >= 1:
		v = muLawClip
	case s <= -1:
		v = -muLawClip
	default:
		f := s * 32768
		if f >= 0 {
			v = int32(f + 0.5)
		} else {
			v = int32(f - 0.5)
		}
	}
	var sign byte
	if v < 0 {
		sign = 0x80
		v = -v
	}
	if v > muLawClip {
		v = muLawClip
	}
	v += muLawBias
	exp := byte(7)
	for mask := int32(0x4000); v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := byte(v>>(exp+3)) & 0x0f
	return ^(sign | exp<<4 | mant)
}

// DecodeL16 decodes 16-bit signed linear PCM in network (big-endian) byte
// order, as audio/L16 is defined by RFC 2586, into samples in [-1, 1).
// An odd trailing byte is not a sample and is ignored; Decode rejects such
// bodies instead.
func DecodeL16(b []byte) []float32 {
	out := make([]float32, len(b)/2)
	for i := range out {
		out[i] = float32(int16(uint16(b[2*i])<<8|uint16(b[2*i+1]))) / 32768
	}
	return out
}

// Rate limits for Decode and Analyze. Anything outside is not microphone
// audio a browser sends.
const (
	MinRate = 8000
	MaxRate = 192000
)

// Decode turns a request body into samples in [-1, 1] and their sample
// rate, from its content type:
//
//   - audio/basic (or audio/PCMU;rate=8000): 8 kHz mono G.711 μ-law.
//   - audio/L16;rate=N[;channels=1]: big-endian 16-bit PCM, N in
//     MinRate..MaxRate (RFC 2586 requires the rate parameter).
//
// Errors (wrapping ErrBadAudio) report an unknown or multi-channel type, a
// missing or odd rate, an empty body or an L16 body of odd length.
func Decode(contentType string, body []byte) (samples []float32, rate int, err error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: content type %q: %v", ErrBadAudio, contentType, err)
	}
	if ch, ok := params["channels"]; ok && strings.TrimSpace(ch) != "1" {
		return nil, 0, fmt.Errorf("%w: %d-channel audio not supported, send mono", ErrBadAudio, atoiOr(ch, -1))
	}
	if len(body) == 0 {
		return nil, 0, fmt.Errorf("%w: empty body", ErrBadAudio)
	}
	switch mt {
	case "audio/basic", "audio/pcmu":
		if r, ok := params["rate"]; ok && strings.TrimSpace(r) != "8000" {
			return nil, 0, fmt.Errorf("%w: %s must be 8000 Hz, got rate=%s", ErrBadAudio, mt, r)
		}
		return DecodeMuLaw(body), 8000, nil
	case "audio/l16":
		r, ok := params["rate"]
		if !ok {
			return nil, 0, fmt.Errorf("%w: audio/L16 needs a rate parameter (RFC 2586)", ErrBadAudio)
		}
		rate = atoiOr(r, 0)
		if rate < MinRate || rate > MaxRate {
			return nil, 0, fmt.Errorf("%w: audio/L16 rate %q outside %d..%d", ErrBadAudio, r, MinRate, MaxRate)
		}
		if len(body)%2 != 0 {
			return nil, 0, fmt.Errorf("%w: audio/L16 body of %d bytes is not a whole number of 16-bit samples",
				ErrBadAudio, len(body))
		}
		return DecodeL16(body), rate, nil
	default:
		return nil, 0, fmt.Errorf("%w: content type %q not supported (want audio/basic or audio/L16;rate=8000|16000)",
			ErrBadAudio, contentType)
	}
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}
