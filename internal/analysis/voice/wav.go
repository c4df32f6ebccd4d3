package voice

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DecodeWAV reads a RIFF/WAVE file holding 16-bit PCM mono (format 1, or
// WAVE_FORMAT_EXTENSIBLE with the PCM sub-format), skipping other chunks
// (LIST, fact, ...). It returns the samples in [-1, 1) and the rate.
func DecodeWAV(data []byte) ([]float32, int, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("not a RIFF/WAVE file")
	}
	var (
		rate    int
		haveFmt bool
	)
	for p := 12; p+8 <= len(data); {
		id := string(data[p : p+4])
		size := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		body := data[p+8:]
		if size > len(body) {
			if id != "data" {
				return nil, 0, fmt.Errorf("chunk %q of %d bytes truncated", id, size)
			}
			size = len(body) &^ 1 // tolerate a streamed header's bogus size
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, 0, fmt.Errorf("fmt chunk of %d bytes", size)
			}
			format := binary.LittleEndian.Uint16(body[0:2])
			channels := binary.LittleEndian.Uint16(body[2:4])
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
			bits := binary.LittleEndian.Uint16(body[14:16])
			if format == 0xfffe && size >= 26 {
				format = binary.LittleEndian.Uint16(body[24:26])
			}
			if format != 1 || channels != 1 || bits != 16 {
				return nil, 0, fmt.Errorf("want PCM16 mono, got format %d, %d channels, %d bits", format, channels, bits)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, 0, fmt.Errorf("data chunk before fmt chunk")
			}
			out := make([]float32, size/2)
			for i := range out {
				out[i] = float32(int16(binary.LittleEndian.Uint16(body[2*i:]))) / 32768
			}
			return out, rate, nil
		}
		p += 8 + size + size&1 // chunks are padded to even sizes
	}
	return nil, 0, fmt.Errorf("no data chunk")
}

// EncodeWAV writes samples in [-1, 1] as a RIFF/WAVE file, 16-bit PCM mono
// at rate: the format every browser plays, and the one DecodeWAV reads.
func EncodeWAV(samples []float32, rate int) []byte {
	data := len(samples) * 2
	out := make([]byte, 44+data)
	copy(out[0:], "RIFF")
	binary.LittleEndian.PutUint32(out[4:], uint32(36+data))
	copy(out[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(out[16:], 16)
	binary.LittleEndian.PutUint16(out[20:], 1) // PCM
	binary.LittleEndian.PutUint16(out[22:], 1) // mono
	binary.LittleEndian.PutUint32(out[24:], uint32(rate))
	binary.LittleEndian.PutUint32(out[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(out[32:], 2)
	binary.LittleEndian.PutUint16(out[34:], 16)
	copy(out[36:], "data")
	binary.LittleEndian.PutUint32(out[40:], uint32(data))
	for i, s := range samples {
		v := int16(max(-32768, min(32767, math.Round(float64(s)*32768))))
		binary.LittleEndian.PutUint16(out[44+2*i:], uint16(v))
	}
	return out
}
