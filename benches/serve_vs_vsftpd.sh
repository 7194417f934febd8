#!/usr/bin/env bash
# Throughput of `ftpviz serve --root` against vsftpd, side by side in one
# run: curl downloads the same 440 MiB file from both, in passive and in
# active mode, and the script prints each speed and the ratio.
#
#   benches/serve_vs_vsftpd.sh [runs]      (needs curl, vsftpd, root for vsftpd)
#
# A benchmark, not a test: run it when the machine is quiet.
set -euo pipefail
runs=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
: "${CARGO_TARGET_DIR:=$here/target}"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
ftpviz="$CARGO_TARGET_DIR/release/ftpviz"

for tool in curl vsftpd; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 0; }
done
[ "$(id -u)" = 0 ] || { echo "skipped: vsftpd needs root"; exit 0; }

work=$(mktemp -d /tmp/ftpviz-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/root" /var/run/vsftpd/empty
chmod 755 "$work/root"
head -c $((440 * 1024 * 1024)) /dev/urandom > "$work/root/big.bin"
size=$(stat -c %s "$work/root/big.bin")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ours=$(free_port)
theirs=$(free_port)

"$ftpviz" serve --root "$work/root" --listen "127.0.0.1:$ours" --json > "$work/ftpviz.jsonl" 2>/dev/null &
pids+=($!)
cat > "$work/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$theirs
background=NO
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
anon_root=$work/root
secure_chroot_dir=/var/run/vsftpd/empty
seccomp_sandbox=NO
connect_from_port_20=NO
xferlog_enable=NO
CONF
vsftpd "$work/vsftpd.conf" &
pids+=($!)
for port in $ours $theirs; do
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
done

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
