// Package refapi is the bundled reference inference API: its model
// (subpackage model), its HTTP server (subpackage server) and the
// FROM-scratch image that packages both into one static binary.
package refapi

import _ "embed"

// ReferenceDockerfile is target/refapi/Dockerfile: the FROM-scratch image of the
// reference API. Its single COPY instruction copies the static loadlab
// binary; the docker runtime builds it from an in-memory context holding
// this file and the binary at the COPY's source path.
//
//go:embed Dockerfile
var ReferenceDockerfile []byte
