#!/usr/bin/env bash
# `ftpviz serve` against vsftpd, side by side in one run.
#
#   benches/serve_vs_vsftpd.sh [all|throughput|load|listing|long] [runs]
#       (needs curl, vsftpd, python3, and root for vsftpd)
#
# throughput: curl downloads the same 440 MiB file from both, in passive and
#   in active mode; best of [runs] (3).
# load: a classroom of real clients (benches/serve_load.py: Python's ftplib,
#   each on a loopback address of its own) at 16, 50 and 200 at once (LEVELS
#   to change), each session LIST, RETR random.bin, STOR a 1 MiB upload,
#   RETR it back, QUIT, the data mode going round PASV, EPSV, PORT, EPRT.
#   Prints bytes/s, sessions/s, p50/p99 session latency, refusals,
#   mismatches, failed STORs and peak RSS for both, then checks that
#   ftpviz's trace has one session per control connection and the goal at
#   200 clients (0 refused, 0 mismatches, 0 failed STORs, bytes/s >=
#   vsftpd's, peak RSS <= 256 MiB).
# listing: NOOP latency on one idle session (p50/p99/max of a NOOP every
#   10 ms) while 8 other sessions LIST a folder of 100 000 files over and
#   over (FILES to change) for SECONDS (10) seconds; the two servers serve
#   the same folder. Goal: ftpviz's p99 no worse than vsftpd's.
# long: one upload that takes longer than the idle timeout (curl
#   --limit-rate, 1 MiB at 200 KB/s, ~5 s) with both servers' idle and data
#   timeouts at 2 s, then a NOOP on the same session: does the session
#   survive its own transfer?
#
# ftpviz runs without --root (uploads go to demo's private temporary
# folder; --root is read-only); vsftpd serves a copy of the same built-in
# files and takes anonymous uploads into up/.
#
# A benchmark, not a test: run it when the machine is quiet.
set -euo pipefail
what=${1:-all}
runs=${2:-3}
levels=${LEVELS:-16 50 200}
sessions=${SESSIONS:-4}
here=$(cd "$(dirname "$0")/.." && pwd)
: "${CARGO_TARGET_DIR:=$here/target}"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
ftpviz="$CARGO_TARGET_DIR/release/ftpviz"

for tool in curl vsftpd python3; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 0; }
done
[ "$(id -u)" = 0 ] || { echo "skipped: vsftpd needs root"; exit 0; }

work=$(mktemp -d /tmp/ftpviz-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p /var/run/vsftpd/empty
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done; }

# vsftpd, anonymous, on `$1` serving `$2`; extra config lines on stdin.
start_vsftpd() {
    local port=$1 root=$2 conf="$work/vsftpd-$1.conf"
    cat > "$conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
anon_root=$root
secure_chroot_dir=/var/run/vsftpd/empty
seccomp_sandbox=NO
connect_from_port_20=NO
xferlog_enable=NO
max_clients=2000
max_per_ip=0
CONF
    cat >> "$conf"
    vsftpd "$conf" &
    pids+=($!)
    wait_port "$port"
}

throughput() {
    mkdir -p "$work/root"
    chmod 755 "$work/root"
    head -c $((440 * 1024 * 1024)) /dev/urandom > "$work/root/big.bin"
    local size ours theirs
    size=$(stat -c %s "$work/root/big.bin")
    ours=$(free_port)
    theirs=$(free_port)
    "$ftpviz" serve --root "$work/root" --listen "127.0.0.1:$ours" --json > "$work/ftpviz.jsonl" 2>/dev/null &
    pids+=($!)
    wait_port "$ours"
    start_vsftpd "$theirs" "$work/root" </dev/null

    # Best of $runs, in bytes per second; also checks the size.
    best() {
        local port=$1; shift
        local top=0
        for _ in $(seq "$runs"); do
            read -r speed got < <(curl -s "$@" -o /dev/null -w '%{speed_download} %{size_download}\n' "ftp://127.0.0.1:$port/big.bin")
            [ "${got%.*}" = "$size" ] || { echo "short download from port $port: $got of $size" >&2; exit 1; }
            top=$(python3 -c "print(max($top, $speed))")
        done
        echo "$top"
    }

    printf '%-8s %14s %14s %8s\n' mode "ftpviz MB/s" "vsftpd MB/s" ratio
    for mode in passive active; do
        args=()
        [ "$mode" = active ] && args=(--ftp-port 127.0.0.1)
        # Interleave the two servers so both see the same machine state.
        a=$(best "$ours" "${args[@]}")
        b=$(best "$theirs" "${args[@]}")
        python3 -c "a,b=$a,$b; print(f'{\"$mode\":<8} {a/1e6:14.0f} {b/1e6:14.0f} {a/b:8.2f}')"
    done
    echo "($runs runs each, best kept; file $((size / 1024 / 1024)) MiB; trace lines written by ftpviz: $(wc -l < "$work/ftpviz.jsonl"))"
    rm -f "$work/root/big.bin"
}

