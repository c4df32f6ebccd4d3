package devlms

import "slices"

// Unenroll drops a user from a course: the roster (NRPS) no longer lists
// them. Dropping someone not enrolled does nothing.
func (p *Platform) Unenroll(courseID, userID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := &p.state.directory
	d.members[courseID] = slices.DeleteFunc(d.members[courseID], func(m membership) bool { return m.userID == userID })
}
