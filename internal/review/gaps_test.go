package review

import (
	"reflect"
	"testing"
)

func TestGaps(t *testing.T) {
	frames := func(offsets ...int64) [][2]int64 {
		out := make([][2]int64, len(offsets))
		for i, o := range offsets {
			out[i] = [2]int64{int64(i), o}
		}
		return out
	}
	cases := []struct {
		name     string
		frames   [][2]int64
		duration int64
		interval float64
		want     [][2]int64
	}{
		{"steady", frames(0, 1000, 2000, 3000), 3000, 1, [][2]int64{}},
		{"a few seconds late is no gap", frames(0, 1000, 5500, 6500), 6500, 1, [][2]int64{}},
		{"offline for 40 s", frames(0, 1000, 41000, 42000), 42000, 1, [][2]int64{{1000, 41000}}},
		{"camera started late", frames(20000, 21000), 21000, 1, [][2]int64{{0, 20000}}},
		{"nothing after the camera was lost", frames(0, 1000), 60000, 1, [][2]int64{{1000, 60000}}},
		{"slow capture: three intervals", frames(0, 10000, 20000, 50000), 50000, 10, [][2]int64{}},
		{"slow capture: more than three", frames(0, 10000, 45000), 45000, 10, [][2]int64{{10000, 45000}}},
		{"no frames at all", nil, 30000, 1, [][2]int64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Gaps(c.frames, c.duration, c.interval); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Gaps = %v, want %v", got, c.want)
			}
		})
	}
}
