//! A name in the server's tree: the virtual path that reaches it, what it
//! is, who asks for it, and what can go wrong.
//!
//! The client sees *virtual* paths (`/`, `/docs`, `/hello.txt`), bytes as
//! on a Unix disk. [`resolve`] folds what a client wrote into a clean
//! absolute one (`.` dropped, `..` pops a name and stops at `/`); the
//! other functions split and join clean paths. An [`Entry`] is one name
//! in a listing, of a [`Kind`]; [`Who`] is asking; a [`FileError`] is
//! what the server answers when it cannot. The served tree (`files`), the
//! uploads beside it (`uploads`) and the listings (`listing`) all speak
//! in these words, and none of them needs another to do so.

use std::time::SystemTime;

/// Who is asking: what they may see and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// `anonymous` (or `ftp`): reads the served files.
    Anonymous,
    /// `demo`: reads, and may upload where the server takes uploads.
    Demo,
}

/// What a name is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A named pipe: opening it for reading waits for a writer.
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

/// One name in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: Vec<u8>,
    pub kind: Kind,
    pub size: u64,
    pub modified: SystemTime,
}

impl Entry {
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }
}

/// A file operation that cannot be done (550, 552 or 553 on the wire).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("no such file or directory")]
    NotFound,
    #[error("not a directory")]
    NotADirectory,
    #[error("is a directory")]
    IsADirectory,
    #[error("not a regular file")]
    NotRegular,
    #[error("permission denied: {0}")]
    Denied(&'static str),
    #[error("file name not allowed: {0}")]
    BadName(&'static str),
    #[error("upload larger than {cap} bytes")]
    TooBig { cap: u64 },
    #[error("upload space exhausted ({cap} bytes)")]
    Full { cap: u64 },
    #[error("restart position {offset} is past the end of the file ({size} bytes)")]
    PastTheEnd { offset: u64, size: u64 },
    #[error("{0}")]
    Io(String),
}

/// Folds `arg` (absolute or relative to `cwd`) into a clean virtual path.
pub fn resolve(cwd: &[u8], arg: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = if arg.starts_with(b"/") {
        Vec::new()
    } else {
        cwd.split(|&b| b == b'/')
            .filter(|p| !p.is_empty())
            .collect()
    };
    for part in arg.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    let mut path = Vec::with_capacity(arg.len() + cwd.len() + 1);
    for part in &parts {
        path.push(b'/');
        path.extend_from_slice(part);
    }
    if path.is_empty() {
        path.push(b'/');
    }
    path
}

/// Whether a path as the client wrote it can only name a folder: it ends
/// in `/` (`hello.txt/`), `.` or `..` — as a Unix path does, where
/// `hello.txt/` is "not a directory" rather than the file.
pub fn names_a_folder(arg: &[u8]) -> bool {
    let last = arg.rsplit(|&b| b == b'/').next().unwrap_or_default();
    arg.ends_with(b"/") || last == b"." || last == b".."
}

/// The folder a clean virtual path is in.
pub fn parent_of(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(0) | None => b"/",
        Some(i) => path.get(..i).unwrap_or(b"/"),
    }
}

/// The last name of a clean virtual path.
pub fn name_of(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or_default()
}

/// `dir/name` for a clean virtual folder and a name.
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = dir.to_vec();
    if !path.ends_with(b"/") {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_stops_at_the_root() {
        assert_eq!(resolve(b"/", b"../../etc/passwd"), b"/etc/passwd");
        assert_eq!(resolve(b"/docs", b".."), b"/");
        assert_eq!(resolve(b"/docs", b"./a/../b"), b"/docs/b");
        assert_eq!(resolve(b"/docs", b"/x//y/"), b"/x/y");
        assert_eq!(resolve(b"/", b"caf\xe9"), b"/caf\xe9", "bytes stay bytes");
    }

    #[test]
    fn a_trailing_slash_names_a_folder() {
        for folder in [&b"hello.txt/"[..], b"docs/.", b"a/..", b".", b"..", b"/"] {
            assert!(names_a_folder(folder), "{folder:?}");
        }
        for file in [&b"hello.txt"[..], b"docs/a.txt", b"a.b", b"...", b""] {
            assert!(!names_a_folder(file), "{file:?}");
        }
    }
}
