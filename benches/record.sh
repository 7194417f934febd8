#!/usr/bin/env bash
# What `--record` costs: curl fetches one 440 MiB file from `ftpviz serve
# --root` (passive mode), three ways, and the script prints curl's speed,
# ftpviz's peak memory and the capture's size:
#
#   1. serve --json                      (no recording: the baseline)
#   2. serve --json --record x.pcapng    (ftpviz writes the capture)
#   3. serve --json, tcpdump -i lo -w    (the reference: a real capture of
#                                         the same transfer, when tcpdump
#                                         can sniff loopback)
#
#   benches/record.sh [runs]      (needs curl; tcpdump and root for the reference)
#
# A benchmark, not a test: run it when the machine is quiet.
set -euo pipefail
runs=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
: "${CARGO_TARGET_DIR:=$here/target}"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
ftpviz="$CARGO_TARGET_DIR/release/ftpviz"
command -v curl >/dev/null || { echo "skipped: curl is not installed"; exit 0; }

work=$(mktemp -d /tmp/ftpviz-record-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/root"
head -c $((440 * 1024 * 1024)) /dev/urandom > "$work/root/big.bin"
size=$(stat -c %s "$work/root/big.bin")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run LABEL [--record FILE] [--tcpdump FILE]: one fetch, one line of figures.
run() {
    local label=$1 record=() dump="" port
    shift
    case "${1:-}" in
        --record) record=(--record "$2") ;;
        --tcpdump) dump=$2 ;;
    esac
    port=$(free_port)
    "$ftpviz" serve --root "$work/root" \
        --listen "127.0.0.1:$port" --json "${record[@]}" > /dev/null 2> "$work/serve.err" &
    local serve=$!
    pids+=("$serve")
    until grep -q "serving on" "$work/serve.err" 2>/dev/null; do sleep 0.05; done
    local tcpdump=""
    if [ -n "$dump" ]; then
        tcpdump -i lo -s 0 -w "$dump" -U "tcp and host 127.0.0.1" 2> "$work/tcpdump.err" &
        tcpdump=$!
        pids+=("$tcpdump")
        until grep -q "listening on" "$work/tcpdump.err" 2>/dev/null; do sleep 0.05; done
    fi
    local speed
    speed=$(curl -s -o /dev/null -w '%{speed_download}' "ftp://127.0.0.1:$port/big.bin")
    [ -n "$tcpdump" ] && { kill -INT "$tcpdump"; wait "$tcpdump" 2>/dev/null || true; }
    # Peak resident memory, from the kernel, before stopping it.
    local rss
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$serve/status")
    kill -TERM "$serve"
    wait "$serve" 2>/dev/null || true
    local file=${2:-}
    local bytes=0
    [ -n "$file" ] && bytes=$(stat -c %s "$file")
    printf '%-28s %7.0f MB/s   ftpviz peak RSS %6.1f MiB   capture %6.0f MiB\n' \
        "$label" "$(echo "$speed / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)" \
        "$(echo "$bytes / 1048576" | bc -l)"
    rm -f "$file"
}

echo "curl fetching $((size >> 20)) MiB from ftpviz serve --root, passive, $runs run(s) each"
for _ in $(seq "$runs"); do
    run "serve (no recording)"
    run "serve --record" --record "$work/run.pcapng"
    if command -v tcpdump >/dev/null && [ "$(id -u)" = 0 ]; then
        run "serve + tcpdump -i lo (ref)" --tcpdump "$work/dump.pcap"
    fi
done
