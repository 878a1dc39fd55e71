#!/usr/bin/env bash
# swarm-lab.sh up|down|status — a real two-node Docker Swarm on one machine,
# for loadlab's cluster tests (issue 14 §4).
#
#   node 1 (manager): this host's Docker Engine, advertising 10.213.0.1
#   node 2 (worker):  a second dockerd inside the network namespace n2
#                     (10.213.0.2), socket unix:///run/docker-n2.sock
#
# A veth pair joins the two: 10.213.0.1/24 on the host (veth-n2h),
# 10.213.0.2/24 inside n2 (veth-n2c). The second daemon is started with
# nsenter --net (not `ip netns exec`, which remounts /sys and hides the
# cgroup mounts), its own data root, exec root, pidfile, socket, bridge
# address and containerd namespaces, and an empty {} config file so that it
# never reads the host's daemon.json. The reference API image
# (loadlab/reference-api:dev, built with `make image` when missing) is
# loaded into n2 with docker save | docker -H … load: nothing is pulled.
#
# up refuses when the host engine is already in a swarm the lab did not
# create (it never leaves a swarm it did not create). down removes
# everything up made, even after a partial or failed up, and may be run any
# number of times. Neither takes a lock: callers that share the engine
# serialise around the lab's whole life (flock on a lock file of theirs).
#
# Traffic goes only to 127.0.0.1 and to the namespace's own addresses.
set -uo pipefail

NS=n2
HOST_IF=veth-n2h
NS_IF=veth-n2c
HOST_ADDR=10.213.0.1
NS_ADDR=10.213.0.2
PREFIX=24
SOCK=/run/docker-n2.sock
N2="unix://$SOCK"
PIDFILE=/run/docker-n2.pid
DATA_ROOT=/var/lib/docker-n2
EXEC_ROOT=/run/docker-n2
STATE=/run/loadlab-swarm-lab          # what up created, read by down
IMAGE=${LOADLAB_LAB_IMAGE:-loadlab/reference-api:dev}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Labels: services the lab's tests create carry loadlab.lab=1; loadlab's
# own runs label theirs loadlab.run=<run ID>. down removes both kinds.
LAB_LABEL=loadlab.lab

log() { printf 'swarm-lab: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	[ "${PHASE:-}" != up ] || log "up stopped half-way: '$0 down' removes what it made"
	exit 1
}

n2docker() { docker -H "$N2" "$@"; }

# swarm_state prints the host engine's swarm state (inactive, active, ...)
# and node ID.
swarm_state() { docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}' 2>/dev/null; }

need() {
	local missing=()
	for c in ip nsenter dockerd docker; do
		command -v "$c" >/dev/null || missing+=("$c")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing commands: ${missing[*]} (apt-get install iproute2 util-linux docker.io)"
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces and a second dockerd)"
	docker info >/dev/null 2>&1 || die "the host's Docker Engine does not answer (docker info failed)"
}

# wait_for CMD... retries a command for up to $WAIT seconds.
wait_for() {
	local deadline=$((SECONDS + ${WAIT:-60}))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.5
	done
}

lab_swarm() { # true when the host's swarm is the one the lab created
	[ -f "$STATE/swarm-node" ] || return 1
	read -r st id <<<"$(swarm_state)"
	[ "$st" = active ] && [ "$id" = "$(cat "$STATE/swarm-node")" ]
}

