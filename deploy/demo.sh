#!/usr/bin/env bash
# A narrated tour of a volume's whole life under pvd: a class, a claim, a pod that writes,
# a second pod that reads what the first wrote, protection of a claim in use, and what happens
# to the data when the claim goes under Retain and under Delete.
#
# Run it after `make run` has built pvd (as root: pods get bind mounts):
#   sudo deploy/demo.sh
# It works in a directory of its own (PVD_DEMO_ROOT, default a new /tmp/pvd-demo.XXXX), starts
# its own `pvd serve` there, and stops it and removes everything it made when it ends.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
PVD_BIN=${PVD_BIN:-$here/.build/release/pvd}
[ -x "$PVD_BIN" ] || PVD_BIN=$here/.build/debug/pvd
[ -x "$PVD_BIN" ] || { echo "demo: no pvd binary; run 'make run' (or 'swift build') first" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root: pods' volumes are bind mounts" >&2; exit 1; }

root=${PVD_DEMO_ROOT:-$(mktemp -d /tmp/pvd-demo.XXXX)}
port=${PVD_DEMO_PORT:-19108}
export PVD_ROOT=$root PVD_NODE=${PVD_NODE:-$(hostname)}
pace=${PVD_DEMO_PACE:-0}
serve_pid=""

bold=$(tput bold 2>/dev/null || true); dim=$(tput dim 2>/dev/null || true); plain=$(tput sgr0 2>/dev/null || true)
say() { printf '\n%s# %s%s\n' "$bold" "$*" "$plain"; sleep "$pace"; }
run() { printf '%s$ pvd %s%s\n' "$dim" "$*" "$plain"; "$PVD_BIN" "$@"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }

cleanup() {
    local status=$?
    set +e
    if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
        kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null
    fi
    # Leave nothing behind: what was mounted under this root (pods' bind mounts, if the demo
    # stopped half-way), deepest first, by exact path; then the root itself.
    grep -F " $root/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount "$m"; done
    rm -rf "$root"
    if [ "$status" -eq 0 ]; then rm -f "$root.serve.log"; else echo "demo: the daemon's log is $root.serve.log" >&2; fi
    exit "$status"
}
trap cleanup EXIT

say "pvd keeps everything for this demo under $root; the daemon runs there too."
"$PVD_BIN" serve --listen "127.0.0.1:$port" --api-listen off >"$root.serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || fail "pvd serve did not become ready (log: $root.serve.log)"
echo "pvd serve is running (pid $serve_pid), ready on http://127.0.0.1:$port/readyz"

say "Two classes of hostPath volumes: one keeps the data when its claim goes (Retain), one deletes it."
run apply -f - <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: keep}
provisioner: pvd.io/hostpath
reclaimPolicy: Retain
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: scratch}
provisioner: pvd.io/hostpath
reclaimPolicy: Delete
YAML
run get sc

say "A claim asks for 1Gi of the Retain class. The daemon provisions a directory and binds it."
run apply -f - <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: notes}
spec:
  storageClassName: keep
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
YAML
run wait pvc/notes --for=phase=Bound --timeout 30s
run get pvc notes
pv=$("$PVD_BIN" get pvc notes -o json | sed -n 's/.*"volumeName" *: *"\([^"]*\)".*/\1/p')
run get pv "$pv"

pod_path() { # where pvd publishes a pod's claim: <root>/pods/<pod uid>/volumes/<claim>
    local uid
    uid=$("$PVD_BIN" get pod "$1" -o json | sed -n 's/.*"uid" *: *"\([^"]*\)".*/\1/p' | head -1)
    echo "$root/pods/$uid/volumes/$2"
}
pod() { # a Pod on this node that uses claim $2
    "$PVD_BIN" apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  nodeName: $PVD_NODE
  containers: [{name: app, image: busybox}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: $2}}]
YAML
}
wait_for() { for _ in $(seq 100); do eval "$1" && return 0; sleep 0.05; done; fail "timed out waiting for: $1"; }

say "A Pod named 'writer' uses the claim. pvd runs no containers; it makes the volume reachable at the pod's own path."
pod writer notes
w=$(pod_path writer notes)
wait_for "mountpoint -q '$w'"
echo "published at $w"
echo "written by writer at $(date -u +%FT%TZ)" >"$w/hello.txt"
printf '%s$ cat %s%s\n' "$dim" "$w/hello.txt" "$plain"; cat "$w/hello.txt"

say "The writer Pod goes away. Its mount and its directory go with it; the data stays in the volume."
run delete pod writer
wait_for "[ ! -e '$(dirname "$(dirname "$w")")' ]"
echo "$(dirname "$(dirname "$w")") is gone"

say "A new Pod, 'reader', gets the same claim and finds what the writer left."
pod reader notes
r=$(pod_path reader notes)
wait_for "mountpoint -q '$r'"
printf '%s$ cat %s%s\n' "$dim" "$r/hello.txt" "$plain"; cat "$r/hello.txt" || fail "the data did not survive the pod"

say "Deleting a claim a live Pod uses does not pull the volume away: it stays Terminating (kubernetes.io/pvc-protection)."
run delete pvc notes
sleep 0.3
run get pvc notes
"$PVD_BIN" get pvc notes >/dev/null || fail "the claim vanished while in use"

say "Once the reader Pod goes, the claim goes. Under Retain the volume turns Released and keeps the data."
run delete pod reader
run wait pvc/notes --for=delete --timeout 30s
run wait pv/"$pv" --for=phase=Released --timeout 30s
run get pv "$pv"
dir=$("$PVD_BIN" get pv "$pv" -o json | sed -n 's/.*"path" *: *"\([^"]*\)".*/\1/p' | head -1)
printf '%s$ cat %s%s\n' "$dim" "$dir/hello.txt" "$plain"; cat "$dir/hello.txt"

say "An administrator hands the retained volume out again by clearing its claimRef: it is Available."
run patch pv "$pv" -p '{"spec":{"claimRef":null}}'
run wait pv/"$pv" --for=phase=Available --timeout 30s
run get pv "$pv"

say "Under Delete, the claim's end is the volume's end: the directory and the PV both go."
run apply -f - <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: tmp}
spec:
  storageClassName: scratch
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
YAML
run wait pvc/tmp --for=phase=Bound --timeout 30s
tmp_pv=$("$PVD_BIN" get pvc tmp -o json | sed -n 's/.*"volumeName" *: *"\([^"]*\)".*/\1/p')
tmp_dir=$("$PVD_BIN" get pv "$tmp_pv" -o json | sed -n 's/.*"path" *: *"\([^"]*\)".*/\1/p' | head -1)
ls -d "$tmp_dir"
run delete pvc tmp
run wait pv/"$tmp_pv" --for=delete --timeout 30s
[ ! -e "$tmp_dir" ] || fail "$tmp_dir is still there"
echo "$tmp_dir is gone"

say "What happened, as Events:"
run get events
say "Done. The daemon stops now, and $root is removed."
