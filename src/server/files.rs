//! The files the server offers: a tree of paths it can list and send, and
//! who may add to it.
//!
//! The client sees *virtual* paths: `/`, `/docs`, `/hello.txt`. A path is
//! bytes, as on a Unix disk and on the wire: a name that is not UTF-8 is
//! listed, and fetched, by its bytes. Two trees can stand behind `/`:
//!
//! - the built-in files under `assets/files/`, compiled into the binary
//!   (`build.rs`), so the lab works from any folder ([`Files::builtin`]);
//! - a real directory (`serve --root DIR`, [`Files::dir`]).
//!
//! Either is **read-only**. Where the server takes uploads ([`Uploads`]:
//! the lab, and `serve` without `--root`), a logged-in user's uploads sit
//! beside the served files — never over one — and only that user sees them.
//!
//! **Paths never leave the root.** A client's path is first folded into a
//! clean absolute virtual path ([`resolve`], in `entry`: `.` dropped, `..` pops a name
//! and stops at `/`). A real directory is then asked for that path *beneath
//! its open handle*, in one step ([`cap_std`]: `openat2` with
//! `RESOLVE_BENEATH` on Linux): symlinks are followed only while they stay
//! inside, an absolute symlink is refused. Checking a path first and
//! opening it later would leave a gap in which a local user swaps a folder
//! for a symlink to `/etc`.
//!
//! **Only regular files are sent, only folders are listed.** A FIFO would
//! block the session forever on open, `/dev/zero` would stream without
//! end: such names are listed as what they are (`p`, `c`, `b`, `s`) and
//! refused (`550`), as vsftpd does. Files are opened without blocking and
//! checked after opening, so a file swapped for a FIFO is refused too.

use super::entry::{join, name_of, parent_of, resolve, Entry, FileError, Kind, Who};
use super::uploads::{UploadWriter, Uploads};
use crate::transfer::Source;
use cap_std::fs::{Dir, FileTypeExt, OpenOptions, OpenOptionsExt};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));
}

/// What stands behind `/`.
#[derive(Clone)]
enum Tree {
    Builtin,
    /// A real directory, open: every path is resolved beneath it.
    Dir(Arc<Dir>),
}

/// The server's file tree, shared by all its sessions.
#[derive(Clone)]
pub struct Files {
    tree: Tree,
    uploads: Option<Arc<Uploads>>,
    started: SystemTime,
}

/// A virtual path as a path relative to the root directory.
fn relative(vpath: &[u8]) -> &Path {
    let rel = vpath.strip_prefix(b"/").unwrap_or(vpath);
    if rel.is_empty() {
        Path::new(".")
    } else {
        Path::new(OsStr::from_bytes(rel))
    }
}

fn kind_of(t: cap_std::fs::FileType) -> Kind {
    if t.is_dir() {
        Kind::Dir
    } else if t.is_file() {
        Kind::File
    } else if t.is_fifo() {
        Kind::Fifo
    } else if t.is_socket() {
        Kind::Socket
    } else if t.is_block_device() {
        Kind::BlockDevice
    } else {
        Kind::CharDevice
    }
}

impl Files {
    /// The built-in files, read-only.
    pub fn builtin() -> Files {
        Files {
            tree: Tree::Builtin,
            uploads: None,
            started: SystemTime::now(),
        }
    }

    /// A real directory, read-only. One this process cannot read is
    /// refused now, not served as an empty tree: opening a folder needs no
    /// right to read it (an `O_PATH` handle), listing it does.
    pub fn dir(path: &Path) -> std::io::Result<Files> {
        let dir = Dir::open_ambient_dir(path, cap_std::ambient_authority())?;
        dir.read_dir(".")?;
        Ok(Files {
            tree: Tree::Dir(Arc::new(dir)),
            uploads: None,
            started: SystemTime::now(),
        })
    }

    /// The same files, plus a place for uploads.
    pub fn with_uploads(mut self, uploads: Uploads) -> Files {
        self.uploads = Some(Arc::new(uploads));
        self
    }

    /// The uploads, for those `who` may see them.
    fn uploads_for(&self, who: Who) -> Option<&Arc<Uploads>> {
        self.uploads.as_ref().filter(|u| u.admits(who))
    }

    /// The clean virtual path a client's argument names, from folder
    /// `cwd`. A name written the way listings escape it (`a\012b` for a
    /// newline, `a\\b` for a backslash; `listing` escapes it) is
    /// the name it stands for; as written, only when no such name exists
    /// (a client that types a backslash by hand).
    pub fn meant(&self, cwd: &[u8], arg: &[u8], who: Who) -> Vec<u8> {
        let literal = resolve(cwd, arg);
        if !arg.contains(&b'\\') {
            return literal;
        }
        let meant = resolve(cwd, &super::listing::unescape(arg));
        if meant != literal && self.stat(&meant, who).is_ok() {
            return meant;
        }
        literal
    }

    /// What a path is: a directory, a file, or nothing.
    pub fn stat(&self, vpath: &[u8], who: Who) -> Result<Entry, FileError> {
        if let Some(entry) = self.uploads_for(who).and_then(|u| u.stat(vpath)) {
            return Ok(entry);
        }
        self.tree_stat(vpath)
    }