up() {
	need
	read -r st id <<<"$(swarm_state)"
	if [ "$st" != inactive ] && ! lab_swarm; then
		die "the host engine is already in a swarm (state $st, node $id) that this lab did not create: leave it yourself (docker swarm leave --force) if it is yours, or use that swarm; the lab never leaves a swarm it did not create"
	fi
	PHASE=up # from here on, a failure leaves something for down to remove
	mkdir -p "$STATE" || die "create $STATE"
	if ! docker network inspect docker_gwbridge >/dev/null 2>&1; then
		touch "$STATE/gwbridge-ours"
	fi

	# The network namespace and the veth pair.
	if ! ip netns list | grep -qw "$NS"; then
		ip netns add "$NS" || die "ip netns add $NS"
	fi
	if ! ip link show "$HOST_IF" >/dev/null 2>&1; then
		ip link add "$HOST_IF" type veth peer name "$NS_IF" || die "ip link add $HOST_IF"
		ip link set "$NS_IF" netns "$NS" || die "move $NS_IF into $NS"
		ip addr add "$HOST_ADDR/$PREFIX" dev "$HOST_IF" || die "address $HOST_IF"
		ip netns exec "$NS" ip addr add "$NS_ADDR/$PREFIX" dev "$NS_IF" || die "address $NS_IF"
	fi
	ip link set "$HOST_IF" up || die "up $HOST_IF"
	ip netns exec "$NS" ip link set lo up || die "up lo in $NS"
	ip netns exec "$NS" ip link set "$NS_IF" up || die "up $NS_IF"

	# The second daemon.
	if ! n2docker info >/dev/null 2>&1; then
		mkdir -p "$DATA_ROOT" "$EXEC_ROOT" || die "create $DATA_ROOT"
		echo '{}' >"$STATE/daemon.json"
		nsenter --net=/var/run/netns/"$NS" dockerd \
			--config-file "$STATE/daemon.json" \
			--data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
			--pidfile "$PIDFILE" -H "$N2" \
			--storage-driver=vfs --bip 172.31.250.1/24 \
			--containerd-namespace moby-n2 --containerd-plugins-namespace plugins-n2 \
			>"$STATE/dockerd.log" 2>&1 </dev/null &
		echo $! >"$STATE/dockerd.pid"
		WAIT=60 wait_for n2docker info || die "the second dockerd did not answer on $SOCK within 60 s; its log: $STATE/dockerd.log"
	fi

	# The swarm: the host is the manager, n2 joins as a worker.
	if [ "$(swarm_state | cut -d' ' -f1)" = inactive ]; then
		docker swarm init --advertise-addr "$HOST_ADDR" >/dev/null || die "docker swarm init --advertise-addr $HOST_ADDR"
		swarm_state | cut -d' ' -f2 >"$STATE/swarm-node"
	fi
	if [ "$(n2docker info --format '{{.Swarm.LocalNodeState}}')" = inactive ]; then
		local token
		token=$(docker swarm join-token -q worker) || die "docker swarm join-token worker"
		n2docker swarm join --token "$token" --advertise-addr "$NS_ADDR" "$HOST_ADDR:2377" >/dev/null ||
			die "n2 could not join the swarm at $HOST_ADDR:2377"
	fi
	local n2id
	n2id=$(n2docker info --format '{{.Swarm.NodeID}}')
	WAIT=60 wait_for node_ready "$n2id" || die "node n2 ($n2id) is not Ready within 60 s"
	docker node update --label-add loadlab.lab=n2 "$n2id" >/dev/null || die "label node n2"
	docker node update --label-add loadlab.lab=host "$(swarm_state | cut -d' ' -f2)" >/dev/null || die "label the host node"

	# The reference image on both nodes (never pulled).
	if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
		[ "$IMAGE" = loadlab/reference-api:dev ] || die "image $IMAGE is not in the host's image store (loadlab never pulls)"
		log "building $IMAGE (make image)"
		make -C "$REPO" image >"$STATE/image.log" 2>&1 || die "make image failed; its log: $STATE/image.log"
	fi
	if [ "$(docker image inspect -f '{{.Id}}' "$IMAGE")" != "$(n2docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)" ]; then
		docker save "$IMAGE" | n2docker load >/dev/null || die "load $IMAGE into n2"
	fi
	log "up: manager $HOST_ADDR (this host), worker $NS_ADDR (docker -H $N2); image $IMAGE on both"
}

node_ready() {
	[ "$(docker node inspect -f '{{.Status.State}} {{.Spec.Availability}}' "$1")" = "ready active" ]
}

