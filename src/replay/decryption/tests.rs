//! The decryption checked against a real TLS 1.3 implementation: rustls
//! (ring) makes a session in memory and logs its keys; what crossed is
//! decrypted here and must be what was sent.

use super::{Connection, KeyLog, Output};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
struct Lines(Mutex<String>);

impl rustls::KeyLog for Lines {
    fn log(&self, label: &str, random: &[u8], secret: &[u8]) {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!("{label} {} {}\n", hex(random), hex(secret));
        self.0.lock().expect("lock").push_str(&line);
    }
}

/// What crossed, in order: (0 = client, 1 = server, bytes).
type Wire = Vec<(usize, Vec<u8>)>;

fn configs(
    suite: rustls::SupportedCipherSuite,
    log: Arc<Lines>,
) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let version = match suite {
        rustls::SupportedCipherSuite::Tls12(_) => &rustls::version::TLS12,
        rustls::SupportedCipherSuite::Tls13(_) => &rustls::version::TLS13,
    };
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let cert = made.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        made.signing_key.serialize_der(),
    ));
    #[allow(deprecated)]
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = vec![suite];
    let provider = Arc::new(provider);
    let server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[version])
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .expect("server config");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).expect("root");
    let mut client = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.key_log = log;
    (Arc::new(client), Arc::new(server))
}