load() {
    local ours theirs vroot="$work/vroot" json="$work/load.jsonl"
    ours=$(free_port)
    theirs=$(free_port)
    # vsftpd: the same built-in files, read-only; uploads into up/ (owned
    # by its anonymous user, as vsftpd requires).
    mkdir -p "$vroot/up"
    cp -r "$here/assets/files/." "$vroot/"
    chmod -R a+rX "$vroot"
    chown ftp "$vroot/up"
    start_vsftpd "$theirs" "$vroot" <<CONF
write_enable=YES
anon_upload_enable=YES
anon_other_write_enable=YES
anon_umask=022
CONF
    local vsftpd_pid_=${pids[-1]}
    "$ftpviz" serve --listen "127.0.0.1:$ours" --json > "$json" 2>"$work/ftpviz.err" &
    local ftpviz_pid=$!
    pids+=("$ftpviz_pid")
    wait_port "$ours"
    # wait_port's probe is a control connection too: count it.
    local probes=1
    local vsftpd_pid=$vsftpd_pid_
    local driver=("python3" "$here/benches/serve_load.py" --sessions "$sessions" --expected "$here/assets/files/random.bin")

    printf '\n%-7s %-7s %10s %10s %8s %8s %7s %7s %7s %7s %9s\n' clients server "MB/s" "sess/s" "p50 ms" "p99 ms" refused mismat "STOR x" errors "peak MiB"
    local control=0
    for n in $levels; do
        for server in ftpviz vsftpd; do
            local out
            if [ "$server" = ftpviz ]; then
                out=$("${driver[@]}" --port "$ours" --clients "$n" --user demo --password demo --upload-dir / --pids "$ftpviz_pid")
            else
                out=$("${driver[@]}" --port "$theirs" --clients "$n" --upload-dir /up --pids "$vsftpd_pid")
            fi
            echo "$out" | grep -v '^{' >&2 || true
            out=$(echo "$out" | grep '^{')
            echo "$out" > "$work/$server-$n.json"
            python3 - "$n" "$server" "$out" <<'PY'
import json, sys
n, server, r = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ms = lambda x: "-" if x is None else f"{x * 1000:.0f}"
print(f"{n:<7} {server:<7} {r['bytes'] / r['wall'] / 1e6:10.1f} {r['sessions'] / r['wall']:10.1f} "
      f"{ms(r['p50']):>8} {ms(r['p99']):>8} {r['refused']:7} {r['mismatches']:7} "
      f"{r['failed_stors']:7} {r['errors']:7} {r['peak_rss'] / 2**20:9.0f}")
PY
            if [ "$server" = ftpviz ]; then
                control=$((control + $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['control'])" "$work/ftpviz-$n.json")))
            fi
        done
    done
    # Stop ftpviz (SIGTERM) and read its whole trace.
    kill -TERM "$ftpviz_pid"
    wait "$ftpviz_pid" || true
    python3 - "$json" "$((control + probes))" "$work" "${levels##* }" <<'PY'
import json, sys
path, control, work, top = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sessions = set()
with open(path) as f:
    for line in f:
        sessions.add(json.loads(line)["session"])
ok = len(sessions) == control
print(f"\ntrace: {len(sessions)} sessions for {control} control connections: {'ok' if ok else 'MISMATCH'}")
ours = json.load(open(f"{work}/ftpviz-{top}.json"))
print(f"ftpviz's own high-water mark (VmHWM) over the whole run: {ours['hwm'] / 2**20:.0f} MiB")
theirs = json.load(open(f"{work}/vsftpd-{top}.json"))
rate = lambda r: r["bytes"] / r["wall"]
goals = [
    ("0 refused", ours["refused"] == 0),
    ("0 mismatches", ours["mismatches"] == 0),
    ("0 failed STORs", ours["failed_stors"] == 0),
    ("0 other errors", ours["errors"] == 0),
    ("bytes/s >= vsftpd's", rate(ours) >= rate(theirs)),
    ("peak RSS <= 256 MiB", max(ours["peak_rss"], ours["hwm"]) <= 256 * 2**20),
    ("trace sessions = control connections", ok),
]
print(f"goal at {top} clients: " + ", ".join(f"{g}: {'yes' if y else 'NO'}" for g, y in goals))
PY
}

# NOOP latency on one session while 8 others list a big folder, for both.
listing() {
    local root="$work/many" ours theirs files=${FILES:-100000} seconds=${SECONDS_LISTING:-10}
    mkdir -p "$root"
    python3 - "$root" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    open(os.path.join(root, f"file-{i:06d}.txt"), "w").close()
PY
    chmod -R a+rX "$root"
    ours=$(free_port)
    theirs=$(free_port)
    "$ftpviz" serve --root "$root" --listen "127.0.0.1:$ours" --json > /dev/null 2>&1 &
    pids+=($!)
    wait_port "$ours"
    start_vsftpd "$theirs" "$root" </dev/null
    printf '\n%-7s %9s %9s %9s %9s %9s\n' server listings "p50 ms" "p99 ms" "max ms" noops
    for server in ftpviz vsftpd; do
        local port=$ours
        [ "$server" = vsftpd ] && port=$theirs
        python3 - "$port" "$server" "$seconds" <<'PY'
import ftplib, sys, threading, time
port, server, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
stop = time.monotonic() + seconds
listings = [0] * 8
def lister(i):
    ftp = ftplib.FTP(timeout=120)
    ftp.connect("127.0.0.1", port)
    ftp.login()
    while time.monotonic() < stop:
        ftp.retrlines("LIST", lambda line: None)
        listings[i] += 1
    ftp.quit()
threads = [threading.Thread(target=lister, args=(i,)) for i in range(8)]
noop = ftplib.FTP(timeout=120)
noop.connect("127.0.0.1", port)
noop.login()
for t in threads:
    t.start()
waits = []
while time.monotonic() < stop:
    t0 = time.monotonic()
    noop.voidcmd("NOOP")
    waits.append(time.monotonic() - t0)
    time.sleep(0.01)
noop.quit()
for t in threads:
    t.join()
waits.sort()
q = lambda p: waits[min(len(waits) - 1, int(p * len(waits)))] * 1000
print(f"{server:<7} {sum(listings):9} {q(0.5):9.1f} {q(0.99):9.1f} {waits[-1] * 1000:9.1f} {len(waits):9}")
PY
    done
    echo "(8 sessions listing $files files for ${seconds} s; one session's NOOP every 10 ms)"
}

# An upload longer than the idle timeout, then a NOOP on the same session.
long() {
    local vroot="$work/lroot" ours theirs
    mkdir -p "$vroot/up"
    cp -r "$here/assets/files/." "$vroot/"
    chmod -R a+rX "$vroot"
    chown ftp "$vroot/up"
    head -c $((1024 * 1024)) /dev/urandom > "$work/up.bin"
    ours=$(free_port)
    theirs=$(free_port)
    "$ftpviz" serve --listen "127.0.0.1:$ours" --idle-timeout 2 --data-timeout 2 --json > /dev/null 2>&1 &
    pids+=($!)
    wait_port "$ours"
    start_vsftpd "$theirs" "$vroot" <<CONF
write_enable=YES
anon_upload_enable=YES
anon_umask=022
idle_session_timeout=2
data_connection_timeout=2
CONF
    printf '\n%-7s %8s %-40s\n' server seconds "upload at 200 KB/s, then NOOP"
    for server in ftpviz vsftpd; do
        local url="ftp://127.0.0.1:$ours/long.bin" auth=(-u demo:demo)
        [ "$server" = vsftpd ] && { url="ftp://127.0.0.1:$theirs/up/long-$RANDOM.bin"; auth=(); }
        local t0 t1 said
        t0=$(date +%s.%N)
        if said=$(curl -sS "${auth[@]}" --limit-rate 200K -T "$work/up.bin" -Q "-NOOP" "$url" 2>&1); then
            said="ok: 226, then NOOP answered"
        fi
        t1=$(date +%s.%N)
        printf '%-7s %8.1f %s\n' "$server" "$(python3 -c "print($t1 - $t0)")" "$said"
    done
    echo "(idle and data timeouts 2 s on both servers)"
}

case "$what" in
    throughput) throughput ;;
    load) load ;;
    listing) listing ;;
    long) long ;;
    all) throughput; load; listing; long ;;
    *) echo "usage: $0 [all|throughput|load|listing|long] [runs]" >&2; exit 2 ;;
esac
