#!/usr/bin/env bash
# Several pvd nodes on one etcd store, all on this machine: a 3-member etcd on loopback, then
# three `pvd serve` daemons, each with a root (its "disks") and a node name of its own. It
# applies deploy/examples/ and a WaitForFirstConsumer class with one claim and one Pod per node,
# and prints where every volume landed.
#
#   deploy/cluster/up.sh /tmp/pvd-cluster      # as root; the directory must be new or empty
#   deploy/cluster/down.sh /tmp/pvd-cluster    # stops exactly what up.sh started, unmounts, removes
#
# Everything lives under the one directory (a fresh /tmp/pvd-cluster.XXXX when none is given):
#   cluster.env         the store URL, ports and node names (source it to use the pvd CLI)
#   pids/*.pid          the PID of every process started, which down.sh stops and nothing else
#   etcd/nI/, logs/     each member's data; every process's log
#   nodes/NODE/         each node's --root: hostpath/, pods/, ... of that node
# Environment: PVD (the pvd binary; default .build/release/pvd, else .build/debug/pvd),
# ETCD (default /usr/bin/etcd), PVD_CLUSTER_PORT (default 23790: etcd clients on +1..+3, peers
# on +11..+13, the nodes' HTTP endpoints on +21..+23).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PVD=${PVD:-$repo/.build/release/pvd}
[ -x "$PVD" ] || PVD=$repo/.build/debug/pvd
ETCD=${ETCD:-/usr/bin/etcd}
base=${PVD_CLUSTER_PORT:-23790}
nodes=(node-1 node-2 node-3)

fail() { echo "up: $*" >&2; exit 1; }
[ -x "$PVD" ] || fail "no pvd binary; build it (swift build -c release) or set PVD=/path/to/pvd"
[ -x "$(dirname "$PVD")/pvd-server" ] || fail "no pvd-server beside $PVD (pvd hands serve and etcd stores to it); build both: swift build -c release"
[ -x "$ETCD" ] || fail "no etcd at $ETCD (Debian: apt-get install etcd-server) or set ETCD=/path/to/etcd"
[ "$(id -u)" -eq 0 ] || fail "run as root: pods' volumes are bind mounts"
for tool in curl jq; do command -v "$tool" >/dev/null || fail "needs $tool (apt-get install $tool)"; done

dir=${1:-$(mktemp -d /tmp/pvd-cluster.XXXX)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
case "$dir" in *[[:space:]]*) fail "$dir: a path without spaces, please (mount tables escape them)";; esac
[ -z "$(ls -A "$dir")" ] || fail "$dir is not empty; give a new directory (down.sh $dir removes an old cluster)"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
client_port() { echo $((base + $1)); }
peer_port() { echo $((base + 10 + $1)); }
node_port() { echo $((base + 20 + $1)); }
for i in 1 2 3; do
    for p in "$(client_port $i)" "$(peer_port $i)" "$(node_port $i)"; do
        port_free "$p" || fail "port $p is taken; choose other ports with PVD_CLUSTER_PORT=N"
    done
done

mkdir -p "$dir/pids" "$dir/logs" "$dir/etcd" "$dir/nodes"
endpoints=$(for i in 1 2 3; do printf '127.0.0.1:%s,' "$(client_port $i)"; done)
endpoints=${endpoints%,}
store="etcd://$endpoints/pvd"

# On any failure from here on, stop what was started (the logs stay for a look).
started=false
on_exit() {
    local status=$?
    if [ "$status" -ne 0 ] && [ "$started" = true ]; then
        echo "up: failed; stopping what was started (logs in $dir/logs)" >&2
        "$here/down.sh" "$dir" --keep >&2 || true
    fi
    exit "$status"
}
trap on_exit EXIT

# Started with nohup so that the processes outlive this script (and its terminal); $! is the
# process itself, since the subshell and nohup exec it. Descriptors this script inherited beyond
# stdin, stdout and stderr are closed for it first: whoever holds the other end of one (a
# pipe, a socket it waits on for this script to end) would otherwise wait for the cluster.
start() { # name log command...
    local name=$1 log=$2
    shift 2
    started=true
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec nohup "$@" </dev/null >"$log" 2>&1
    ) &
    echo $! >"$dir/pids/$name.pid"
}

cluster=$(for i in 1 2 3; do printf 'e%s=http://127.0.0.1:%s,' "$i" "$(peer_port $i)"; done)
cluster=${cluster%,}
for i in 1 2 3; do
    client="http://127.0.0.1:$(client_port $i)" peer="http://127.0.0.1:$(peer_port $i)"
    # Short raft timings (heartbeat 50 ms, election 500 ms), as pvd's tests use them on loopback.
    start "etcd-$i" "$dir/logs/etcd-$i.log" "$ETCD" --name "e$i" --data-dir "$dir/etcd/e$i" \
        --listen-client-urls "$client" --advertise-client-urls "$client" \
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
        --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "pvd-cluster-$base" \
        --heartbeat-interval=50 --election-timeout=500 --log-level=warn
