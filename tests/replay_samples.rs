//! Every sample capture in `../shared/captures` (and `public/`) replays with
//! the facts its MANIFEST.md lists. Those facts were extracted with tshark;
//! the tables below are copied from the manifest text, not from our output.
//!
//! Two honest differences from tshark are bridged here, and only these:
//! - tshark lists a reply code once per *packet* a reply spans (vsftpd
//!   sends `211-Features:` and `211 End` in separate packets; pure-ftpd
//!   sends its whole `220-` banner in one), while the Trace has one event per
//!   whole reply. Runs of the same code are therefore compared as one.
//! - tshark shows a command without the spaces that end its line.
//! - the Trace does not count control bytes; they are recomputed from the
//!   command and reply lines (each line plus its CRLF), which checks that
//!   reassembly delivered every byte exactly once.

mod common;

use ftpviz::replay::read_file;
use ftpviz::trace::{Kind, Side, Trace, Via};
use std::net::SocketAddr;
use std::path::PathBuf;

struct Conn {
    src: &'static str,
    dst: &'static str,
    established: bool,
    /// Payload bytes from `src`, and from `dst`.
    sent: u64,
    received: u64,
    via: Option<&'static str>,
    /// The transfer command the data connection served.
    serves: Option<&'static str>,
}

struct Expected {
    file: &'static str,
    conns: &'static [Conn],
    reply_codes: &'static [u16],
    commands: &'static [&'static str],
}

fn captures() -> Option<PathBuf> {
    common::captures_dir()
}

fn runs(codes: &[u16]) -> Vec<u16> {
    let mut v = codes.to_vec();
    v.dedup();
    v
}

fn via_name(v: Option<Via>) -> Option<&'static str> {
    v.map(|v| v.as_str())
}

fn check(x: Expected) {
    let Some(dir) = captures() else {
        return;
    };
    let replay = read_file(&dir.join(x.file)).unwrap_or_else(|e| panic!("{}: {e}", x.file));
    assert!(
        replay.warnings.is_empty(),
        "{}: {:?}",
        x.file,
        replay.warnings
    );
    let trace: &Trace = &replay.trace;
    assert_eq!(trace.sessions(), vec![1], "{}: one FTP session", x.file);

    // Connections: one per expected row, in dial order.
    let connects: Vec<_> = trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Connect { .. }))
        .collect();
    assert_eq!(connects.len(), x.conns.len(), "{}: connections", x.file);
    for (n, (e, want)) in connects.iter().zip(x.conns).enumerate() {
        let Kind::Connect { src, dst, via } = &e.kind else {
            unreachable!()
        };
        let what = format!("{} conn {n}", x.file);
        assert_eq!(e.conn, n as u32, "{what}: numbered in dial order");
        assert_eq!(*src, want.src.parse::<SocketAddr>().unwrap(), "{what}: src");
        assert_eq!(*dst, want.dst.parse::<SocketAddr>().unwrap(), "{what}: dst");
        assert_eq!(via_name(*via), want.via, "{what}: via");
        let dialler = via.map_or(Side::Client, Via::dialler);
        assert_eq!(e.from, dialler, "{what}: who dialled");

        let events: Vec<_> = trace.connection(1, e.conn).collect();
        let accepted = events.iter().any(|e| e.kind == Kind::Accept);
        let failed = events.iter().any(|e| matches!(e.kind, Kind::Fail { .. }));
        assert_eq!(accepted, want.established, "{what}: accept");
        assert_eq!(failed, !want.established, "{what}: fail");

        let (mut sent, mut received) = (0, 0);
        for ev in &events {
            let bytes = match &ev.kind {
                Kind::Data { bytes } => *bytes,
                // Control: each line was on the wire with its CRLF.
                Kind::Command { text, .. } => text.len() as u64 + 2,
                Kind::Reply { text, .. } => text.split('\n').map(|l| l.len() as u64 + 2).sum(),
                _ => continue,
            };
            // The initiator of the control connection is the client.
            let initiator = if n == 0 { Side::Client } else { e.from };
            if ev.from == initiator {
                sent += bytes;
            } else {
                received += bytes;
            }
        }
        assert_eq!(
            (sent, received),
            (want.sent, want.received),
            "{what}: bytes"
        );

        let served = e
            .note
            .as_deref()
            .and_then(|n| n.split("for the data of ").nth(1));
        assert_eq!(served, want.serves, "{what}: served command");
    }

    let codes: Vec<u16> = common::reply_codes(&trace.events);
    assert_eq!(runs(&codes), runs(x.reply_codes), "{}: reply codes", x.file);

    let commands: Vec<&str> = trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            // tshark drops the spaces that end a line (`PRET MLSD `).
            Kind::Command { text, .. } => Some(text.trim_end()),
            _ => None,
        })
        .collect();
    assert_eq!(commands, x.commands, "{}: commands", x.file);

    // Times start at 0 and never go back.
    assert_eq!(trace.events.first().map(|e| e.t), Some(0.0));
    assert!(trace.events.windows(2).all(|w| w[0].t <= w[1].t));
}

