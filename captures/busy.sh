#!/usr/bin/env bash
# Records captures/busy_vsftpd_pyftpdlib.pcap: a busy FTP server host, as a
# capture taken on a real link would show it.
#
#   captures/busy.sh            (as root: it makes two network namespaces)
#   captures/busy.sh --manifest (only rewrite BUSY_MANIFEST.txt from the capture)
#
# Two hosts joined by a veth pair, each in its own network namespace made
# here (10.77.0.1, the servers; 10.77.0.2, the clients). On the server host
# two real servers listen at once: vsftpd on port 21 (active data from port
# 20) and pyftpdlib on port 2121. On the client host, real clients run in
# waves, many at a time: curl (EPSV, PASV, PORT, EPRT), lftp (passive and
# active) and Python's ftplib (passive and active, several transfers in one
# session). tcpdump captures the client host's end of the link. Every
# session is a login, a listing and one or more downloads of small files, so
# the capture stays a few megabytes.
#
# BUSY_MANIFEST.txt is then written from the capture by tshark: each control
# connection with its commands and reply codes, and each data connection with
# the control connection and the method (PORT, EPRT, PASV, EPSV) tshark links
# it to. tests/replay_busy.rs checks replay against those facts.
#
# Needs: ip (iproute2), tcpdump, tshark, vsftpd, python3 with pyftpdlib, curl,
# lftp. Only the namespaces made here are touched; they are removed at exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/busy_vsftpd_pyftpdlib.pcap"
waves=${WAVES:-6}
work=$(mktemp -d)
chmod 755 "$work"
ns_s="ftpviz-busy-s$$"
ns_c="ftpviz-busy-c$$"
srv=10.77.0.1
cli=10.77.0.2

manifest_only=
[ "${1:-}" = --manifest ] && manifest_only=1

