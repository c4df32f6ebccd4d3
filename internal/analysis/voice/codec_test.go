package voice

import (
	"errors"
	"math"
	"testing"
)

func TestMuLawKnownValues(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want byte
	}{
		{0, 0xff},
		{1, 0x80},  // positive full scale
		{-1, 0x00}, // negative full scale
		{2, 0x80},  // clipped
		{float32(math.NaN()), 0xff},
	} {
		if got := EncodeMuLaw([]float32{c.in})[0]; got != c.want {
			t.Errorf("EncodeMuLaw(%v) = %#x, want %#x", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   byte
		want int16
	}{{0xff, 0}, {0x7f, 0}, {0x80, 32124}, {0x00, -32124}, {0xfe, 8}, {0x7e, -8}} {
		if got := DecodeMuLaw([]byte{c.in})[0]; got != float32(c.want)/32768 {
			t.Errorf("DecodeMuLaw(%#x) = %v, want %v", c.in, got*32768, c.want)
		}
	}
}

// Every μ-law code decodes to a value that encodes back to the same code
// (except 0x7f, negative zero, which becomes 0xff), and decoding is
// monotonic in the code's magnitude.
func TestMuLawRoundTripCodes(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	back := EncodeMuLaw(DecodeMuLaw(all))
	for i, b := range back {
		want := byte(i)
		if want == 0x7f {
			want = 0xff
		}
		if b != want {
			t.Errorf("code %#x -> %v -> %#x", i, DecodeMuLaw([]byte{byte(i)})[0], b)
		}
	}
	dec := DecodeMuLaw(all)
	for i := 0x81; i <= 0xff; i++ { // positive codes: larger code, smaller value
		if dec[i] > dec[i-1] {
			t.Errorf("not monotonic at %#x", i)
		}
	}
}

// The quantisation error of μ-law is about -38 dB relative to the signal
// over its whole range (that is its point).
func TestMuLawSNR(t *testing.T) {
	for _, amp := range []float64{0.9, 0.1, 0.01} {
		x := make([]float32, 8000)
		for i := range x {
			x[i] = float32(amp * math.Sin(2*math.Pi*440*float64(i)/8000))
		}
		y := DecodeMuLaw(EncodeMuLaw(x))
		var sig, noise float64
		for i := range x {
			sig += float64(x[i]) * float64(x[i])
			e := float64(y[i] - x[i])
			noise += e * e
		}
		if snr := 10 * math.Log10(sig/noise); snr < 33 {
			t.Errorf("amplitude %v: SNR %.1f dB, want >= 33", amp, snr)
		}
	}
}

func TestDecodeL16BigEndian(t *testing.T) {
	got := DecodeL16([]byte{0x80, 0x00, 0x7f, 0xff, 0x00, 0x01, 0xff, 0xff, 0x00, 0x00, 0x42})
	want := []float32{-1, 32767.0 / 32768, 1.0 / 32768, -1.0 / 32768, 0}
	if len(got) != len(want) {
		t.Fatalf("got %d samples, want %d (odd trailing byte ignored)", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sample %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestDecodeContentTypes(t *testing.T) {
	ok := []struct {
		ct   string
		body []byte
		rate int
		n    int
	}{
		{"audio/basic", []byte{0xff, 0x80, 0x00}, 8000, 3},
		{"audio/PCMU;rate=8000", []byte{0xff}, 8000, 1},
		{"audio/L16;rate=8000", []byte{0, 1, 0, 2}, 8000, 2},
		{"audio/L16; rate=16000; channels=1", []byte{0, 1, 0, 2}, 16000, 2},
		{"audio/l16;rate=48000", []byte{0, 1}, 48000, 1},
	}
	for _, c := range ok {
		x, rate, err := Decode(c.ct, c.body)
		if err != nil || rate != c.rate || len(x) != c.n {
			t.Errorf("Decode(%q) = %d samples at %d, %v; want %d at %d", c.ct, len(x), rate, err, c.n, c.rate)
		}
	}
	bad := []struct {
		ct   string
		body []byte
	}{
		{"audio/L16;rate=8000", []byte{0, 1, 2}}, // odd length
		{"audio/L16", []byte{0, 1}},              // no rate
		{"audio/L16;rate=abc", []byte{0, 1}},
		{"audio/L16;rate=4000", []byte{0, 1}},
		{"audio/L16;rate=8000;channels=2", []byte{0, 1, 0, 1}},
		{"audio/basic;rate=16000", []byte{0xff}},
		{"audio/basic", nil},
		{"audio/ogg", []byte{1}},
		{"", []byte{1}},
		{"audio/L16;rate", []byte{0, 1}},
	}
	for _, c := range bad {
		x, _, err := Decode(c.ct, c.body)
		if !errors.Is(err, ErrBadAudio) {
			t.Errorf("Decode(%q, %d bytes) = %d samples, %v; want ErrBadAudio", c.ct, len(c.body), len(x), err)
		}
	}
}
