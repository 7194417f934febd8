//! suppaftp, a real third-party client library, against our server in
//! active, passive and extended passive mode: list, download, upload, and
//! download back what was uploaded, byte for byte.

mod lab_facts;

use ftpviz::serve::{self, ServeConfig};
use ftpviz::trace::Event;
use std::io::Cursor;
use suppaftp::Mode;
#[path = "support/demo_client.rs"]
mod demo_client;

fn session(addr: std::net::SocketAddr, mode: Mode) -> Vec<u8> {
    let mut ftp = demo_client::demo(addr, mode);
    let names = ftp.list(None).expect("LIST");
    assert!(names.iter().any(|l| l.ends_with(" hello.txt")), "{names:?}");
    let hello = ftp.retr_as_buffer("hello.txt").expect("RETR").into_inner();
    assert!(hello.starts_with(b"Hello from the ftpviz lab server!"));
    // Every byte value, so a line-end conversion would show.
    let upload: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let name = format!("up-{mode:?}.bin");
    let sent = ftp
        .put_file(&name, &mut Cursor::new(upload.clone()))
        .expect("STOR");
    assert_eq!(sent, upload.len() as u64);
    let back = ftp.retr_as_buffer(&name).expect("RETR back").into_inner();
    ftp.quit().expect("QUIT");
    assert_eq!(back, upload, "downloaded back byte for byte");
    back
}

async fn against_our_server(mode: Mode) -> Vec<Event> {
    let serving = serve::start(ServeConfig::new("127.0.0.1:0".parse().unwrap()))
        .await
        .expect("serve starts");
    let addr = serving.local;
    tokio::task::spawn_blocking(move || session(addr, mode))
        .await
        .expect("client thread");
    serving.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_port() {
    let events = against_our_server(Mode::Active).await;
    let summary = lab_facts::check(&events, true, true);
    assert_eq!(summary.data.get(&3), Some(&70_000));
    assert_eq!(summary.data.get(&4), Some(&70_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passive_pasv() {
    let events = against_our_server(Mode::Passive).await;
    let summary = lab_facts::check(&events, false, true);
    assert_eq!(summary.data.get(&4), Some(&70_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extended_passive_epsv() {
    let events = against_our_server(Mode::ExtendedPassive).await;
    assert!(events
        .iter()
        .any(|e| matches!(&e.kind, ftpviz::trace::Kind::Reply { code: 229, .. })));
    lab_facts::check(&events, false, true);
}