#[test]
fn a_pasv_curl_vsftpd() {
    check(Expected {
        file: "a_pasv_curl_vsftpd.pcap",
        conns: &[
            Conn {
                src: "127.0.0.1:40464",
                dst: "127.0.0.1:21",
                established: true,
                sent: 104,
                received: 468,
                via: None,
                serves: None,
            },
            Conn {
                src: "127.0.0.1:51730",
                dst: "127.0.0.1:40037",
                established: true,
                sent: 0,
                received: 538,
                via: Some("PASV"),
                serves: Some("LIST"),
            },
            Conn {
                src: "127.0.0.1:34312",
                dst: "127.0.0.1:40049",
                established: true,
                sent: 0,
                received: 78,
                via: Some("PASV"),
                serves: Some("RETR hello.txt"),
            },
        ],
        reply_codes: &[
            220, 331, 230, 257, 227, 200, 150, 226, 227, 200, 213, 150, 226, 221,
        ],
        commands: &[
            "USER ftplab",
            "PASS labpass",
            "PWD",
            "PASV",
            "TYPE A",
            "LIST",
            "PASV",
            "TYPE I",
            "SIZE hello.txt",
            "RETR hello.txt",
            "QUIT",
        ],
    });
}

#[test]
fn b_active_port_lftp_vsftpd() {
    check(Expected {
        file: "b_active_port_lftp_vsftpd.pcap",
        conns: &[
            Conn {
                src: "127.0.0.1:40468",
                dst: "127.0.0.1:21",
                established: true,
                sent: 151,
                received: 544,
                via: None,
                serves: None,
            },
            Conn {
                src: "127.0.0.1:20",
                dst: "127.0.0.1:49961",
                established: true,
                sent: 538,
                received: 0,
                via: Some("PORT"),
                serves: Some("LIST"),
            },
            Conn {
                src: "127.0.0.1:20",
                dst: "127.0.0.1:35079",
                established: true,
                sent: 78,
                received: 0,
                via: Some("PORT"),
                serves: Some("RETR hello.txt"),
            },
        ],
        reply_codes: &[
            220, 211, 211, 331, 230, 257, 200, 150, 226, 200, 213, 213, 200, 150, 226, 221,
        ],
        commands: &[
            "FEAT",
            "USER ftplab",
            "PASS labpass",
            "PWD",
            "PORT 127,0,0,1,195,41",
            "LIST",
            "TYPE I",
            "SIZE hello.txt",
            "MDTM hello.txt",
            "PORT 127,0,0,1,137,7",
            "RETR hello.txt",
            "QUIT",
        ],
    });
}

