package voice

import (
	"encoding/binary"
	"fmt"
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