    fn tree_stat(&self, vpath: &[u8]) -> Result<Entry, FileError> {
        let name = name_of(vpath).to_vec();
        match &self.tree {
            Tree::Builtin => {
                if vpath == b"/" || builtin_dirs().contains(vpath) {
                    return Ok(self.dir_entry(name));
                }
                let (_, bytes) = builtin_file(vpath).ok_or(FileError::NotFound)?;
                Ok(Entry {
                    name,
                    kind: Kind::File,
                    size: bytes.len() as u64,
                    modified: self.started,
                })
            }
            Tree::Dir(dir) => {
                let meta = dir
                    .metadata(relative(vpath))
                    .map_err(|_| FileError::NotFound)?;
                Ok(Entry {
                    name,
                    kind: kind_of(meta.file_type()),
                    size: meta.len(),
                    modified: meta.modified().map_or(self.started, |t| t.into_std()),
                })
            }
        }
    }

    fn dir_entry(&self, name: Vec<u8>) -> Entry {
        Entry {
            name,
            kind: Kind::Dir,
            size: 4096,
            modified: self.started,
        }
    }

    /// The entries of a directory (or the one entry of a file), by name,
    /// read one at a time as the listing is sent.
    pub fn list(&self, vpath: &[u8], who: Who) -> Result<Listing, FileError> {
        let me = self.stat(vpath, who)?;
        if !me.is_dir() {
            let mut me = me;
            me.name = name_of(vpath).to_vec();
            return Ok(Listing::one(me));
        }
        let mut names: Vec<(Vec<u8>, bool)> = match &self.tree {
            Tree::Builtin => builtin_children(vpath),
            Tree::Dir(dir) => dir
                .read_dir(relative(vpath))
                .map_err(|e| FileError::Io(e.to_string()))?
                .flatten()
                .map(|e| e.file_name().as_bytes().to_vec())
                .collect(),
        }
        .into_iter()
        .map(|name| (name, false))
        .collect();
        if let Some(up) = self.uploads_for(who) {
            names.extend(up.names_in(vpath).into_iter().map(|n| (n, true)));
        }
        names.sort();
        names.dedup_by(|a, b| a.0 == b.0);
        Ok(Listing {
            files: self.clone(),
            dir: vpath.to_vec(),
            who,
            names: names.into_iter(),
            one: None,
            prefix: Vec::new(),
        })
    }

    /// The bytes of a regular file, and its size.
    pub fn open(&self, vpath: &[u8], who: Who) -> Result<(Source, u64), FileError> {
        if let Some(found) = self.uploads_for(who).and_then(|u| u.open(vpath)) {
            return found;
        }
        match &self.tree {
            Tree::Builtin => {
                if vpath == b"/" || builtin_dirs().contains(vpath) {
                    return Err(FileError::IsADirectory);
                }
                let (_, bytes) = builtin_file(vpath).ok_or(FileError::NotFound)?;
                Ok((Source::Static(bytes), bytes.len() as u64))
            }
            Tree::Dir(dir) => {
                // Never blocks: a FIFO opens at once (and is then refused);
                // a terminal does not become ours.
                let mut options = OpenOptions::new();
                options.read(true);
                options.custom_flags(
                    (rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY).bits() as i32,
                );
                let file = dir
                    .open_with(relative(vpath), &options)
                    .map_err(|_| FileError::NotFound)?;
                let meta = file.metadata().map_err(|e| FileError::Io(e.to_string()))?;
                match kind_of(meta.file_type()) {
                    Kind::File => Ok((Source::File(Arc::new(file.into_std())), meta.len())),
                    Kind::Dir => Err(FileError::IsADirectory),
                    _ => Err(FileError::NotRegular),
                }
            }
        }
    }

    /// Whether `who` may upload at all here.
    pub fn writable_by(&self, who: Who) -> bool {
        self.uploads_for(who).is_some()
    }

    /// Starts an upload to `vpath` by `who`, keeping the first `offset`
    /// bytes of an earlier upload there (after `REST`).
    pub fn store(&self, vpath: &[u8], who: Who, offset: u64) -> Result<UploadWriter, FileError> {
        let uploads = self.writable(who)?;
        let name = name_of(vpath);
        if name.is_empty() {
            return Err(FileError::IsADirectory);
        }
        if name.len() > 255 {
            return Err(FileError::BadName("longer than 255 bytes"));
        }
        if name.iter().any(|b| b.is_ascii_control()) {
            return Err(FileError::BadName("control characters"));
        }
        if !self.tree_stat(parent_of(vpath))?.is_dir() {
            return Err(FileError::NotADirectory);
        }
        if self.tree_stat(vpath).is_ok() {
            return Err(FileError::Denied("a served file has that name"));
        }
        uploads.begin(vpath, offset)
    }

    /// Deletes `who`'s upload at `vpath` (served files stay).
    pub fn delete(&self, vpath: &[u8], who: Who) -> Result<(), FileError> {
        let uploads = self.writable(who)?;
        if self.tree_stat(vpath).is_ok() {
            return Err(FileError::Denied("served files are read-only"));
        }
        uploads.delete(vpath)
    }

