package server

import "net/http"

// apiError is an error of the OpenAI-compatible endpoints, answered as
// {"error": {"message", "type", "param", "code"}} with Status. Param names
// the offending request field ("" renders as null); Code is a stable
// machine-readable word ("" renders as null).
type apiError struct {
	Status  int
	Message string
	Type    string
	Param   string
	Code    string
}

func (e *apiError) Error() string { return e.Message }

// The error types OpenAI uses.
const (
	typeInvalidRequest = "invalid_request_error"
	typeNotFound       = "not_found_error"
	typeServer         = "server_error"
	typeUnavailable    = "service_unavailable_error"
)

// badRequest is a 400 invalid_request_error about param.
func badRequest(param, code, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Message: msg, Type: typeInvalidRequest, Param: param, Code: code}
}

// appendAPIError renders e's JSON body with a trailing newline.
func appendAPIError(b []byte, e *apiError) []byte {
	b = append(b, `{"error":{"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"param":`...)
	b = appendNullableString(b, e.Param)
	b = append(b, `,"code":`...)
	b = appendNullableString(b, e.Code)
	return append(b, "}}\n"...)
}

func appendNullableString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

// writeAPIError writes e as the response and returns its status.
func writeAPIError(w http.ResponseWriter, e *apiError) int {
	return writeJSON(w, e.Status, appendAPIError(nil, e))
}
