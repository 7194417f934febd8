//! A real third-party client for our server: suppaftp, logged in as
//! `demo`, in binary type, in the data mode asked for.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;
use suppaftp::types::FileType;
use suppaftp::{FtpStream, Mode};

/// Connected to `addr`, in `mode` (active: suppaftp listens, for up to
/// 10 s), logged in as `demo`, `TYPE I`.
pub fn demo(addr: SocketAddr, mode: Mode) -> FtpStream {
    let mut ftp = FtpStream::connect(addr).expect("connect");
    if mode == Mode::Active {
        ftp = ftp.active_mode(Duration::from_secs(10));
    } else {
        ftp.set_mode(mode);
    }
    ftp.login("demo", "demo").expect("login");
    ftp.transfer_type(FileType::Binary).expect("TYPE I");
    ftp
}
