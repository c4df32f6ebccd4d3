package lti

import "fmt"

// Refusal is why Vigil refused a launch or a message: a stable code for
// logs and tests, and a message for the person who sees the error page.
// Neither holds a token, a key or a secret.
type Refusal struct {
	Code    string
	Message string
}

func (r *Refusal) Error() string { return "lti: " + r.Code + ": " + r.Message }

func refuse(code, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Refusal codes.
const (
	CodeBadRequest         = "bad_request"         // a parameter is missing or malformed
	CodeUnknownPlatform    = "unknown_platform"    // issuer and client id are not registered
	CodeUnknownState       = "unknown_state"       // the state is unknown, used or expired
	CodeStateMismatch      = "state_mismatch"      // this browser did not start that login
	CodeBadToken           = "bad_token"           // not a compact RS256 JWS with a key id
	CodeUnknownKey         = "unknown_key"         // the platform has no such key
	CodePlatformKeys       = "platform_keys"       // the platform's keys could not be fetched
	CodeBadSignature       = "bad_signature"       // the signature does not verify
	CodeWrongIssuer        = "wrong_issuer"        // iss is not the platform
	CodeWrongAudience      = "wrong_audience"      // aud lacks Vigil's client id
	CodeWrongAZP           = "wrong_azp"           // azp is not Vigil's client id
	CodeExpired            = "expired"             // exp has passed
	CodeNotYetValid        = "not_yet_valid"       // iat is in the future
	CodeBadNonce           = "bad_nonce"           // the nonce is not the one Vigil sent
	CodeReplayedNonce      = "replayed_nonce"      // the nonce was used before
	CodeUnknownDeployment  = "unknown_deployment"  // the deployment is not registered
	CodeWrongVersion       = "wrong_version"       // not LTI 1.3.0
	CodeUnsupportedMessage = "unsupported_message" // a message type Vigil does not handle
	CodeMissingClaim       = "missing_claim"       // a required claim is absent
	CodeMissingRoles       = "missing_roles"       // no roles claim
	CodeTooManyLogins      = "too_many_logins"     // the platform has too many logins under way
	CodeWrongTarget        = "wrong_target"        // the target link is not Vigil's
	CodeForbidden          = "forbidden"           // the user's role does not allow this
	CodeService            = "service"             // a platform service failed
	CodeRegistrationLink   = "registration_link"   // the registration link is unknown, used or expired
)