#[test]
fn c_epsv_ipv6_ftplib_pyftpdlib() {
    check(Expected {
        file: "c_epsv_ipv6_ftplib_pyftpdlib.pcap",
        conns: &[
            Conn {
                src: "[::1]:35304",
                dst: "[::1]:21",
                established: true,
                sent: 83,
                received: 403,
                via: None,
                serves: None,
            },
            Conn {
                src: "[::1]:33292",
                dst: "[::1]:50043",
                established: true,
                sent: 0,
                received: 530,
                via: Some("EPSV"),
                serves: Some("LIST"),
            },
            Conn {
                src: "[::1]:56798",
                dst: "[::1]:50001",
                established: true,
                sent: 0,
                received: 78,
                via: Some("EPSV"),
                serves: Some("RETR hello.txt"),
            },
        ],
        reply_codes: &[220, 331, 230, 200, 229, 125, 226, 200, 229, 125, 226, 221],
        commands: &[
            "USER ftplab",
            "PASS labpass",
            "TYPE A",
            "EPSV",
            "LIST",
            "TYPE I",
            "EPSV",
            "RETR hello.txt",
            "QUIT",
        ],
    });
}

#[test]
fn d_eprt_ipv6_curl_pureftpd() {
    check(Expected {
        file: "d_eprt_ipv6_curl_pureftpd.pcap",
        conns: &[
            Conn {
                src: "[::1]:35316",
                dst: "[::1]:21",
                established: true,
                sent: 132,
                received: 749,
                via: None,
                serves: None,
            },
            Conn {
                src: "[::1]:20",
                dst: "[::1]:34827",
                established: true,
                sent: 586,
                received: 0,
                via: Some("EPRT"),
                serves: Some("LIST"),
            },
            Conn {
                src: "[::1]:20",
                dst: "[::1]:56307",
                established: true,
                sent: 78,
                received: 0,
                via: Some("EPRT"),
                serves: Some("RETR hello.txt"),
            },
        ],
        reply_codes: &[
            220, 331, 230, 257, 200, 200, 150, 226, 200, 200, 213, 150, 226, 221,
        ],
        commands: &[
            "USER ftplab",
            "PASS labpass",
            "PWD",
            "EPRT |2|::1|34827|",
            "TYPE A",
            "LIST",
            "EPRT |2|::1|56307|",
            "TYPE I",
            "SIZE hello.txt",
            "RETR hello.txt",
            "QUIT",
        ],
    });
}

#[test]
fn e_stor_lftp_pureftpd() {
    check(Expected {
        file: "e_stor_lftp_pureftpd.pcap",
        conns: &[
            Conn {
                src: "127.0.0.1:39976",
                dst: "127.0.0.1:21",
                established: true,
                sent: 308,
                received: 1299,
                via: None,
                serves: None,
            },
            Conn {
                src: "127.0.0.1:48202",
                dst: "127.0.0.1:30022",
                established: true,
                sent: 16384,
                received: 0,
                via: Some("PASV"),
                serves: Some("STOR incoming/upload-16k.bin"),
            },
            Conn {
                src: "127.0.0.1:48072",
                dst: "127.0.0.1:30020",
                established: true,
                sent: 0,
                received: 336,
                via: Some("PASV"),
                serves: Some("MLSD"),
            },
        ],
        reply_codes: &[
            220, 211, 504, 331, 230, 504, 200, 257, 200, 200, 227, 150, 226, 213, 250, 200, 200,
            227, 150, 226, 200, 221,
        ],
        commands: &[
            "FEAT",
            "OPTS UTF8 ON",
            "USER ftplab",
            "PASS labpass",
            "OPTS UTF8 ON",
            "OPTS MLST type;size;modify;UNIX.mode;UNIX.uid;UNIX.gid;",
            "PWD",
            "TYPE I",
            "PRET STOR incoming/upload-16k.bin",
            "PASV",
            "STOR incoming/upload-16k.bin",
            "MFMT 20261125150419 incoming/upload-16k.bin",
            "CWD /incoming",
            "TYPE A",
            "PRET MLSD",
            "PASV",
            "MLSD",
            "TYPE I",
            "QUIT",
        ],
    });
}

