//! `replay --follow`: a capture that a capture tool is still writing.
//!
//! At the end of the file there is no end yet: the reader waits and looks
//! again (every [`POLL`]). A capture tool with a ring buffer (`tcpdump -C
//! -W`, `dumpcap -b filesize:…`) moves on to a new file instead; named as a
//! glob (`'ring_*.pcap'`, quoted so the shell leaves it alone), the next
//! file that appears (the oldest not read yet) is read on from where the
//! last one ended. pcapng files simply follow one another (each starts a new
//! section); a pcap file's 24-byte header is left out, and must be the
//! first file's (the same link type), or the reading stops with an error.
//!
//! It never ends by itself: quit the TUI, or interrupt.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How often the end of a followed file is looked at again.
pub const POLL: Duration = Duration::from_millis(200);

/// A file, or a ring of files, followed as it grows.
pub struct Follow {
    file: File,
    /// The ring's folder and file-name pattern, when following a glob.
    ring: Option<(PathBuf, String)>,
    /// Files of the ring read so far.
    read: Vec<PathBuf>,
    /// The first file's pcap header (ring files after it repeat it).
    header: Option<[u8; 24]>,
    /// Bytes of the current file's header still to leave out.
    skip: usize,
    started: bool,
}

/// Whether `name` matches `pattern` (`*`: any run, `?`: any one character).
fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.split_first(), name.split_first()) {
        (None, None) => true,
        (Some((b'*', rest)), _) => {
            matches(rest, name) || name.split_first().is_some_and(|(_, n)| matches(pattern, n))
        }
        (Some((p, rest)), Some((n, more))) if *p == b'?' || p == n => matches(rest, more),
        _ => false,
    }
}

impl Follow {
    /// Follows `path`; a `*` or `?` in its file name makes it a ring.
    pub fn open(path: &Path) -> io::Result<Follow> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.contains(['*', '?']) {
            return Ok(Follow {
                file: File::open(path)?,
                ring: None,
                read: vec![path.to_path_buf()],
                header: None,
                skip: 0,
                started: false,
            });
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let ring = Some((dir, name.to_string()));
        let first = next_in_ring(&ring, &[])?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no file matches {} yet", path.display()),
            )
        })?;
        Ok(Follow {
            file: File::open(&first)?,
            ring,
            read: vec![first],
            header: None,
            skip: 0,
            started: false,
        })
    }

    /// Moves on to the ring's next file, if one has appeared.
    fn next_file(&mut self) -> io::Result<bool> {
        let Some(next) = next_in_ring(&self.ring, &self.read)? else {
            return Ok(false);
        };
        let mut file = File::open(&next)?;
        let mut head = [0u8; 24];
        let pcapng = file.read(&mut head[..4])? == 4 && head[..4] == [0x0a, 0x0d, 0x0d, 0x0a];
        self.file = File::open(&next)?;
        self.skip = 0;
        if !pcapng {
            file.read_exact(&mut head[4..])?;
            if self.header.is_some_and(|h| h != head) {
                return Err(io::Error::other(format!(
                    "{} does not continue the ring: its pcap header differs from the first file's",
                    next.display()
                )));
            }
            self.skip = 24;
        }
        self.read.push(next);
        Ok(true)
    }
}

/// The oldest file of the ring not read yet.
fn next_in_ring(ring: &Option<(PathBuf, String)>, read: &[PathBuf]) -> io::Result<Option<PathBuf>> {
    let Some((dir, pattern)) = ring else {
        return Ok(None);
    };
    let mut found: Vec<(SystemTime, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let fits = matches(pattern.as_bytes(), name.as_encoded_bytes());
        if fits && !read.contains(&path) {
            let modified = entry
                .metadata()?
                .modified()
                .unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((modified, path));
        }
    }
    found.sort();
    Ok(found.into_iter().next().map(|(_, p)| p))
}

impl Read for Follow {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.file.read(buf)?;
            if n == 0 && !buf.is_empty() {
                if !self.next_file()? {
                    std::thread::sleep(POLL);
                }
                continue;
            }
            if !self.started {
                // The first file's header, kept to check the next ones.
                self.started = true;
                if let Some(h) = buf.get(..24).filter(|_| n >= 24) {
                    self.header = h.try_into().ok();
                }
            }
            if self.skip > 0 {
                let dropped = self.skip.min(n);
                self.skip -= dropped;
                buf.copy_within(dropped..n, 0);
                if n == dropped {
                    continue;
                }
                return Ok(n - dropped);
            }
            return Ok(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_names_match_their_glob() {
        assert!(matches(b"ring_*.pcap", b"ring_00001_20261206.pcap"));
        assert!(matches(b"cap?.pcapng", b"cap7.pcapng"));
        assert!(!matches(b"ring_*.pcap", b"ring_00001.pcapng"));
        assert!(!matches(b"ring_*.pcap", b"other.pcap"));
    }
}