down() {
	local failed=0
	# Services first, while the manager still knows them, and only in the
	# lab's own swarm.
	if lab_swarm; then
		local svcs
		svcs=$( (docker service ls -q --filter "label=$LAB_LABEL"; docker service ls -q --filter label=loadlab.run) | sort -u)
		if [ -n "$svcs" ]; then
			# shellcheck disable=SC2086
			docker service rm $svcs >/dev/null || failed=1
		fi
	fi
	# n2: its containers, its swarm membership, its daemon.
	if n2docker info >/dev/null 2>&1; then
		n2docker swarm leave --force >/dev/null 2>&1
		local ids
		ids=$(n2docker ps -aq)
		# shellcheck disable=SC2086
		[ -z "$ids" ] || n2docker rm -f $ids >/dev/null 2>&1
	fi
	stop_daemon || failed=1
	# The host leaves only the swarm the lab created.
	if lab_swarm; then
		docker swarm leave --force >/dev/null || failed=1
		WAIT=20 wait_for swarm_inactive || failed=1
	elif [ -f "$STATE/swarm-node" ]; then
		log "the host's swarm is not the one the lab created: left as it is"
	fi
	if [ -f "$STATE/gwbridge-ours" ] && [ "$(swarm_state | cut -d' ' -f1)" = inactive ]; then
		docker network rm docker_gwbridge >/dev/null 2>&1
	fi
	# The namespace and the veth pair (deleting either end deletes both).
	ip link del "$HOST_IF" 2>/dev/null
	if ip netns list | grep -qw "$NS"; then
		ip netns del "$NS" || failed=1
	fi
	unmount_under "$EXEC_ROOT"
	unmount_under "$DATA_ROOT"
	rm -rf "$DATA_ROOT" "$EXEC_ROOT" || failed=1
	rm -f "$PIDFILE" "$SOCK"
	rm -rf "$STATE"
	[ $failed -eq 0 ] || die "down did not remove everything (see above); run it again"
	log "down"
}

swarm_inactive() { [ "$(swarm_state | cut -d' ' -f1)" = inactive ]; }

# stop_daemon stops the second dockerd (SIGTERM, then SIGKILL after 30 s).
stop_daemon() {
	local pid=""
	[ -f "$PIDFILE" ] && pid=$(cat "$PIDFILE")
	[ -z "$pid" ] && [ -f "$STATE/dockerd.pid" ] && pid=$(cat "$STATE/dockerd.pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	# Only our daemon: its command line names our socket.
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$SOCK" || { log "pid $pid is not the lab's dockerd: not stopped"; return 1; }
	kill -TERM "$pid"
	local deadline=$((SECONDS + 30))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
	if kill -0 "$pid" 2>/dev/null; then
		log "dockerd $pid still running after 30 s: SIGKILL"
		kill -KILL "$pid"
		sleep 0.5
	fi
	# Its managed containerd exits with it; a shim left behind would hold
	# the exec root: stop the ones that live under it.
	local p
	for p in $(pgrep -f "containerd-shim.*$EXEC_ROOT" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for p in $(pgrep -f "containerd.*$EXEC_ROOT/containerd" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	return 0
}

# unmount_under unmounts every mount point below dir, deepest first.
unmount_under() {
	local dir=$1 m
	awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
}

status() {
	local up=1
	read -r st id <<<"$(swarm_state)"
	if lab_swarm; then echo "host swarm: active, created by the lab (node $id)"; else
		echo "host swarm: $st${id:+ (node $id)}, not the lab's"; up=0
	fi
	if ip netns list | grep -qw "$NS"; then echo "netns $NS: present"; else echo "netns $NS: absent"; up=0; fi
	if ip link show "$HOST_IF" >/dev/null 2>&1; then echo "veth $HOST_IF: present"; else echo "veth $HOST_IF: absent"; up=0; fi
	if n2docker info >/dev/null 2>&1; then
		echo "n2 dockerd: answering on $SOCK (swarm $(n2docker info --format '{{.Swarm.LocalNodeState}}'))"
	else
		echo "n2 dockerd: not answering"; up=0
	fi
	if lab_swarm; then docker node ls --format '  node {{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}'; fi
	[ $up -eq 1 ] && echo "lab: up" || echo "lab: not up"
	[ $up -eq 1 ]
}

case "${1:-}" in
up)
	up || exit 1
	;;
down) down ;;
status) status ;;
*)
	echo "usage: $0 up|down|status" >&2
	exit 2
	;;
esac