/// Moves what each side wants to send to the other until both are quiet.
fn pump(c: &mut rustls::ClientConnection, s: &mut rustls::ServerConnection, wire: &mut Wire) {
    loop {
        let mut moved = false;
        let mut buf = Vec::new();
        while c.wants_write() {
            c.write_tls(&mut buf).expect("client write");
        }
        if !buf.is_empty() {
            s.read_tls(&mut &buf[..]).expect("server read");
            s.process_new_packets().expect("server process");
            wire.push((0, std::mem::take(&mut buf)));
            moved = true;
        }
        while s.wants_write() {
            s.write_tls(&mut buf).expect("server write");
        }
        if !buf.is_empty() {
            c.read_tls(&mut &buf[..]).expect("client read");
            c.process_new_packets().expect("client process");
            wire.push((1, buf));
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

/// A session: the client says USER, the server 331, the client rekeys
/// (KeyUpdate, TLS 1.3 only) and says PASS, the server 230, then the
/// client closes.
fn session(suite: rustls::SupportedCipherSuite) -> (Wire, String) {
    let log = Arc::new(Lines::default());
    let (cc, sc) = configs(suite, log.clone());
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut c = rustls::ClientConnection::new(cc, name).expect("client");
    let mut s = rustls::ServerConnection::new(sc).expect("server");
    let mut wire = Wire::new();
    pump(&mut c, &mut s, &mut wire);
    c.writer().write_all(b"USER demo\r\n").expect("write");
    pump(&mut c, &mut s, &mut wire);
    s.writer()
        .write_all(b"331 Please specify the password.\r\n")
        .expect("write");
    pump(&mut c, &mut s, &mut wire);
    if matches!(suite, rustls::SupportedCipherSuite::Tls13(_)) {
        c.refresh_traffic_keys().expect("key update");
    }
    c.writer().write_all(b"PASS secret\r\n").expect("write");
    pump(&mut c, &mut s, &mut wire);
    s.writer()
        .write_all(b"230 Login successful.\r\n")
        .expect("write");
    pump(&mut c, &mut s, &mut wire);
    let mut got = vec![0; 64];
    let n = s.reader().read(&mut got).expect("server read plain");
    assert!(n > 0);
    c.send_close_notify();
    pump(&mut c, &mut s, &mut wire);
    let text = log.0.lock().expect("lock").clone();
    (wire, text)
}

/// Everything decrypted per direction, and what else came out.
fn decrypt(wire: &Wire, keys: &KeyLog) -> ([Vec<u8>; 2], Vec<Output>) {
    let mut conn = Connection::default();
    let mut plain = [Vec::new(), Vec::new()];
    let mut other = Vec::new();
    for (from, bytes) in wire {
        let mut out = Vec::new();
        conn.feed(*from, bytes, keys, &mut out);
        for o in out {
            match o {
                Output::Plain { text, .. } => plain[*from].extend(text),
                o => other.push(o),
            }
        }
    }
    (plain, other)
}

fn suites() -> Vec<rustls::SupportedCipherSuite> {
    use rustls::crypto::ring::cipher_suite as cs;
    vec![
        cs::TLS13_AES_128_GCM_SHA256,
        cs::TLS13_AES_256_GCM_SHA384,
        cs::TLS13_CHACHA20_POLY1305_SHA256,
        // The certificate rcgen makes is ECDSA.
        cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}

#[test]
fn what_rustls_sealed_is_read_back_with_its_key_log() {
    for suite in suites() {
        let (wire, text) = session(suite);
        let mut keys = KeyLog::default();
        assert!(keys.add_text(text.as_bytes()).is_empty());
        let (plain, other) = decrypt(&wire, &keys);
        assert_eq!(plain[0], b"USER demo\r\nPASS secret\r\n", "{suite:?}");
        assert_eq!(
            plain[1],
            b"331 Please specify the password.\r\n230 Login successful.\r\n".to_vec()
        );
        let (version, name) = match suite {
            rustls::SupportedCipherSuite::Tls12(_) => ("1.2", format!("{:?}", suite.suite())),
            rustls::SupportedCipherSuite::Tls13(_) => (
                "1.3",
                format!("{:?}", suite.suite()).replace("TLS13_", "TLS_"),
            ),
        };
        let opened = Output::Opened(format!("TLS {version}, {name}"));
        assert_eq!(other, vec![opened.clone(), opened]);
    }
}

#[test]
fn without_its_keys_nothing_is_shown_and_the_bytes_are_handed_back() {
    let (wire, _) = session(suites()[0]);
    let mut keys = KeyLog::default();
    let other = "CLIENT_TRAFFIC_SECRET_0 ".to_string() + &"ab".repeat(32) + " " + &"01".repeat(32);
    keys.add_text(other.as_bytes());
    let (plain, out) = decrypt(&wire, &keys);
    assert!(plain.iter().all(Vec::is_empty));
    let failed: Vec<&str> = out
        .iter()
        .filter_map(|o| match o {
            Output::Failed { why, .. } => Some(why.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 2, "{out:?}");
    assert!(failed[0].starts_with("the keys do not include this TLS session"));
}

#[test]
fn a_wrong_secret_or_a_damaged_record_stops_that_direction_only() {
    let (mut wire, text) = session(suites()[0]);
    // Damage the last byte of the client's application data records: the
    // tag no longer matches.
    let client: Vec<usize> = (0..wire.len()).filter(|i| wire[*i].0 == 0).collect();
    // The client's last chunk is its close_notify; the one before, PASS.
    let bytes = &mut wire[client[client.len() - 2]].1;
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    let mut keys = KeyLog::default();
    keys.add_text(text.as_bytes());
    let (plain, out) = decrypt(&wire, &keys);
    assert_eq!(plain[0], b"USER demo\r\n", "up to the damaged record");
    assert_eq!(plain[1].len(), 57, "the server's side is untouched");
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Failed { why, record, .. }
        if why.contains("does not decrypt") && *record > 1)));
    // A key log whose secrets are all wrong: nothing comes out.
    let wrong: String = text
        .lines()
        .map(|l| {
            let (head, secret) = l.rsplit_once(' ').expect("three words");
            format!("{head} {}\n", "00".repeat(secret.len() / 2))
        })
        .collect();
    let mut keys = KeyLog::default();
    keys.add_text(wrong.as_bytes());
    let (plain, _) = decrypt(&wire, &keys);
    assert!(plain.iter().all(Vec::is_empty));
}

/// A TLS record of `kind` holding `body`.
fn record(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![kind, 3, 3];
    r.extend((body.len() as u16).to_be_bytes());
    r.extend(body);
    r
}

/// A handshake message of `kind` holding `body`.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind, 0];
    m.extend((body.len() as u16).to_be_bytes());
    m.extend(body);
    m
}

#[test]
fn a_version_or_suite_replay_does_not_read_is_said_not_guessed() {
    let mut keys = KeyLog::default();
    keys.add_text(format!("CLIENT_RANDOM {} {}", "07".repeat(32), "01".repeat(48)).as_bytes());
    let hello = [&[3, 3][..], &[7; 32], &[0]].concat();
    // TLS 1.1 (0x0302), and TLS 1.2 with a CBC suite (0xc013).
    for (version, suite, said) in [
        (0x0302u16, 0xc02fu16, "TLS version 0x0302"),
        (0x0303, 0xc013, "TLS 1.2 with cipher suite 0xc013"),
    ] {
        let server = [
            &version.to_be_bytes()[..],
            &[9; 32],
            &[0],
            &suite.to_be_bytes(),
            &[0],
        ]
        .concat();
        let mut conn = Connection::default();
        let mut out = Vec::new();
        conn.feed(0, &record(22, &message(1, &hello)), &keys, &mut out);
        conn.feed(1, &record(22, &message(2, &server)), &keys, &mut out);
        conn.feed(1, &record(23, &[0; 40]), &keys, &mut out);
        assert!(
            matches!(&out[..], [Output::Failed { why, record: 2, .. }] if why.starts_with(said)),
            "{out:?}"
        );
    }
}
