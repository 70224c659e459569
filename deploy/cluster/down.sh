#!/usr/bin/env bash
# Stops a cluster deploy/cluster/up.sh started in DIR, and removes DIR:
#
#   deploy/cluster/down.sh /tmp/pvd-cluster [--keep]
#
# It stops exactly the processes whose PIDs up.sh recorded under DIR/pids (the pvd nodes first,
# then the etcd members; SIGTERM, SIGKILL after 20 s), and only while such a PID still runs a
# command that names DIR, so a PID the system gave to another process since is left alone. It
# then unmounts what is mounted under DIR (deepest first, by exact path, never lazily) and
# detaches the loop devices whose image lies under DIR, and nothing else. Last, DIR is
# removed, unless --keep is given (logs and data stay) or something could not be undone.
set -euo pipefail

fail() { echo "down: $*" >&2; exit 1; }
[ $# -ge 1 ] || fail "usage: down.sh DIR [--keep]"
[ -d "$1" ] || fail "$1: no such directory"
dir=$(cd "$1" && pwd -P)
keep=false
[ "${2:-}" = --keep ] && keep=true
[ -d "$dir/pids" ] || fail "$dir holds no cluster up.sh started (no $dir/pids)"

# Whether PID runs, and is the one up.sh started (its command line names the directory). A
# zombie has finished.
ours() {
    local pid=$1 state
    [ -r "/proc/$pid/cmdline" ] || return 1
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
    [ "$state" != Z ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$dir/"
}

stop() { # pidfile...
    local f pid pids=()
    for f in "$@"; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        if ours "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
        rm -f "$f"
    done
    [ ${#pids[@]} -gt 0 ] || return 0
    for _ in $(seq 200); do
        local left=()
        for pid in "${pids[@]}"; do ours "$pid" && left+=("$pid"); done
        [ ${#left[@]} -gt 0 ] || return 0
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if ours "$pid"; then
            echo "down: pid $pid did not stop on SIGTERM within 20s; SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    for _ in $(seq 50); do
        local alive=false
        for pid in "${pids[@]}"; do ours "$pid" && alive=true; done
        [ "$alive" = true ] || return 0
        sleep 0.1
    done
    fail "pids ${pids[*]} still run after SIGKILL"
}

shopt -s nullglob
# The nodes first, so that none publishes a mount again while they are taken away.
nodes=()
for f in "$dir"/pids/*.pid; do case "$(basename "$f")" in etcd-*) ;; *) nodes+=("$f") ;; esac; done
stop "${nodes[@]}"
stop "$dir"/pids/etcd-*.pid
echo "down: stopped the processes of $dir"

status=0
# Mounts under the directory (pods' bind mounts, loop volumes), deepest first.
while read -r m; do
    umount "$m" || { echo "down: could not unmount $m" >&2; status=1; }
done < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
# Loop devices whose image lies under the directory.
for f in /sys/block/loop*/loop/backing_file; do
    image=$(cat "$f" 2>/dev/null || true)
    case "$image" in
        "$dir"/*)
            dev=/dev/$(basename "$(dirname "$(dirname "$f")")")
            losetup -d "$dev" || { echo "down: could not detach $dev ($image)" >&2; status=1; }
            ;;
    esac
done
[ "$status" -eq 0 ] || fail "left $dir in place: see above"

if [ "$keep" = true ]; then
    echo "down: kept $dir"
else
    # Nothing is mounted under it any more; --one-file-system all the same.
    rm -rf --one-file-system "$dir"
    echo "down: removed $dir"
fi
