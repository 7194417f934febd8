//! The files the server offers: a tree of paths it can list and send, and
//! the uploads it keeps in memory.
//!
//! The client sees *virtual* paths: `/`, `/docs`, `/hello.txt`. Two roots
//! can stand behind them:
//!
//! - [`Root::Builtin`]: the files under `assets/files/`, compiled into the
//!   binary (`build.rs`), so the lab works from any folder;
//! - [`Root::Dir`]: a real directory (`serve --root DIR`), read-only.
//!
//! Either way, uploads (`STOR`) never touch the disk: they go to memory, up
//! to a cap, and shadow the root so they can be listed and fetched back.
//!
//! **Paths never leave the root.** A client's path is first folded into a
//! clean absolute virtual path ([`resolve`]: `.` dropped, `..` pops a name
//! and stops at `/`). For a real directory the result is then
//! canonicalized (symlinks followed) and must still start with the
//! canonical root — a symlink to `/etc` inside the root is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));
}

/// What stands behind `/`.
#[derive(Debug, Clone)]
pub enum Root {
    Builtin,
    /// A canonical directory path.
    Dir(PathBuf),
}

/// One name in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
    pub size: u64,
    pub modified: SystemTime,
}

pub use crate::transfer::Source;

/// A file operation that cannot be done (550 or 552 on the wire).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("no such file or directory")]
    NotFound,
    #[error("not a directory")]
    NotADirectory,
    #[error("is a directory")]
    IsADirectory,
    #[error("permission denied")]
    Denied,
    #[error("upload space exhausted ({cap} bytes)")]
    Full { cap: usize },
    #[error("{0}")]
    Io(String),
}

#[derive(Debug)]
struct Upload {
    bytes: Arc<Vec<u8>>,
    modified: SystemTime,
}

#[derive(Debug, Default)]
struct Uploads {
    files: BTreeMap<String, Upload>,
    total: usize,
}

/// The server's file tree, shared by all its sessions.
#[derive(Debug, Clone)]
pub struct Files {
    root: Root,
    uploads: Arc<Mutex<Uploads>>,
    /// The most bytes all uploads together may hold.
    pub cap: usize,
    started: SystemTime,
}