#[test]
fn f_port2121_tnftp_pyftpdlib() {
    check(Expected {
        file: "f_port2121_tnftp_pyftpdlib.pcap",
        conns: &[
            Conn {
                src: "127.0.0.1:59150",
                dst: "127.0.0.1:2121",
                established: true,
                sent: 141,
                received: 651,
                via: None,
                serves: None,
            },
            Conn {
                src: "127.0.0.1:60882",
                dst: "127.0.0.1:50016",
                established: true,
                sent: 0,
                received: 530,
                via: Some("EPSV"),
                serves: Some("LIST"),
            },
            Conn {
                src: "127.0.0.1:35612",
                dst: "127.0.0.1:50025",
                established: true,
                sent: 0,
                received: 4096,
                via: Some("EPSV"),
                serves: Some("RETR data-4k.bin"),
            },
        ],
        reply_codes: &[
            220, 331, 230, 215, 211, 211, 200, 200, 229, 125, 226, 200, 213, 229, 125, 226, 213,
            221,
        ],
        commands: &[
            "USER ftplab",
            "PASS labpass",
            "SYST",
            "FEAT",
            "TYPE I",
            "TYPE A",
            "EPSV",
            "LIST",
            "TYPE I",
            "SIZE data-4k.bin",
            "EPSV",
            "RETR data-4k.bin",
            "MDTM data-4k.bin",
            "QUIT",
        ],
    });
}

#[test]
fn g_active_fw_drop_ftplib_vsftpd() {
    check(Expected {
        file: "g_active_fw_drop_ftplib_vsftpd.pcap",
        conns: &[
            Conn {
                src: "198.51.100.2:37290",
                dst: "198.51.100.1:21",
                established: true,
                sent: 74,
                received: 223,
                via: None,
                serves: None,
            },
            Conn {
                src: "198.51.100.1:20",
                dst: "198.51.100.2:40403",
                established: false,
                sent: 0,
                received: 0,
                via: Some("PORT"),
                serves: Some("LIST"),
            },
        ],
        reply_codes: &[220, 331, 230, 200, 200, 425, 221],
        commands: &[
            "USER ftplab",
            "PASS labpass",
            "TYPE A",
            "PORT 198,51,100,2,157,211",
            "LIST",
            "QUIT",
        ],
    });
}

#[test]
fn h1_pcapng_dumpcap_lftp_pyftpdlib() {
    check(Expected {
        file: "h1_pcapng_dumpcap_lftp_pyftpdlib.pcapng",
        conns: &[
            Conn {
                src: "127.0.0.1:55018",
                dst: "127.0.0.1:21",
                established: true,
                sent: 208,
                received: 744,
                via: None,
                serves: None,
            },
            Conn {
                src: "127.0.0.1:39238",
                dst: "127.0.0.1:50032",
                established: true,
                sent: 0,
                received: 530,
                via: Some("PASV"),
                serves: Some("LIST"),
            },
            Conn {
                src: "127.0.0.1:48724",
                dst: "127.0.0.1:50017",
                established: true,
                sent: 0,
                received: 16500,
                via: Some("PASV"),
                serves: Some("RETR notes.txt"),
            },
        ],
        reply_codes: &[
            220, 211, 211, 530, 331, 230, 200, 200, 257, 227, 125, 226, 200, 213, 213, 227, 125,
            226, 221,
        ],
        commands: &[
            "FEAT",
            "OPTS UTF8 ON",
            "USER ftplab",
            "PASS labpass",
            "OPTS UTF8 ON",
            "OPTS MLST type;perm;size;modify;unix.mode;unix.uid;unix.gid;",
            "PWD",
            "PASV",
            "LIST",
            "TYPE I",
            "SIZE notes.txt",
            "MDTM notes.txt",
            "PASV",
            "RETR notes.txt",
            "QUIT",
        ],
    });
}

