// Package devlms is a small LTI 1.3 platform (an LMS) for development and
// tests only: Vigil is the LTI tool, and this package plays the Canvas-like
// platform that launches it.
//
// It implements the OIDC third-party initiated login with the implicit flow
// (LTI Core 1.3), the OAuth2 client-credentials token endpoint with signed
// JWT assertions, Names and Role Provisioning 2.0, Deep Linking 2.0, LTI
// Proctoring Services 1.0 (start proctoring, start assessment, end
// assessment and the Assessment Control Service), the LTI client-side
// postMessage storage protocol, and the part of Canvas's REST API that
// Classic Quizzes offer for access codes, with Canvas's OAuth2 and throttling.
//
// Everything is kept in memory behind one mutex. Nothing here is hardened
// for production: there are no passwords, the "logged-in user" is a cookie
// anyone can set, and every tool is deployed in every course.
// docs/DEVLMS.md describes every endpoint and message.
package devlms
