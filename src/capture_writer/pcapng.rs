//! pcapng, the file format Wireshark writes by default, as a stream of
//! blocks.
//!
//! A pcapng file is a list of *blocks*, each framed the same way: a 32-bit
//! type, a 32-bit total length, the body, and the total length again (so a
//! reader can walk backwards too). Every body is padded to a multiple of
//! four bytes. Three kinds are enough for a capture, a fourth carries TLS keys:
//!
//! - the **Section Header Block** (`0x0A0D0D0A`) opens the file: a
//!   byte-order magic (`0x1A2B3C4D`, here little-endian), version 1.0, and
//!   options such as the program that wrote it;
//! - an **Interface Description Block** (`1`) says what the packets are:
//!   link type 1 is Ethernet, so each packet starts with a 14-byte Ethernet
//!   header; timestamps count microseconds unless the interface says
//!   otherwise;
//! - one **Enhanced Packet Block** (`6`) per packet: the interface, a 64-bit
//!   timestamp split into two 32-bit halves, the captured and original
//!   lengths, the bytes, and options. Option 1, `opt_comment`, is a UTF-8
//!   comment Wireshark shows as `frame.comment`.
//!
//! - a **Decryption Secrets Block** (`0x0000000A`) carries keys that open
//!   what follows: a secrets type (`0x544C534B`, "TLSK": TLS key log lines
//!   in the NSS format), their length, and the lines, padded. Wireshark
//!   reads every such block before it dissects, and decrypts TLS with no
//!   setup; several may follow each other as new connections get keys.
//!
//! Options are (code, length, value padded to four bytes), ended by code 0.
//! Blocks are written as they come; nothing is held back.

use std::io::{self, Write};

const SECTION_HEADER: u32 = 0x0A0D_0D0A;
const INTERFACE: u32 = 1;
const ENHANCED_PACKET: u32 = 6;
const DECRYPTION_SECRETS: u32 = 0x0000_000A;
/// "TLSK": NSS key log lines.
const TLS_KEY_LOG: u32 = 0x544C_534B;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

const OPT_END: u16 = 0;
const OPT_COMMENT: u16 = 1;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_DESCRIPTION: u16 = 3;

/// Link type 1: every packet is an Ethernet frame.
pub const LINKTYPE_ETHERNET: u16 = 1;
/// The longest packet the interface promises (Wireshark's own limit).
const SNAPLEN: u32 = 262_144;

/// A pcapng file being written, one block at a time.
pub struct Pcapng<W: Write> {
    out: W,
    /// Reused for each block's bytes.
    block: Vec<u8>,
}

/// What the file says about itself and its one interface.
pub struct Header<'a> {
    pub application: &'a str,
    pub comment: &'a str,
    pub interface: &'a str,
    pub interface_description: &'a str,
}

impl<W: Write> Pcapng<W> {
    /// Writes the section header and one Ethernet interface.
    pub fn start(out: W, header: &Header) -> io::Result<Pcapng<W>> {
        let mut file = Pcapng {
            out,
            block: Vec::new(),
        };
        let mut body = Vec::new();
        put_u32(&mut body, BYTE_ORDER_MAGIC);
        put_u16(&mut body, 1);
        put_u16(&mut body, 0);
        // Section length -1: not known in advance (we stream).
        body.extend_from_slice(&(-1i64).to_le_bytes());
        put_option(&mut body, OPT_COMMENT, header.comment.as_bytes());
        put_option(&mut body, SHB_USERAPPL, header.application.as_bytes());
        put_option(&mut body, OPT_END, &[]);
        file.block(SECTION_HEADER, &body)?;

        body.clear();
        put_u16(&mut body, LINKTYPE_ETHERNET);
        put_u16(&mut body, 0);
        put_u32(&mut body, SNAPLEN);
        put_option(&mut body, IF_NAME, header.interface.as_bytes());
        put_option(
            &mut body,
            IF_DESCRIPTION,
            header.interface_description.as_bytes(),
        );
        put_option(&mut body, OPT_END, &[]);
        file.block(INTERFACE, &body)?;
        Ok(file)
    }

    /// One packet: `micros` since 1970, the frame's bytes, a comment.
    pub fn packet(&mut self, micros: u64, frame: &[u8], comment: Option<&str>) -> io::Result<()> {
        let len = u32::try_from(frame.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet too long"))?;
        let mut body = std::mem::take(&mut self.block);
        body.clear();
        put_u32(&mut body, 0); // interface 0
        put_u32(&mut body, (micros >> 32) as u32);
        put_u32(&mut body, micros as u32);
        put_u32(&mut body, len);
        put_u32(&mut body, len);
        body.extend_from_slice(frame);
        pad(&mut body);
        if let Some(comment) = comment {
            put_option(&mut body, OPT_COMMENT, comment.as_bytes());
            put_option(&mut body, OPT_END, &[]);
        }
        let written = self.block(ENHANCED_PACKET, &body);
        self.block = body;
        written
    }

    /// A Decryption Secrets Block of TLS key log lines (`key_log`, each
    /// line ending in `\n`).
    pub fn secrets(&mut self, key_log: &[u8]) -> io::Result<()> {
        let len = u32::try_from(key_log.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "secrets too long"))?;
        let mut body = Vec::with_capacity(key_log.len() + 12);
        put_u32(&mut body, TLS_KEY_LOG);
        put_u32(&mut body, len);
        body.extend_from_slice(key_log);
        pad(&mut body);
        self.block(DECRYPTION_SECRETS, &body)
    }

    /// Pushes what is buffered to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The writer back, flushed.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    fn block(&mut self, kind: u32, body: &[u8]) -> io::Result<()> {
        let total = u32::try_from(body.len() + 12)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "block too long"))?;
        self.out.write_all(&kind.to_le_bytes())?;
        self.out.write_all(&total.to_le_bytes())?;
        self.out.write_all(body)?;
        self.out.write_all(&total.to_le_bytes())
    }
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn pad(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

/// One option. A value longer than an option can hold is cut; the capture
/// writer keeps its comments far shorter, at a character boundary.
fn put_option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    let value = value.get(..usize::from(u16::MAX) - 3).unwrap_or(value);
    put_u16(out, code);
    put_u16(out, value.len() as u16);
    out.extend_from_slice(value);
    pad(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_framed_and_padded() {
        let header = Header {
            application: "t",
            comment: "c",
            interface: "lo",
            interface_description: "d",
        };
        let mut file = Pcapng::start(Vec::new(), &header).unwrap();
        file.secrets(b"CLIENT_RANDOM ab cd\n").unwrap();
        file.packet(1_000_001, &[1, 2, 3], Some("hi")).unwrap();
        let bytes = file.into_inner().unwrap();
        let mut at = 0;
        let mut kinds = Vec::new();
        while at < bytes.len() {
            let word = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
            let (kind, len) = (word(at), word(at + 4) as usize);
            assert_eq!(len % 4, 0, "every block is a multiple of four bytes");
            assert_eq!(word(at + len - 4) as usize, len, "length at both ends");
            kinds.push(kind);
            at += len;
        }
        assert_eq!(
            kinds,
            vec![
                SECTION_HEADER,
                INTERFACE,
                DECRYPTION_SECRETS,
                ENHANCED_PACKET
            ]
        );
        let dsb = bytes
            .windows(8)
            .position(|w| w == [0x4B, 0x53, 0x4C, 0x54, 20, 0, 0, 0])
            .expect("TLSK, then the secrets' length");
        assert_eq!(&bytes[dsb + 8..dsb + 28], b"CLIENT_RANDOM ab cd\n");
    }
}
