package lms

import (
	"strings"
	"testing"
)

// Every place a launch leads has a name in words for the logs.
func TestKindNames(t *testing.T) {
	seen := map[string]Kind{}
	for k := GoDashboard; k <= GoCourses; k++ {
		name := k.String()
		if strings.HasPrefix(name, "kind_") || name == "" {
			t.Errorf("kind %d has no name", int(k))
		}
		if other, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d are both %q", int(other), int(k), name)
		}
		seen[name] = k
	}
	if got := Kind(0).String(); got != "kind_0" {
		t.Errorf("the zero kind is %q, want kind_0", got)
	}
}
