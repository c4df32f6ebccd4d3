package demo

import (
	"vigil/internal/proctor"
	"vigil/internal/scenario"
)

type behaviour func(name, face string) *scenario.Scenario

// The behaviours of the demo students. Each is a realistic kind of session:
// most are clean or nearly so; some show one clear kind of incident.
var (
	clean = func(n int) behaviour {
		return func(name, face string) *scenario.Scenario {
			return newScript(name, n, face).photos(face).typingThroughout().key(40, "Ctrl+Z").build()
		}
	}
	leftAndCopied behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(3.5), face).photos(face).show(80, 105, deskEmpty).
			key(130, "Ctrl+C").key(131.5, "Ctrl+C").build()
	}
	companion behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(3), face).photos(face).show(95, 107, twoPeople).build()
	}
	darkRoomSession behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(3), face).photos(face).show(60, 100, darkRoom).build()
	}
	onlineAid behaviour = func(name, face string) *scenario.Scenario {
		s := newScript(name, minutes(3.5), face).photos(face).away(45, 54).away(150, 165)
		return s.event(170, proctor.EventPaste, nil).build()
	}
	glances behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(3), face).photos(face).typingThroughout().away(30, 31).away(88, 89.2).away(140, 141).build()
	}
	lookingAway behaviour = func(name, face string) *scenario.Scenario {
		// Eyes on the screen, then two long looks to the side (notes on the
		// desk?): 12 s to the left, 8 s to the right.
		return newScript(name, minutes(3), faceEyes).photos(faceEyes).show(60, 72, lookLeft).show(120, 128, lookRight).build()
	}
	voices behaviour = func(name, face string) *scenario.Scenario {
		// Someone talks in the room twice; the student types meanwhile.
		return newScript(name, minutes(3), face).photos(face).typingThroughout().sound(50, 61, talking, false).
			sound(130, 141, talkTyping, false).build()
	}
	zoom behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(3), face).photos(face).share(2, "monitor").app(70, 110, "Zoom").app(20, 150, "Calculator").build()
	}
	sharedWindow behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(2.5), face).photos(face).share(2, "window").share(60, "monitor").build()
	}
	retakes behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(3), face).photos(face, darkRoom, twoPeople).build()
	}
	nearMisses behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(3), face).photos(face).show(50, 53, deskEmpty).show(120, 121, twoPeople).
			key(70, "Ctrl+Z").build()
	}
	fullscreen behaviour = func(name, face string) *scenario.Scenario {
		s := newScript(name, minutes(3), face).photos(face).key(66, "PrintScreen")
		return s.event(100, proctor.EventFullscreenExit, nil).event(106, proctor.EventFullscreenEnter, nil).build()
	}
	everything behaviour = func(name, face string) *scenario.Scenario {
		s := newScript(name, minutes(4), face).photos(face, deskStill).show(40, 52, deskEmpty).show(90, 98, darkRoom).
			show(150, 155, twoPeople).away(180, 192)
		return s.app(200, 230, "Discord").key(210, "Ctrl+V").build()
	}
	quizClean = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(2), face).photo(proctor.PurposeVerification, proctor.PhotoFace, faceStill(face)).build()
	}
	quizCopy = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(2), face).photo(proctor.PurposeVerification, proctor.PhotoFace, faceStill(face)).
			key(30, "Ctrl+C").key(35, "Ctrl+V").away(60, 64).build()
	}
	// A microphone that sends nothing but beeps (Chromium's fake device, as
	// on a lab machine without a real one): a tone is not a voice, so the
	// quiz stays clean.
	quizTone = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(2), face).photo(proctor.PurposeVerification, proctor.PhotoFace, faceStill(face)).
			sound(0, float64(minutes(2)), fakeMicBeeps, true).build()
	}
	quizLeft = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(2), face).photo(proctor.PurposeVerification, proctor.PhotoFace, faceStill(face)).
			show(40, 58, deskEmpty).build()
	}
	// The ID held up at the verification scan is someone else's: the scan
	// shows a different person from the onboarding photo.
	borrowedID behaviour = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(3), face).photos(face).photo(proctor.PurposeVerification, proctor.PhotoID, facePigo).
			typingThroughout().build()
	}
	// Someone else takes the seat after the student leaves the camera.
	quizStandIn = func(name, face string) *scenario.Scenario {
		return newScript(name, minutes(2), face).photo(proctor.PurposeVerification, proctor.PhotoFace, faceStill(face)).
			show(50, 60, deskStill).show(60, minutes(2), facePigo).build()
	}
)

// roster is the demo course's students and what each does in the two
// exams (nil: did not take it).
var roster = []struct {
	first, last, face string
	midterm, quiz     behaviour
}{
	{"Amara", "Okafor", faceEyes, clean(minutes(3)), quizClean},
	{"Ben", "Carter", faceObama, leftAndCopied, quizLeft},
	{"Chen", "Wei", faceBiden, companion, nil},
	{"Diego", "Ramirez", faceBiden, darkRoomSession, quizClean},
	{"Elif", "Yilmaz", faceBlueroom, onlineAid, quizCopy},
	{"Fatima", "Hassan", facePigo, glances, quizTone},
	{"George", "Miller", faceObama, zoom, quizClean},
	{"Hana", "Sato", facePortrait, sharedWindow, nil},
	{"Isaac", "Cohen", faceEyes, retakes, nil},
	{"Julia", "Novak", faceBlueroom, nearMisses, quizCopy},
	{"Kofi", "Mensah", facePigo, fullscreen, voices},
	{"Maya", "Patel", faceEyes, lookingAway, nil},
	{"Lena", "Fischer", faceObama, everything, nil},
	{"Nadia", "Petrova", faceBiden, borrowedID, quizStandIn},
}