    fn writable(&self, who: Who) -> Result<&Arc<Uploads>, FileError> {
        match (&self.uploads, self.uploads_for(who)) {
            (_, Some(uploads)) => Ok(uploads),
            (None, _) => Err(FileError::Denied("this server is read-only")),
            (Some(_), None) => Err(FileError::Denied("anonymous users may only read")),
        }
    }

    /// The private folder uploads are kept in, if they are on disk.
    pub fn upload_dir(&self) -> Option<&Path> {
        self.uploads.as_ref().and_then(|u| u.dir())
    }
}

/// A directory's entries, read one at a time (a folder of a million names
/// costs the names, not a million formatted lines).
pub struct Listing {
    files: Files,
    dir: Vec<u8>,
    who: Who,
    /// Names still to list; true for an upload.
    names: std::vec::IntoIter<(Vec<u8>, bool)>,
    one: Option<Entry>,
    /// Put before every name listed (`docs/` for `NLST docs/*.txt`).
    prefix: Vec<u8>,
}

impl Listing {
    fn one(entry: Entry) -> Listing {
        Listing {
            files: Files::builtin(),
            dir: Vec::new(),
            who: Who::Anonymous,
            names: Vec::new().into_iter(),
            one: Some(entry),
            prefix: Vec::new(),
        }
    }

    /// Only the names that match a wildcard pattern ([`super::glob`]).
    pub fn matching(mut self, pattern: &[u8]) -> Listing {
        let kept: Vec<_> = self
            .names
            .filter(|(name, _)| super::glob::matches(pattern, name))
            .collect();
        self.names = kept.into_iter();
        self.one = self.one.filter(|e| super::glob::matches(pattern, &e.name));
        self
    }

    /// Every name listed with `prefix` before it.
    pub fn with_prefix(mut self, prefix: &[u8]) -> Listing {
        self.prefix = prefix.to_vec();
        self
    }

    /// Names left to list (some may yet be left out: see `next`).
    pub fn len(&self) -> usize {
        self.names.len() + usize::from(self.one.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Iterator for Listing {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        if let Some(mut one) = self.one.take() {
            one.name = [&self.prefix[..], &one.name].concat();
            return Some(one);
        }
        loop {
            let (name, upload) = self.names.next()?;
            let path = join(&self.dir, &name);
            let entry = if upload {
                self.files
                    .uploads_for(self.who)
                    .and_then(|u| u.stat(&path))
                    .ok_or(FileError::NotFound)
            } else {
                // A symlink that leads outside the root is left out.
                self.files.tree_stat(&path)
            };
            if let Ok(mut entry) = entry {
                entry.name = [&self.prefix[..], &name].concat();
                return Some(entry);
            }
        }
    }
}

fn builtin_file(vpath: &[u8]) -> Option<&'static (&'static str, &'static [u8])> {
    let rel = vpath.strip_prefix(b"/").unwrap_or(vpath);
    builtin::BUILTIN.iter().find(|(p, _)| p.as_bytes() == rel)
}

/// Every folder of the built-in tree, as virtual paths.
fn builtin_dirs() -> &'static BTreeSet<Vec<u8>> {
    static DIRS: OnceLock<BTreeSet<Vec<u8>>> = OnceLock::new();
    DIRS.get_or_init(|| {
        let mut dirs = BTreeSet::new();
        for (path, _) in builtin::BUILTIN {
            let mut p = format!("/{path}").into_bytes();
            loop {
                p = parent_of(&p).to_vec();
                if p == b"/" {
                    break;
                }
                dirs.insert(p.clone());
            }
        }
        dirs
    })
}

/// The names directly inside a built-in folder.
fn builtin_children(vpath: &[u8]) -> Vec<Vec<u8>> {
    let dirs = builtin_dirs().iter().cloned();
    let files = builtin::BUILTIN
        .iter()
        .map(|(p, _)| format!("/{p}").into_bytes());
    dirs.chain(files)
        .filter(|p| parent_of(p) == vpath)
        .map(|p| name_of(&p).to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_tree_lists_files_and_folders() {
        let files = Files::builtin();
        let names: Vec<Vec<u8>> = files
            .list(b"/", Who::Anonymous)
            .unwrap()
            .map(|e| e.name)
            .collect();
        assert!(names.contains(&b"hello.txt".to_vec()));
        assert!(names.contains(&b"docs".to_vec()));
        assert!(files.stat(b"/docs", Who::Anonymous).unwrap().is_dir());
        assert!(matches!(
            files.open(b"/docs", Who::Anonymous),
            Err(FileError::IsADirectory)
        ));
    }

    #[test]
    fn a_read_only_tree_refuses_every_write() {
        let files = Files::builtin();
        assert!(matches!(
            files.store(b"/x", Who::Demo, 0),
            Err(FileError::Denied(_))
        ));
        assert!(matches!(
            files.delete(b"/hello.txt", Who::Demo),
            Err(FileError::Denied(_))
        ));
    }
}
