// Package swarmlab holds the test of scripts/swarm-lab.sh, the project's
// real two-node Docker Swarm on one machine (issue 14 §4): the host's
// engine as the manager at 10.213.0.1, a second dockerd in the network
// namespace n2 as a worker at 10.213.0.2. It has no code of its own: the
// test (run by `make swarm-lab-test`, guarded by LOADLAB_SWARM_LAB=1)
// brings the lab up, deploys a service with one task per node, checks
// that each task answers /health at its own node's address, and tears the
// lab down.
package swarmlab
