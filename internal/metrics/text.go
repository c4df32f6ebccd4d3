package metrics

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// ParseText reads a Prometheus text exposition (what /metrics serves) into
// its series, keyed as written: the name with its labels. Comment lines and
// lines whose value is not a number are passed over; a series written twice
// (as when a load generator sums several servers' pages) is added up.
func ParseText(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		// The value follows the last space: label values may hold spaces.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] += v
	}
	return out, sc.Err()
}