/// Folds `arg` (absolute or relative to `cwd`) into a clean virtual path.
pub fn resolve(cwd: &str, arg: &str) -> String {
    let mut parts: Vec<&str> = if arg.starts_with('/') {
        Vec::new()
    } else {
        cwd.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in arg.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or_default()
}

impl Files {
    pub fn new(root: Root, cap: usize) -> Files {
        Files {
            root,
            uploads: Arc::new(Mutex::new(Uploads::default())),
            cap,
            started: SystemTime::now(),
        }
    }

    /// A real directory, checked and made canonical.
    pub fn dir(path: &Path, cap: usize) -> Result<Files, FileError> {
        let canonical = path
            .canonicalize()
            .map_err(|e| FileError::Io(format!("{}: {e}", path.display())))?;
        if !canonical.is_dir() {
            return Err(FileError::NotADirectory);
        }
        Ok(Files::new(Root::Dir(canonical), cap))
    }

    fn uploads(&self) -> std::sync::MutexGuard<'_, Uploads> {
        self.uploads.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The real path behind a virtual one, proven to be inside the root.
    fn real(&self, root: &Path, vpath: &str) -> Result<PathBuf, FileError> {
        let joined = root.join(vpath.trim_start_matches('/'));
        let canonical = joined.canonicalize().map_err(|_| FileError::NotFound)?;
        if canonical.starts_with(root) {
            Ok(canonical)
        } else {
            Err(FileError::Denied)
        }
    }

    /// What a path is: a directory, a file, or nothing.
    pub fn stat(&self, vpath: &str) -> Result<Entry, FileError> {
        let name = name_of(vpath).to_string();
        if let Some(up) = self.uploads().files.get(vpath) {
            return Ok(Entry {
                name,
                is_dir: false,
                size: up.bytes.len() as u64,
                modified: up.modified,
            });
        }
        match &self.root {
            Root::Builtin => {
                if vpath == "/" || builtin_dirs().contains(vpath) {
                    return Ok(self.dir_entry(name));
                }
                let rel = vpath.trim_start_matches('/');
                builtin::BUILTIN
                    .iter()
                    .find(|(p, _)| *p == rel)
                    .map(|(_, bytes)| Entry {
                        name,
                        is_dir: false,
                        size: bytes.len() as u64,
                        modified: self.started,
                    })
                    .ok_or(FileError::NotFound)
            }
            Root::Dir(root) => {
                let real = self.real(root, vpath)?;
                let meta = std::fs::metadata(&real).map_err(|_| FileError::NotFound)?;
                Ok(Entry {
                    name,
                    is_dir: meta.is_dir(),
                    size: meta.len(),
                    modified: meta.modified().unwrap_or(self.started),
                })
            }
        }
    }

    fn dir_entry(&self, name: String) -> Entry {
        Entry {
            name,
            is_dir: true,
            size: 4096,
            modified: self.started,
        }
    }

    /// The entries of a directory (or the one entry of a file), by name.
    pub fn list(&self, vpath: &str) -> Result<Vec<Entry>, FileError> {
        let me = self.stat(vpath)?;
        if !me.is_dir {
            return Ok(vec![me]);
        }
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        match &self.root {
            Root::Builtin => {
                for dir in builtin_dirs() {
                    if parent_of(&dir) == vpath {
                        let name = name_of(&dir).to_string();
                        entries.insert(name.clone(), self.dir_entry(name));
                    }
                }
                for (path, bytes) in builtin::BUILTIN {
                    let vp = format!("/{path}");
                    if parent_of(&vp) == vpath {
                        let name = name_of(&vp).to_string();
                        let entry = Entry {
                            name: name.clone(),
                            is_dir: false,
                            size: bytes.len() as u64,
                            modified: self.started,
                        };
                        entries.insert(name, entry);
                    }
                }
            }
            Root::Dir(root) => {
                let real = self.real(root, vpath)?;
                let dir = std::fs::read_dir(&real).map_err(|e| FileError::Io(e.to_string()))?;
                for item in dir.flatten() {
                    let name = item.file_name().to_string_lossy().into_owned();
                    // Follow symlinks, but only to places inside the root.
                    let child = resolve(vpath, &name);
                    if let Ok(entry) = self.stat(&child) {
                        entries.insert(name, entry);
                    }
                }
            }
        }
        for (path, up) in &self.uploads().files {
            if parent_of(path) == vpath {
                let name = name_of(path).to_string();
                let entry = Entry {
                    name: name.clone(),
                    is_dir: false,
                    size: up.bytes.len() as u64,
                    modified: up.modified,
                };
                entries.insert(name, entry);
            }
        }
        Ok(entries.into_values().collect())
    }

    /// Where the bytes of a file are.
    pub fn open(&self, vpath: &str) -> Result<Source, FileError> {
        if let Some(up) = self.uploads().files.get(vpath) {
            return Ok(Source::Memory(up.bytes.clone()));
        }
        let entry = self.stat(vpath)?;
        if entry.is_dir {
            return Err(FileError::IsADirectory);
        }
        match &self.root {
            Root::Builtin => {
                let rel = vpath.trim_start_matches('/');
                builtin::BUILTIN
                    .iter()
                    .find(|(p, _)| *p == rel)
                    .map(|(_, bytes)| Source::Static(bytes))
                    .ok_or(FileError::NotFound)
            }
            Root::Dir(root) => Ok(Source::Disk(self.real(root, vpath)?)),
        }
    }

    /// How many more bytes an upload to `vpath` may take (its old version's
    /// bytes are freed by the new one).
    pub fn room_for(&self, vpath: &str) -> usize {
        let up = self.uploads();
        let old = up.files.get(vpath).map_or(0, |u| u.bytes.len());
        self.cap.saturating_sub(up.total - old)
    }

    /// Checks that an upload to `vpath` may start: its folder must exist and
    /// it must not name a folder.
    pub fn can_store(&self, vpath: &str) -> Result<(), FileError> {
        if vpath == "/" {
            return Err(FileError::IsADirectory);
        }
        if !self.stat(parent_of(vpath))?.is_dir {
            return Err(FileError::NotADirectory);
        }
        match self.stat(vpath) {
            Ok(e) if e.is_dir => Err(FileError::IsADirectory),
            _ => Ok(()),
        }
    }

    /// Keeps an upload in memory.
    pub fn store(&self, vpath: &str, bytes: Vec<u8>) -> Result<(), FileError> {
        self.can_store(vpath)?;
        let mut up = self.uploads();
        let old = up.files.get(vpath).map_or(0, |u| u.bytes.len());
        let total = up.total - old + bytes.len();
        if total > self.cap {
            return Err(FileError::Full { cap: self.cap });
        }
        up.total = total;
        let upload = Upload {
            bytes: Arc::new(bytes),
            modified: SystemTime::now(),
        };
        up.files.insert(vpath.to_string(), upload);
        Ok(())
    }
}

/// Every folder of the built-in tree, as virtual paths.
fn builtin_dirs() -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for (path, _) in builtin::BUILTIN {
        let mut p = format!("/{path}");
        loop {
            p = parent_of(&p).to_string();
            if p == "/" {
                break;
            }
            dirs.insert(p.clone());
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_stops_at_the_root() {
        assert_eq!(resolve("/", "../../etc/passwd"), "/etc/passwd");
        assert_eq!(resolve("/docs", ".."), "/");
        assert_eq!(resolve("/docs", "./a/../b"), "/docs/b");
        assert_eq!(resolve("/docs", "/x//y/"), "/x/y");
    }

    #[test]
    fn the_builtin_tree_lists_files_and_folders() {
        let files = Files::new(Root::Builtin, 1000);
        let names: Vec<String> = files
            .list("/")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(names.contains(&"hello.txt".to_string()));
        assert!(names.contains(&"docs".to_string()));
        assert!(files.stat("/docs").unwrap().is_dir);
        assert!(matches!(files.open("/docs"), Err(FileError::IsADirectory)));
    }

    #[test]
    fn uploads_are_capped_and_listed() {
        let files = Files::new(Root::Builtin, 10);
        files.store("/up.txt", b"12345".to_vec()).unwrap();
        assert_eq!(files.stat("/up.txt").unwrap().size, 5);
        assert_eq!(
            files.store("/big", vec![0; 6]),
            Err(FileError::Full { cap: 10 })
        );
        assert!(
            files.store("/up.txt", vec![0; 10]).is_ok(),
            "replacing frees the old bytes"
        );
        assert_eq!(files.store("/nodir/x", vec![1]), Err(FileError::NotFound));
    }
}
