//! A small explicit-FTPS client by hand (tokio-rustls), for `cargo test`
//! with no peer installed: it trusts exactly the certificate it is given
//! (and checks the server's name, 127.0.0.1, against it), and speaks
//! lines, `AUTH TLS`, `CCC`, and data connections in clear or in TLS,
//! dialled (passive) or accepted (active).

#![allow(dead_code)]

use rustls::pki_types::{CertificateDer, ServerName};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// A connection in clear or inside TLS.
pub enum Conn {
    Clear(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Taken away while being upgraded.
    Gone,
}

impl Conn {
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Conn::Clear(s) => s.write_all(bytes).await,
            Conn::Tls(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
            Conn::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Clear(s) => s.read(buf).await,
            Conn::Tls(s) => s.read(buf).await,
            Conn::Gone => Ok(0),
        }
    }

    /// Everything until the other side closes.
    pub async fn read_all(&mut self) -> io::Result<Vec<u8>> {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match self.read(&mut buf).await? {
                0 => return Ok(all),
                n => all.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// Our side closed (inside TLS: our `close_notify` first).
    pub async fn close(&mut self) -> io::Result<()> {
        match self {
            Conn::Clear(s) => s.shutdown().await,
            Conn::Tls(s) => s.shutdown().await,
            Conn::Gone => Ok(()),
        }
    }
}

/// The TLS client side, trusting only `certificate`.
pub fn connector(certificate: &CertificateDer<'static>) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certificate.clone()).expect("a valid certificate");
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// The TLS handshake on `tcp`, as the TLS client, for server 127.0.0.1.
pub async fn handshake(tls: &TlsConnector, tcp: TcpStream) -> io::Result<Conn> {
    let name = ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
    Ok(Conn::Tls(Box::new(tls.connect(name, tcp).await?)))
}

/// A reply: its code and all its text.
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

/// The control connection.
pub struct Ftps {
    pub ctl: Conn,
    pub tls: TlsConnector,
    got: Vec<u8>,
}

impl Ftps {
    /// Connects and reads the greeting.
    pub async fn connect(addr: SocketAddr, tls: TlsConnector) -> Ftps {
        let tcp = TcpStream::connect(addr).await.expect("dial");
        let mut ftps = Ftps {
            ctl: Conn::Clear(tcp),
            tls,
            got: Vec::new(),
        };
        assert_eq!(ftps.reply().await.code, 220);
        ftps
    }

    /// A control connection already set up (the greeting read).
    pub fn over(ctl: Conn, tls: TlsConnector) -> Ftps {
        Ftps {
            ctl,
            tls,
            got: Vec::new(),
        }
    }

    /// The next line (without CRLF); `None` at the end of the stream.
    async fn line(&mut self) -> Option<String> {
        loop {
            if let Some(i) = self.got.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.got.drain(..i + 2).collect();
                return Some(String::from_utf8_lossy(&line[..i]).into_owned());
            }
            let mut buf = [0u8; 4096];
            match self.ctl.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.got.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// The next whole reply (code 0: the connection ended).
    pub async fn reply(&mut self) -> Reply {
        let mut text = String::new();
        let mut code = 0;
        while let Some(line) = self.line().await {
            text.push_str(&line);
            text.push('\n');
            let num = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            if code == 0 {
                code = num.unwrap_or(0);
            }
            if num == Some(code) && line.as_bytes().get(3) == Some(&b' ') {
                return Reply { code, text };
            }
        }
        Reply { code: 0, text }
    }

    /// Sends `line` and reads its reply.
    pub async fn cmd(&mut self, line: &str) -> Reply {
        self.send(line).await;
        self.reply().await
    }

    pub async fn send(&mut self, line: &str) {
        self.ctl
            .write(format!("{line}\r\n").as_bytes())
            .await
            .expect("command sent");
    }

    /// `AUTH TLS` → 234, the handshake, then `USER`/`PASS`, `PBSZ 0` and
    /// `PROT P`.
    pub async fn secure_login(&mut self, user: &str, pass: &str) {
        self.auth().await;
        assert_eq!(self.cmd(&format!("USER {user}")).await.code, 331);
        assert_eq!(self.cmd(&format!("PASS {pass}")).await.code, 230);
        assert_eq!(self.cmd("PBSZ 0").await.code, 200);
        assert_eq!(self.cmd("PROT P").await.code, 200);
    }

    /// `AUTH TLS` → 234 and the handshake on the control connection.
    pub async fn auth(&mut self) {
        let r = self.cmd("AUTH TLS").await;
        assert_eq!(r.code, 234, "{}", r.text);
        let Conn::Clear(tcp) = std::mem::replace(&mut self.ctl, Conn::Gone) else {
            panic!("AUTH twice");
        };
        self.ctl = handshake(&self.tls, tcp).await.expect("control handshake");
    }

    /// `CCC` → 200, then both `close_notify`s: the control connection is in
    /// clear again.
    pub async fn ccc(&mut self) {
        assert_eq!(self.cmd("CCC").await.code, 200);
        let Conn::Tls(mut tls) = std::mem::replace(&mut self.ctl, Conn::Gone) else {
            panic!("CCC in clear");
        };
        tls.get_mut().1.send_close_notify();
        tls.flush().await.expect("our close_notify");
        let mut buf = [0u8; 512];
        // Until the server's close_notify.
        while tls.read(&mut buf).await.expect("TLS closed cleanly") > 0 {}
        self.ctl = Conn::Clear(tls.into_inner().0);
    }

    /// A transfer in passive mode (`EPSV`): dials, sends `command`, then
    /// after the `150` the data connection's handshake (when `private`).
    pub async fn passive(&mut self, command: &str, private: bool) -> (Reply, Conn) {
        let r = self.cmd("EPSV").await;
        assert_eq!(r.code, 229, "{}", r.text);
        let port: u16 = r
            .text
            .split("|||")
            .nth(1)
            .and_then(|rest| rest.split('|').next())
            .and_then(|p| p.parse().ok())
            .expect("a port in 229");
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.expect("dial");
        let opened = self.cmd(command).await;
        assert_eq!(opened.code, 150, "{}", opened.text);
        (opened, self.data(tcp, private).await)
    }

    /// A transfer in active mode (`PORT`): listens, sends `command`, and
    /// after the `150` accepts the server's dial (and, when `private`,
    /// is the TLS *client* on it all the same: RFC 4217 §7).
    pub async fn active(&mut self, command: &str, private: bool) -> (Reply, Conn) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let port_cmd = format!("PORT 127,0,0,1,{},{}", port >> 8, port & 0xff);
        assert_eq!(self.cmd(&port_cmd).await.code, 200);
        let opened = self.cmd(command).await;
        assert_eq!(opened.code, 150, "{}", opened.text);
        let (tcp, _) = listener.accept().await.expect("the server's dial");
        (opened, self.data(tcp, private).await)
    }

    async fn data(&self, tcp: TcpStream, private: bool) -> Conn {
        match private {
            true => handshake(&self.tls, tcp).await.expect("data handshake"),
            false => Conn::Clear(tcp),
        }
    }
}
