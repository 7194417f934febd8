#!/usr/bin/env bash
# Writes captures/PUBLIC2_FACTS.txt: what tshark reads in the public
# captures of ../shared/captures/public2 (which are never copied here).
#
#   captures/public2_facts.sh [DIR]     (DIR: default ../shared/captures/public2)
#
# For each file:
#   == FILE
#   tcp STREAM A B SYN BYTES_A BYTES_B   every TCP connection of FTP's (with FTP
#                                        or FTP data in it, or between the two
#                                        hosts of a control connection): A sent the first
#                                        packet (its SYN when SYN is "syn",
#                                        else the capture began after it),
#                                        payload bytes each way (the span of
#                                        sequence numbers that carried payload,
#                                        so retransmissions count once)
#   ftp FRAME STREAM C VERB ARG          a command (tshark's reading)
#   ftp FRAME STREAM S CODE [TEXT]       a reply line with a code, per packet
#                                        (227 and 229 with their text)
#   data STREAM METHOD CONTROL_STREAM    tshark's link of a data connection
# tests/replay_public2.rs checks replay against these facts; where a
# correct replay differs from tshark, the test says why.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/../../shared/captures/public2}
[ -d "$dir" ] || dir=$here/../../../shared/captures/public2
command -v tshark >/dev/null || { echo "public2_facts.sh: needs tshark" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
    echo "tshark's reading of ../shared/captures/public2 ($(tshark --version | head -1)), by captures/public2_facts.sh."
    for f in "$dir"/*.pcap "$dir"/*.pcapng; do
        name=$(basename "$f")
        echo "== $name"
        tshark -r "$f" -Y "ftp" -T fields -E aggregator=' ' -e frame.number -e tcp.stream \
            -e ftp.request.command -e ftp.request.arg -e ftp.response.code -e ftp.response.arg 2>/dev/null \
            | awk -F'\t' '
                $3 != "" { print "ftp", $1, $2, "C", $3 ($4 != "" ? " " $4 : "") }
                $5 == "227" || $5 == "229" { print "ftp", $1, $2, "S", $5, $6; next }
                $5 != "" { k = split($5, c, " "); for (i = 1; i <= k; i++) print "ftp", $1, $2, "S", c[i] }' > "$tmp/ftp"
        tshark -r "$f" -Y "ftp-data" -T fields -e tcp.stream -e ftp-data.setup-method -e ftp-data.setup-frame 2>/dev/null \
            | awk '!seen[$1]++' | while read -r s method frame; do
                ctl=$(tshark -r "$f" -Y "frame.number==$frame" -T fields -e tcp.stream 2>/dev/null)
                echo "data $s $method $ctl"
            done > "$tmp/data"
        # Connections of FTP's: with FTP or FTP data in them, or between the
        # two hosts of an FTP control connection: the first packet of each,
        # SYN or not, and payload sums.
        tshark -r "$f" -Y "tcp" -T fields -e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport \
            -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.flags.syn -e tcp.flags.ack -e tcp.len \
            -e tcp.seq 2>/dev/null > "$tmp/tcp"
        cp "$tmp/tcp" "$tmp/tcp2"
        awk -F'\t' '
            function host(ip4, ip6) { return ip4 != "" ? ip4 : ip6 }
            function ep(ip4, ip6, port) { return (ip4 != "" ? ip4 : "[" ip6 "]") ":" port }
            FILENAME == ARGV[1] || FILENAME == ARGV[2] { split($0, w, " "); ftp[w[1] == "ftp" ? w[3] : w[2]] = 1; next }
            FILENAME == ARGV[3] { if ($1 in ftp) { pair[host($2, $3) " " host($5, $6)] = 1; pair[host($5, $6) " " host($2, $3)] = 1 }; next }
            {
                s = $1; src = ep($2, $3, $4); dst = ep($5, $6, $7)
                if ((host($2, $3) " " host($5, $6)) in pair) ftp[s] = 1
                if (!(s in a)) { a[s] = src; b[s] = dst; order[++n] = s; syn[s] = "mid" }
                if ($8 == "1" && $9 == "0" && src == a[s]) syn[s] = "syn"
                if ($8 == "1" && $9 == "0" && src != a[s]) { t = a[s]; a[s] = b[s]; b[s] = t; syn[s] = "syn" }
                # Payload bytes: the span of sequence numbers that carried payload.
                if ($10 > 0) {
                    k = s " " src; hi = $11 + $10
                    if (!(k in lo) || $11 < lo[k]) lo[k] = $11
                    if (!(k in top) || hi > top[k]) top[k] = hi
                }
            }
            function span(k) { return (k in lo) ? top[k] - lo[k] : 0 }
            END { for (i = 1; i <= n; i++) { s = order[i]; if (s in ftp) printf "tcp %s %s %s %s %d %d\n", s, a[s], b[s], syn[s], span(s " " a[s]), span(s " " b[s]) } }
        ' "$tmp/ftp" "$tmp/data" "$tmp/tcp" "$tmp/tcp2"
        cat "$tmp/ftp" "$tmp/data"
    done
} > "$here/PUBLIC2_FACTS.txt"
echo "wrote PUBLIC2_FACTS.txt"
