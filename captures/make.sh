#!/usr/bin/env bash
# Records fresh FTP captures on loopback with real tools, into this folder.
#
#   captures/make.sh            (as root: dumpcap needs to capture on lo)
#   captures/make.sh ftps       (only the FTPS captures, 5-7)
#
# Every capture is real traffic between real programs: curl, lftp and
# Python's ftplib as clients; pyftpdlib, vsftpd and ftpviz's own `serve` as
# servers. Needs: dumpcap (tshark), curl, lftp, python3 with pyftpdlib,
# vsftpd, and a release build of ftpviz (cargo build --release).
# Only loopback addresses are used. MANIFEST.txt is rewritten from the
# captures with tshark, so its facts are read off the files, not typed in.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
ftpviz="${FTPVIZ:-$top/target/release/ftpviz}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

only=${1:-all}
for tool in dumpcap tshark editcap curl lftp python3; do
    command -v "$tool" >/dev/null || { echo "make.sh: needs $tool" >&2; exit 1; }
done
[ -x "$ftpviz" ] || (cd "$top" && cargo build --release -q)

mkdir -p "$work/root"
printf 'Hello from a freshly recorded capture.\n' > "$work/root/hello.txt"
head -c 200000 /dev/zero | tr '\0' 'x' | fold -w 99 > "$work/root/big.txt"

# wait_for PORT: until something listens on 127.0.0.1:PORT.
wait_for() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "make.sh: nothing listens on port $1" >&2; exit 1
}

# record FILE FILTER COMMAND...: capture loopback traffic matching FILTER
# while COMMAND runs.
record() {
    local out=$1 filter=$2; shift 2
    local fmt=()
    [[ $out == *.pcap ]] && fmt=(-P)
    dumpcap -i lo "${fmt[@]}" -f "$filter" -w "$work/cap" 2>"$work/dumpcap.log" &
    local cap=$!
    local started=
    for _ in $(seq 200); do
        grep -q "Capturing on" "$work/dumpcap.log" 2>/dev/null && { started=1; break; }
        sleep 0.05
    done
    [ -n "$started" ] || { cat "$work/dumpcap.log" >&2; echo "make.sh: dumpcap did not start" >&2; exit 1; }
    "$@" >/dev/null
    sleep 0.3
    kill -INT "$cap"; wait "$cap" || true
    mv "$work/cap" "$here/$out"
    echo "recorded $out"
}

# record_ftps FILE KEYS COMMAND...: as record, with the TLS keys the client
# logged (SSLKEYLOGFILE=KEYS) put inside the pcapng as a Decryption Secrets
# Block, so that Wireshark and `ftpviz replay` read the FTP inside TLS.
record_ftps() {
    local out=$1 keys=$2; shift 2
    rm -f "$keys"
    record "$out" "tcp and host 127.0.0.1" env SSLKEYLOGFILE="$keys" "$@"
    editcap --inject-secrets "tls,$keys" "$here/$out" "$work/with-keys.pcapng"
    mv "$work/with-keys.pcapng" "$here/$out"
    echo "  with $(grep -vc "^#" "$keys") key log lines inside"
}

# 5-7. Explicit FTPS (AUTH TLS, PROT P) against ftpviz serve --tls, keys
# inside: curl in passive mode (PASV), TLS 1.3 and TLS 1.2; Python's
# ftplib in active mode (PORT): Debian 12's curl 7.88 never starts TLS on
# an active data connection (see tests/serve_tls_clients.rs).
ftps() {
    "$ftpviz" serve --listen 127.0.0.1:2161 --root "$work/root" --tls --json >"$work/serve-tls.json" 2>&1 &
    wait_for 2161
    local url=ftp://127.0.0.1:2161
    record_ftps ftps_pasv_curl_ftpviz.pcapng "$work/keys1.txt" \
        curl -sS --ssl-reqd -k --disable-epsv -u anonymous:x "$url/" "$url/big.txt" -o /dev/null -o /dev/null
    record_ftps ftps_port_ftplib_ftpviz.pcapng "$work/keys2.txt" \
        python3 -c "if 1:
            import ftplib
            ftp = ftplib.FTP_TLS()
            ftp.connect('127.0.0.1', 2161)
            ftp.login('anonymous', 'x')
            ftp.prot_p()
            ftp.set_pasv(False)
            ftp.retrlines('LIST', lambda line: None)
            ftp.retrbinary('RETR hello.txt', lambda b: None)
            ftp.quit()"
    record_ftps ftps_tls12_curl_ftpviz.pcapng "$work/keys3.txt" \
        curl -sS --ssl-reqd -k --tls-max 1.2 --disable-epsv -u anonymous:x "$url/hello.txt" -o /dev/null
}

if [ "$only" = ftps ]; then
    ftps
    exit 0
fi

# 1-2. pyftpdlib, with curl in passive (EPSV) and active (PORT) mode.
python3 -m pyftpdlib -i 127.0.0.1 -p 2141 -d "$work/root" -u ftplab -P labpass \
    >"$work/pyftpdlib.log" 2>&1 &
wait_for 2141
record curl_epsv_pyftpdlib.pcapng "tcp and host 127.0.0.1" \
    curl -sS -u ftplab:labpass ftp://127.0.0.1:2141/hello.txt
record curl_port_pyftpdlib.pcap "tcp and host 127.0.0.1" \
    curl -sS -u ftplab:labpass -P 127.0.0.1 --disable-eprt ftp://127.0.0.1:2141/big.txt

# 3-4. ftpviz serve, with lftp in passive mode and curl in active (EPRT) mode.
"$ftpviz" serve --listen 127.0.0.1:2151 --root "$work/root" --json >"$work/serve.json" 2>&1 &
wait_for 2151
record lftp_pasv_ftpviz.pcapng "tcp and host 127.0.0.1" \
    lftp -c "set ftp:passive-mode on; set ftp:prefer-epsv no; open -u anonymous,x ftp://127.0.0.1:2151; ls; get hello.txt -o $work/got1"
record curl_eprt_ftpviz.pcap "tcp and host 127.0.0.1" \
    curl -sS -P - ftp://127.0.0.1:2151/hello.txt

ftps

# MANIFEST.txt: what tshark reads in each file.
{
    echo "Captures recorded by captures/make.sh on $(date -u +%F) with $(dumpcap --version | head -1)."
    echo "Facts below are tshark's reading of each file."
    echo "The FTPS captures (ftps_*) carry their TLS keys; tshark decrypts them, but after curl's AUTH SSL (not AUTH TLS) tshark 4.0 reads no more FTP lines."
    for f in "$here"/*.pcap "$here"/*.pcapng; do
        echo
        echo "== $(basename "$f")"
        tshark -r "$f" -q -z conv,tcp 2>/dev/null | sed -n '/<->/p'
        tshark -r "$f" -d tcp.port==2141,ftp -d tcp.port==2151,ftp -d tcp.port==2161,ftp -Y ftp -T fields -e ftp.request.command -e ftp.request.arg \
            -e ftp.response.code -e ftp.response.arg 2>/dev/null | sed 's/\t\+/ /g; s/^ //' |
            # tshark 4.0 takes TLS after curl's AUTH SSL for FTP lines: not text.
            LC_ALL=C grep -a '^[[:print:]]*[[:alnum:]][[:print:]]*$' || true
    done
} > "$here/MANIFEST.txt"
echo "wrote MANIFEST.txt"