#[test]
fn h2_sll_any_ftplib_pureftpd() {
    check(Expected {
        file: "h2_sll_any_ftplib_pureftpd.pcap",
        conns: &[
            Conn {
                src: "127.0.0.1:59330",
                dst: "127.0.0.1:21",
                established: true,
                sent: 90,
                received: 831,
                via: None,
                serves: None,
            },
            Conn {
                src: "127.0.0.1:42672",
                dst: "127.0.0.1:30036",
                established: true,
                sent: 0,
                received: 586,
                via: Some("PASV"),
                serves: Some("LIST"),
            },
            Conn {
                src: "127.0.0.1:49912",
                dst: "127.0.0.1:30002",
                established: true,
                sent: 0,
                received: 4096,
                via: Some("PASV"),
                serves: Some("RETR data-4k.bin"),
            },
        ],
        reply_codes: &[
            220, 331, 230, 257, 200, 227, 150, 226, 200, 227, 150, 226, 221,
        ],
        commands: &[
            "USER ftplab",
            "PASS labpass",
            "PWD",
            "TYPE A",
            "PASV",
            "LIST",
            "TYPE I",
            "PASV",
            "RETR data-4k.bin",
            "QUIT",
        ],
    });
}

#[test]
fn h3_veth_mtu1500_curl_vsftpd() {
    check(Expected {
        file: "h3_veth_mtu1500_curl_vsftpd.pcap",
        conns: &[
            Conn {
                src: "203.0.113.2:44118",
                dst: "203.0.113.1:21",
                established: true,
                sent: 94,
                received: 340,
                via: None,
                serves: None,
            },
            Conn {
                src: "203.0.113.2:45260",
                dst: "203.0.113.1:40042",
                established: true,
                sent: 0,
                received: 200000,
                via: Some("EPSV"),
                serves: Some("RETR photo-200k.jpg"),
            },
        ],
        reply_codes: &[220, 331, 230, 257, 229, 200, 213, 150, 226, 221],
        commands: &[
            "USER ftplab",
            "PASS labpass",
            "PWD",
            "EPSV",
            "TYPE I",
            "SIZE photo-200k.jpg",
            "RETR photo-200k.jpg",
            "QUIT",
        ],
    });
}

#[test]
fn i_login_fail_530_curl_pureftpd() {
    check(Expected {
        file: "i_login_fail_530_curl_pureftpd.pcap",
        conns: &[Conn {
            src: "127.0.0.1:43946",
            dst: "127.0.0.1:21",
            established: true,
            sent: 29,
            received: 405,
            via: None,
            serves: None,
        }],
        reply_codes: &[220, 331, 530, 530],
        commands: &["USER ftplab", "PASS wrongpass"],
    });
}

#[test]
fn zeek_ftp_ipv4() {
    check(Expected {
        file: "public/zeek_ftp_ipv4.pcap",
        conns: &[
            Conn {
                src: "141.142.220.235:50003",
                dst: "199.233.217.249:21",
                established: true,
                sent: 180,
                received: 3146,
                via: None,
                serves: None,
            },
            Conn {
                src: "141.142.220.235:37604",
                dst: "199.233.217.249:56666",
                established: true,
                sent: 0,
                received: 342,
                via: Some("PASV"),
                serves: Some("LIST"),
            },
            Conn {
                src: "141.142.220.235:59378",
                dst: "199.233.217.249:56667",
                established: true,
                sent: 0,
                received: 77,
                via: Some("PASV"),
                serves: Some("RETR robots.txt"),
            },
            Conn {
                src: "199.233.217.249:61920",
                dst: "141.142.220.235:33582",
                established: true,
                sent: 342,
                received: 0,
                via: Some("PORT"),
                serves: Some("LIST"),
            },
            Conn {
                src: "199.233.217.249:61918",
                dst: "141.142.220.235:37835",
                established: true,
                sent: 77,
                received: 0,
                via: Some("PORT"),
                serves: Some("RETR robots.txt"),
            },
        ],
        reply_codes: &[
            220, 331, 230, 215, 227, 150, 226, 200, 227, 150, 226, 200, 200, 150, 226, 200, 200,
            150, 226, 221,
        ],
        commands: &[
            "USER anonymous",
            "PASS test",
            "SYST",
            "PASV",
            "LIST",
            "TYPE I",
            "PASV",
            "RETR robots.txt",
            "TYPE A",
            "PORT 141,142,220,235,131,46",
            "LIST",
            "TYPE I",
            "PORT 141,142,220,235,147,203",
            "RETR robots.txt",
            "QUIT",
        ],
    });
}