record() {
for tool in ip tcpdump tshark vsftpd python3 curl lftp; do
    command -v "$tool" >/dev/null || { echo "busy.sh: needs $tool" >&2; exit 1; }
done

# The two hosts and the link between them.
ip netns add "$ns_s"
ip netns add "$ns_c"
ip link add "vb-s$$" type veth peer name "vb-c$$"
ip link set "vb-s$$" netns "$ns_s"
ip link set "vb-c$$" netns "$ns_c"
ip -n "$ns_s" addr add "$srv/24" dev "vb-s$$"
ip -n "$ns_c" addr add "$cli/24" dev "vb-c$$"
for ns in "$ns_s" "$ns_c"; do
    ip -n "$ns" link set lo up
done
ip -n "$ns_s" link set "vb-s$$" up
ip -n "$ns_c" link set "vb-c$$" up
in_s() { ip netns exec "$ns_s" "$@"; }
in_c() { ip netns exec "$ns_c" "$@"; }

# The files both servers offer (read-only, anonymous).
mkdir -p "$work/root/pub"
printf 'Hello from a busy server.\n' > "$work/root/hello.txt"
head -c 8000 /dev/zero | tr '\0' 'a' | fold -w 79 > "$work/root/small.txt"
head -c 40000 /dev/zero | tr '\0' 'b' > "$work/root/pub/medium.bin"
head -c 120000 /dev/zero | tr '\0' 'c' > "$work/root/big.bin"
chmod -R a+rX "$work/root"

cat > "$work/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$srv
listen_port=21
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$work/root
local_enable=NO
write_enable=NO
pasv_enable=YES
pasv_min_port=40000
pasv_max_port=40999
port_enable=YES
connect_from_port_20=YES
seccomp_sandbox=NO
secure_chroot_dir=/var/run/vsftpd/empty
max_clients=0
max_per_ip=0
xferlog_enable=NO
EOF
mkdir -p /var/run/vsftpd/empty

in_s vsftpd "$work/vsftpd.conf" >"$work/vsftpd.log" 2>&1 &
in_s python3 -m pyftpdlib -i "$srv" -p 2121 -d "$work/root" >"$work/pyftpdlib.log" 2>&1 &

# wait_for PORT: until something listens on the server host's PORT.
wait_for() {
    for _ in $(seq 200); do
        in_c bash -c "exec 3<>/dev/tcp/$srv/$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "busy.sh: nothing listens on $srv:$1" >&2
    cat "$work"/*.log >&2
    exit 1
}
wait_for 21
wait_for 2121

# The ftplib client: several commands and transfers in one session.
cat > "$work/ftplib_client.py" <<'EOF'
import ftplib, io, sys
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
f = ftplib.FTP()
f.connect(host, port, timeout=30)
f.login()
f.set_pasv(mode == "passive")
f.sendcmd("TYPE A")
f.retrlines("LIST", lambda line: None)
f.retrlines("NLST pub", lambda line: None)
f.retrbinary("RETR hello.txt", io.BytesIO().write)
f.retrbinary("RETR small.txt", io.BytesIO().write)
f.quit()
EOF

# One client of kind $1 against port $2.
client() {
    local kind=$1 port=$2
    local url="ftp://$srv:$port"
    case $kind in
        curl-epsv) in_c timeout 60 curl -sS "$url/big.bin" -o /dev/null ;;
        curl-pasv) in_c timeout 60 curl -sS --disable-epsv "$url/pub/medium.bin" -o /dev/null ;;
        curl-port) in_c timeout 60 curl -sS -P "$cli" --disable-eprt "$url/small.txt" -o /dev/null ;;
        curl-eprt) in_c timeout 60 curl -sS -P - "$url/hello.txt" -o /dev/null ;;
        lftp-pasv) in_c timeout 60 lftp -c "set ftp:passive-mode on; set net:max-retries 1; open $url; ls; cat small.txt" ;;
        lftp-port) in_c timeout 60 lftp -c "set ftp:passive-mode off; set net:max-retries 1; open $url; ls; cat pub/medium.bin" ;;
        ftplib-pasv) in_c timeout 60 python3 "$work/ftplib_client.py" "$srv" "$port" passive ;;
        ftplib-port) in_c timeout 60 python3 "$work/ftplib_client.py" "$srv" "$port" active ;;
    esac >/dev/null
}

ip netns exec "$ns_c" tcpdump -i "vb-c$$" -s 0 -U -w "$work/cap.pcap" tcp 2>"$work/tcpdump.log" &
capture=$!
for _ in $(seq 200); do
    grep -q "listening on" "$work/tcpdump.log" 2>/dev/null && break
    sleep 0.05
done
grep -q "listening on" "$work/tcpdump.log" || { cat "$work/tcpdump.log" >&2; exit 1; }

# Waves of clients: every kind against both servers, all at once, each
# starting a few milliseconds after the one before.
kinds=(curl-epsv curl-pasv curl-port curl-eprt lftp-pasv lftp-port ftplib-pasv ftplib-port)
for wave in $(seq "$waves"); do
    pids=()
    for kind in "${kinds[@]}"; do
        for port in 21 2121; do
            client "$kind" "$port" &
            pids+=($!)
            sleep 0.01
        done
    done
    failed=0
    for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
    echo "wave $wave: ${#pids[@]} clients, $failed failed"
done
sleep 0.5
kill -INT "$capture"
wait "$capture" || true
mv "$work/cap.pcap" "$out"
echo "recorded $(basename "$out") ($(stat -c %s "$out") bytes)"
}

cleanup() {
    kill $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    ip netns del "$ns_s" 2>/dev/null || true
    ip netns del "$ns_c" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
[ -n "$manifest_only" ] || record

# BUSY_MANIFEST.txt: tshark's reading of the capture, in three passes.
tsh() { tshark -r "$out" -d tcp.port==2121,ftp "$@" 2>/dev/null; }
tsh -Y "tcp.flags.syn==1 && tcp.flags.ack==0" -T fields -e tcp.stream -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport \
    | awk '!seen[$1]++ { print $1, $2 ":" $3, $4 ":" $5 }' > "$work/syns"
tsh -Y "ftp" -T fields -E aggregator=' ' -e tcp.stream -e ftp.request.command -e ftp.request.arg -e ftp.response.code \
    -e ftp.response.arg > "$work/dialogue"
tsh -Y "ftp-data" -T fields -e tcp.stream -e ftp-data.setup-method -e ftp-data.setup-frame \
    | awk '!seen[$1]++' > "$work/data"
tsh -T fields -e frame.number -e tcp.stream > "$work/frames"
{
    echo "$(basename "$out"): recorded by captures/busy.sh on $(date -u +%F) with $(tcpdump --version 2>&1 | head -1)."
    echo "Facts below are tshark's reading of the capture ($(tshark --version | head -1))."
    echo "'control STREAM CLIENT SERVER': an FTP control connection (CLIENT sent its SYN), then its"
    echo "dialogue in order ('C: VERB ARG' a command, 'S: CODE' a reply code, one per packet line;"
    echo "227 and 229 with their text, which names the data endpoint)."
    echo "'data STREAM DIALLER LISTENER METHOD CONTROL': a data connection (DIALLER sent its SYN),"
    echo "and the setup method and control stream tshark links it to (tshark does not link every one:"
    echo "not pyftpdlib's active connections, dialled from an ephemeral port)."
    echo "'tcp STREAM DIALLER LISTENER': every TCP connection in the capture."
    awk '{ print "tcp", $1, $2, $3 }' "$work/syns"
    awk -F'\t' '
        FILENAME == ARGV[1] { split($0, w, " "); syn[w[1]] = w[2] " " w[3]; next }
        {
            s = $1
            if (!(s in started)) { started[s] = 1; order[++n] = s }
            if ($2 != "") line[s] = line[s] "  C: " $2 (($3 != "") ? " " $3 : "") "\n"
            if ($4 == "227" || $4 == "229") line[s] = line[s] "  S: " $4 " " $5 "\n"
            else if ($4 != "") { k = split($4, codes, " "); for (i = 1; i <= k; i++) line[s] = line[s] "  S: " codes[i] "\n" }
        }
        END { for (i = 1; i <= n; i++) { s = order[i]; printf "control %s %s\n%s", s, syn[s], line[s] } }
    ' "$work/syns" "$work/dialogue"
    awk '
        FILENAME == ARGV[1] { syn[$1] = $2 " " $3; next }
        FILENAME == ARGV[2] { stream[$1] = $2; next }
        { print "data", $1, syn[$1], $2, stream[$3] }
    ' "$work/syns" "$work/frames" "$work/data"
} > "$here/BUSY_MANIFEST.txt"
echo "wrote BUSY_MANIFEST.txt"
