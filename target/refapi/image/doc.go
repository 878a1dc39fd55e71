// Package image holds the integration test of the reference API's
// container image (target/refapi/Dockerfile): it builds the static binary and the
// image with the docker CLI, runs it on 127.0.0.1 and checks /health,
// /predict, the scratch-image healthcheck and graceful stop. It has no
// non-test code.
package image
