#!/usr/bin/env bash
# A narrated tour of a volume's whole life under pvd: a class, a claim, a Pod whose container
# writes, a second Pod whose container reads what the first wrote, protection of a claim in use,
# and what happens to the data when the claim goes under Retain and under Delete. The Pods run for
# real, through runc (`pvd serve --runtime runc`), from a busybox image built offline.
#
# Run it after `make run` has built pvd (as root: containers, overlays, bind mounts):
#   sudo deploy/demo.sh
# It works in a directory of its own (PVD_DEMO_ROOT, default a new /tmp/pvd-demo.XXXX), starts
# its own `pvd serve` there, and stops it and removes everything it made when it ends.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
PVD_BIN=${PVD_BIN:-$here/.build/release/pvd}
[ -x "$PVD_BIN" ] || PVD_BIN=$here/.build/debug/pvd
[ -x "$PVD_BIN" ] || { echo "demo: no pvd binary; run 'make run' (or 'swift build') first" >&2; exit 1; }
[ -x "$(dirname "$PVD_BIN")/pvd-server" ] || { echo "demo: no pvd-server beside $PVD_BIN (pvd hands serve to it); run 'make run' (or 'swift build') first" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root: pods' volumes are bind mounts" >&2; exit 1; }
for tool in runc umoci skopeo busybox; do
    command -v "$tool" >/dev/null || { echo "demo: $tool missing: apt-get install runc umoci skopeo busybox-static" >&2; exit 1; }
done

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
    # Containers the demo left running (if it stopped half-way): only those under its own runc root.
    if [ -d "$root/runc" ]; then
        runc --root "$root/runc" list -q | while read -r id; do runc --root "$root/runc" delete --force "$id"; done
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
"$PVD_BIN" image busybox --name alpine
"$PVD_BIN" serve --listen "127.0.0.1:$port" --runtime runc --api-listen off >"$root.serve.log" 2>&1 &
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

pod() { # a Pod on this node whose container runs the shell command $3 with claim $2 at /data
    "$PVD_BIN" apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  nodeName: $PVD_NODE
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: alpine
    command: ["/bin/sh", "-c", "$3"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: $2}}]
YAML
}

say "A Pod named 'writer' uses the claim. Its container (busybox through runc) writes into the volume at /data, and exits."
pod writer notes 'echo written by writer on $(hostname) at $(date -u +%FT%TZ) >> /data/hello.txt'
run wait pod/writer --for=phase=Succeeded --timeout 60s
run get pods

say "The writer Pod goes away. The data stays in the volume."
run delete pod writer --wait

say "A new Pod, 'reader', gets the same claim; its container prints what the writer left."
pod reader notes 'cat /data/hello.txt'
run wait pod/reader --for=phase=Succeeded --timeout 60s
run logs reader
"$PVD_BIN" logs reader | grep -q "written by writer" || fail "the data did not survive the pod"
run delete pod reader --wait

say "Deleting a claim a running Pod uses does not pull the volume away: it stays Terminating (kubernetes.io/pvc-protection)."
pod holder notes 'sleep 600'
run wait pod/holder --for=phase=Running --timeout 60s
run delete pvc notes
sleep 0.3
run get pvc notes
"$PVD_BIN" get pvc notes >/dev/null || fail "the claim vanished while in use"

say "Once the holder Pod's container is stopped (TERM, its grace period, KILL), the claim goes. Under Retain the volume turns Released and keeps the data."
run delete pod holder --wait
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