done
wait_for() { # what seconds command...
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    fail "$what did not come up within ${seconds}s"
}
healthy() { curl -fsS -m 1 "http://127.0.0.1:$1/health" | grep -q '"health":"true"'; }
for i in 1 2 3; do wait_for "etcd member e$i (log: $dir/logs/etcd-$i.log)" 30 healthy "$(client_port $i)"; done
echo "etcd: 3 members on $endpoints (data in $dir/etcd)"

# An empty config file, so that nothing in this machine's /etc/pvd/config.yaml changes the nodes.
: >"$dir/config.yaml"
for i in 1 2 3; do
    node=${nodes[$((i - 1))]}
    mkdir -p "$dir/nodes/$node"
    start "$node" "$dir/logs/$node.log" "$PVD" serve --root "$dir/nodes/$node" --node "$node" --store "$store" \
        --listen "127.0.0.1:$(node_port $i)" --api-listen off --config "$dir/config.yaml"
done
ready() { curl -fsS -m 1 "http://127.0.0.1:$1/readyz"; }
for i in 1 2 3; do
    wait_for "pvd ${nodes[$((i - 1))]} (log: $dir/logs/${nodes[$((i - 1))]}.log)" 60 ready "$(node_port $i)"
done

cat >"$dir/cluster.env" <<ENV
# Source this file to talk to the cluster: pvd get pvc -A
export PVD_STORE='$store'
export PVD_ROOT='$dir/nodes/${nodes[0]}'
PVD_CLUSTER_NODES='${nodes[*]}'
PVD_CLUSTER_ETCD='$endpoints'
PVD_CLUSTER_LISTEN='$(for i in 1 2 3; do printf '127.0.0.1:%s ' "$(node_port $i)"; done)'
ENV
for i in 1 2 3; do echo "pvd ${nodes[$((i - 1))]}: root $dir/nodes/${nodes[$((i - 1))]}, http://127.0.0.1:$(node_port $i)/metrics"; done

pvdc() { "$PVD" --root "$dir/nodes/${nodes[0]}" --store "$store" "$@"; }

# The examples: static volumes, claims of them, and an Immediate hostPath class with a claim.
# Its class sets no basePath, so each node makes its directories under its own
# <root>/hostpath: a class is one object for every node, and a basePath written in it would be
# the same directory for all three daemons on this one machine.
pvdc apply -f "$repo/deploy/examples/"
# WaitForFirstConsumer: one claim per node, and a Pod on that node using it; the claim is
# provisioned by the node its Pod names.
{
    cat <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: node-local}
provisioner: pvd.io/hostpath
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
YAML
    for node in "${nodes[@]}"; do
        cat <<YAML
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: cache-$node}
spec:
  storageClassName: node-local
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: app-$node}
spec:
  nodeName: $node
  containers: [{name: app, image: busybox}]
  volumes: [{name: cache, persistentVolumeClaim: {claimName: cache-$node}}]
YAML
    done
} | pvdc apply -f -

for claim in $(pvdc get pvc -A -o json | jq -r '.items[] | .metadata.namespace + "/" + .metadata.name'); do
    pvdc wait "pvc/${claim#*/}" -n "${claim%%/*}" --for=phase=Bound --timeout 60s >/dev/null
done
# Each Pod's volume is published on its node, under that node's root.
for node in "${nodes[@]}"; do
    uid=$(pvdc get pod "app-$node" -o json | jq -r .metadata.uid)
    path=$dir/nodes/$node/pods/$uid/volumes/cache-$node
    wait_for "the volume of Pod app-$node at $path" 30 mountpoint -q "$path"
    echo "Pod app-$node: claim cache-$node published at $path"
done
echo
pvdc get nodes
echo
pvdc get pvc -A
echo
echo "Where each volume landed (static volumes without node affinity are on no node in particular):"
pvdc get pv -o json | jq -r '.items[] | [
        .metadata.name,
        ((.spec.claimRef // {}) | if .name then .namespace + "/" + .name else "-" end),
        ([.spec.nodeAffinity.required.nodeSelectorTerms[]?.matchExpressions[]?
            | select(.key == "kubernetes.io/hostname") | .values[]] | if length > 0 then join(",") else "-" end),
        (.spec.hostPath.path // .spec.local.path // "-")
    ] | @tsv' | awk -F'\t' 'BEGIN { printf "%-42s %-24s %-8s %s\n", "PV", "CLAIM", "NODE", "PATH" }
        { printf "%-42s %-24s %-8s %s\n", $1, $2, $3, $4 }'
echo
echo "The cluster runs in the background. To use it:  source $dir/cluster.env && $PVD get pvc -A"
echo "To stop it and remove everything:               $here/down.sh $dir"