#[test]
fn zeek_ftp_ipv6() {
    check(Expected {
        file: "public/zeek_ftp_ipv6.pcap",
        conns: &[
            Conn {
                src: "[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49185",
                dst: "[2001:470:4867:99::21]:21",
                established: true,
                sent: 310,
                received: 3448,
                via: None,
                serves: None,
            },
            Conn {
                src: "[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49186",
                dst: "[2001:470:4867:99::21]:57086",
                established: true,
                sent: 0,
                received: 342,
                via: Some("EPSV"),
                serves: Some("LIST"),
            },
            Conn {
                src: "[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49187",
                dst: "[2001:470:4867:99::21]:57087",
                established: true,
                sent: 0,
                received: 43,
                via: Some("EPSV"),
                serves: Some("NLST"),
            },
            Conn {
                src: "[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49188",
                dst: "[2001:470:4867:99::21]:57088",
                established: true,
                sent: 0,
                received: 77,
                via: Some("EPSV"),
                serves: Some("RETR robots.txt"),
            },
            Conn {
                src: "[2001:470:4867:99::21]:55785",
                dst: "[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49189",
                established: true,
                sent: 77,
                received: 0,
                via: Some("EPRT"),
                serves: Some("RETR robots.txt"),
            },
            Conn {
                src: "[2001:470:4867:99::21]:55647",
                dst: "[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49190",
                established: true,
                sent: 342,
                received: 0,
                via: Some("EPRT"),
                serves: Some("LIST"),
            },
        ],
        reply_codes: &[
            220, 331, 230, 215, 211, 257, 229, 150, 226, 229, 150, 226, 200, 213, 229, 150, 226,
            213, 213, 200, 150, 226, 213, 200, 200, 150, 226, 221,
        ],
        commands: &[
            "USER anonymous",
            "PASS test",
            "SYST",
            "FEAT",
            "PWD",
            "EPSV",
            "LIST",
            "EPSV",
            "NLST",
            "TYPE I",
            "SIZE robots.txt",
            "EPSV",
            "RETR robots.txt",
            "MDTM robots.txt",
            "SIZE robots.txt",
            "EPRT |2|2001:470:1f11:81f:c999:d94:aa7c:2e3e|49189|",
            "RETR robots.txt",
            "MDTM robots.txt",
            "TYPE A",
            "EPRT |2|2001:470:1f11:81f:c999:d94:aa7c:2e3e|49190|",
            "LIST",
            "QUIT",
        ],
    });
}

#[test]
fn chrissanders_ppa1e_ftp() {
    check(Expected {
        file: "public/chrissanders_ppa1e_ftp.pcap",
        conns: &[
            Conn {
                src: "192.168.0.114:1137",
                dst: "192.168.0.193:21",
                established: true,
                sent: 122,
                received: 501,
                via: None,
                serves: None,
            },
            Conn {
                src: "192.168.0.114:1140",
                dst: "192.168.0.193:7254",
                established: true,
                sent: 0,
                received: 5808,
                via: Some("PASV"),
                serves: Some("RETR Music.mp3"),
            },
        ],
        reply_codes: &[220, 331, 230, 215, 211, 200, 250, 257, 200, 213, 227, 150],
        commands: &[
            "USER csanders",
            "PASS echo",
            "SYST",
            "FEAT",
            "CLNT FlashFXP 3.4.0.1145",
            "CWD /",
            "PWD",
            "TYPE I",
            "SIZE Music.mp3",
            "PASV",
            "RETR Music.mp3",
        ],
    });
}
