//! Uploads: where a logged-in user's `STOR`s go, and how much they may take.
//!
//! A server that takes uploads from a classroom must not let one client
//! spoil it for the others, so the rules are vsftpd's defaults and a few
//! more:
//!
//! - **Anonymous users only read** (`550 Permission denied`). `demo` may
//!   upload; its files sit beside the served ones, never over one, and
//!   only `demo` sees them — it can list them, fetch them back and delete
//!   them (`DELE`).
//! - **Caps**: per file, in total, and on the number of files; an upload is
//!   refused (`552`) the moment it passes the per-file cap — the server
//!   stops reading, it does not swallow the rest first.
//! - **When space runs out the oldest uploads go**, not the service: a full
//!   store evicts the upload stored longest ago to make room for the new.
//!
//! The lab keeps its few small uploads in memory ([`Uploads::in_memory`]).
//! `serve` keeps them on disk, in a private folder made when it starts and
//! removed when it stops ([`Uploads::on_disk`]), so its memory does not
//! grow with them. The names a client chooses never reach the disk: each
//! upload is stored under a number.

use super::entry::{name_of, parent_of, Entry, FileError, Kind, Who};
use crate::transfer::Source;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

/// How much the uploads may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes one upload may have.
    pub per_file: u64,
    /// Bytes all uploads together may have (the oldest go first).
    pub total: u64,
    /// Uploads kept at once (the oldest go first).
    pub files: usize,
}

impl Limits {
    /// Everything within `total` bytes; up to 10 000 files.
    pub fn total(total: u64) -> Limits {
        Limits {
            per_file: total,
            total,
            files: 10_000,
        }
    }
}

/// Who may upload (and see uploads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writers {
    /// `demo` only: anonymous users read.
    Demo,
    /// Anyone logged in, `anonymous` too (the lab, whose lesson stores a
    /// file as `anonymous`).
    Everyone,
}

enum Body {
    Memory(Arc<Vec<u8>>),
    Disk(PathBuf),
}

struct Stored {
    body: Body,
    size: u64,
    modified: SystemTime,
    /// When it was stored, in order: the smallest goes first.
    seq: u64,
}

#[derive(Default)]
struct State {
    files: BTreeMap<Vec<u8>, Stored>,
    /// `seq` → path, oldest first.
    order: BTreeMap<u64, Vec<u8>>,
    /// Bytes stored and bytes of uploads under way.
    total: u64,
    seq: u64,
}

/// A private folder, removed with everything in it when dropped.
struct PrivateDir(PathBuf);

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The uploads of one server.
pub struct Uploads {
    limits: Limits,
    writers: Writers,
    disk: Option<PrivateDir>,
    state: Mutex<State>,
}

impl Uploads {
    /// Uploads kept in memory (the lab).
    pub fn in_memory(limits: Limits, writers: Writers) -> Uploads {
        Uploads {
            limits,
            writers,
            disk: None,
            state: Mutex::default(),
        }
    }

    /// Uploads kept on disk, in a new private folder under the system's
    /// temporary directory (readable by this user only); the folder goes
    /// when the uploads are dropped.
    pub fn on_disk(limits: Limits, writers: Writers) -> io::Result<Uploads> {
        let base = std::env::temp_dir();
        let stamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = io::Error::other("no attempt");
        for attempt in 0..16u32 {
            let dir = base.join(format!(
                "ftpviz-uploads-{}-{stamp:x}-{attempt}",
                std::process::id()
            ));
            // `create_dir` fails if the name exists (even as a symlink):
            // the folder is ours alone.
            let mut builder = std::fs::DirBuilder::new();
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&dir) {
                Ok(()) => {
                    return Ok(Uploads {
                        limits,
                        writers,
                        disk: Some(PrivateDir(dir)),
                        state: Mutex::default(),
                    })
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The private folder, when uploads are on disk.
    pub fn dir(&self) -> Option<&Path> {
        self.disk.as_ref().map(|d| d.0.as_path())
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether `who` may upload, and see uploads.
    pub fn admits(&self, who: Who) -> bool {
        self.writers == Writers::Everyone || who == Who::Demo
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An upload's entry.
    pub fn stat(&self, vpath: &[u8]) -> Option<Entry> {
        self.state().files.get(vpath).map(|s| Entry {
            name: name_of(vpath).to_vec(),
            kind: Kind::File,
            size: s.size,
            modified: s.modified,
        })
    }

    /// The names of the uploads directly in folder `dir`.
    pub fn names_in(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.state()
            .files
            .keys()
            .filter(|p| parent_of(p) == dir)
            .map(|p| name_of(p).to_vec())
            .collect()
    }

    /// An upload's bytes and size; `None` when there is none at `vpath`.
    pub fn open(&self, vpath: &[u8]) -> Option<Result<(Source, u64), FileError>> {
        let state = self.state();
        let stored = state.files.get(vpath)?;
        Some(match &stored.body {
            Body::Memory(bytes) => Ok((Source::Memory(bytes.clone()), stored.size)),
            Body::Disk(path) => File::open(path)
                .map(|f| (Source::File(Arc::new(f)), stored.size))
                .map_err(|e| FileError::Io(e.to_string())),
        })
    }

    /// Starts an upload to `vpath`, keeping the first `offset` bytes of the
    /// upload there now (after `REST`). An offset past that upload's end
    /// (or any offset, where there is none) is refused: the bytes would
    /// land elsewhere than the client asked.
    pub fn begin(self: &Arc<Self>, vpath: &[u8], offset: u64) -> Result<UploadWriter, FileError> {
        let size = self.stat(vpath).map_or(0, |e| e.size);
        if offset > size {
            return Err(FileError::PastTheEnd { offset, size });
        }
        let (sink, path) = match &self.disk {
            None => (Sink::Memory(Vec::new()), None),
            Some(dir) => {
                let n = {
                    let mut state = self.state();
                    state.seq += 1;
                    state.seq
                };
                let path = dir.0.join(format!("upload-{n}"));
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| FileError::Io(e.to_string()))?;
                (Sink::Disk(Arc::new(file)), Some(path))
            }
        };
        let mut writer = UploadWriter {
            uploads: self.clone(),
            vpath: vpath.to_vec(),
            sink,
            path,
            written: 0,
            done: false,
        };
        if offset > 0 {
            writer.keep_prefix(offset)?;
        }
        Ok(writer)
    }

    /// Takes `n` more bytes for an upload that has `written` so far,
    /// evicting the oldest uploads if that is what it takes.
    fn reserve(&self, written: u64, n: u64) -> Result<(), FileError> {
        if written.saturating_add(n) > self.limits.per_file {
            return Err(FileError::TooBig {
                cap: self.limits.per_file,
            });
        }
        let mut state = self.state();
        state.total = state.total.saturating_add(n);
        while state.total > self.limits.total {
            if !self.evict_oldest(&mut state) {
                state.total = state.total.saturating_sub(n);
                return Err(FileError::Full {
                    cap: self.limits.total,
                });
            }
        }
        Ok(())
    }

    fn release(&self, n: u64) {
        let mut state = self.state();
        state.total = state.total.saturating_sub(n);
    }

    /// Forgets the oldest upload; false when there is none.
    fn evict_oldest(&self, state: &mut State) -> bool {
        let Some((_, path)) = state.order.pop_first() else {
            return false;
        };
        if let Some(old) = state.files.remove(&path) {
            state.total = state.total.saturating_sub(old.size);
            remove_body(old.body);
        }
        true
    }

    fn remove(&self, state: &mut State, vpath: &[u8]) -> bool {
        match state.files.remove(vpath) {
            Some(old) => {
                state.order.remove(&old.seq);
                state.total = state.total.saturating_sub(old.size);
                remove_body(old.body);
                true
            }
            None => false,
        }
    }

    /// Deletes the upload at `vpath`.
    pub fn delete(&self, vpath: &[u8]) -> Result<(), FileError> {
        let mut state = self.state();
        if self.remove(&mut state, vpath) {
            Ok(())
        } else {
            Err(FileError::NotFound)
        }
    }
}

fn remove_body(body: Body) {
    // A reader that has the file open keeps its bytes until it is done.
    if let Body::Disk(path) = body {
        let _ = std::fs::remove_file(path);
    }
}

enum Sink {
    Memory(Vec<u8>),
    /// Shared with the blocking thread a write runs on.
    Disk(Arc<File>),
}

/// One upload under way: bytes go in with [`UploadWriter::write`], and
/// [`UploadWriter::commit`] makes it visible. Dropped before that, it
/// leaves nothing behind.
pub struct UploadWriter {
    uploads: Arc<Uploads>,
    vpath: Vec<u8>,
    sink: Sink,
    path: Option<PathBuf>,
    written: u64,
    done: bool,
}

impl UploadWriter {
    /// Appends bytes, within the caps.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        self.take_room(bytes.len())?;
        match &mut self.sink {
            Sink::Memory(v) => v.extend_from_slice(bytes),
            Sink::Disk(f) => (&**f)
                .write_all(bytes)
                .map_err(|e| FileError::Io(e.to_string()))?,
        }
        Ok(())
    }

    /// Counts `n` more bytes against the caps.
    fn take_room(&mut self, n: usize) -> Result<(), FileError> {
        let n = n as u64;
        self.uploads.reserve(self.written, n)?;
        self.written += n;
        Ok(())
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Copies the first `offset` bytes of the upload at the same path.
    fn keep_prefix(&mut self, offset: u64) -> Result<(), FileError> {
        let Some(found) = self.uploads.open(&self.vpath) else {
            return Ok(());
        };
        let (source, _) = found?;
        match source {
            Source::Memory(bytes) => {
                let keep = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                self.write(bytes.get(..keep).unwrap_or_default())
            }
            Source::File(file) => {
                let mut rest = (&*file).take(offset);
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = rest
                        .read(&mut buf)
                        .map_err(|e| FileError::Io(e.to_string()))?;
                    if n == 0 {
                        return Ok(());
                    }
                    self.write(buf.get(..n).unwrap_or_default())?;
                }
            }
            Source::Static(_) => Ok(()),
        }
    }

    /// Makes the upload visible under its path, replacing an older one
    /// there. Returns its size.
    pub fn commit(mut self) -> Result<u64, FileError> {
        let body = match std::mem::replace(&mut self.sink, Sink::Memory(Vec::new())) {
            Sink::Memory(bytes) => Body::Memory(Arc::new(bytes)),
            Sink::Disk(file) => {
                drop(file);
                match &self.path {
                    Some(path) => Body::Disk(path.clone()),
                    None => return Err(FileError::Io("upload without a file".into())),
                }
            }
        };
        let uploads = self.uploads.clone();
        let mut state = uploads.state();
        uploads.remove(&mut state, &self.vpath);
        while state.files.len() >= uploads.limits.files {
            if !uploads.evict_oldest(&mut state) {
                break;
            }
        }
        state.seq += 1;
        let seq = state.seq;
        state.order.insert(seq, self.vpath.clone());
        let stored = Stored {
            body,
            size: self.written,
            modified: SystemTime::now(),
            seq,
        };
        state.files.insert(self.vpath.clone(), stored);
        self.done = true;
        Ok(self.written)
    }
}

/// A transfer's bytes go in within the caps (checked at once), as
/// [`UploadWriter::write`] does — but a disk write is done on a blocking
/// thread, so a slow or full disk never holds up the network threads (and
/// other sessions).
impl crate::transfer::Put for UploadWriter {
    type Error = FileError;

    async fn put(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        let Sink::Disk(file) = &self.sink else {
            return self.write(bytes);
        };
        let (file, owned) = (file.clone(), bytes.to_vec());
        self.take_room(owned.len())?;
        let wrote = tokio::task::spawn_blocking(move || (&*file).write_all(&owned)).await;
        match wrote {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(FileError::Io(e.to_string())),
            Err(e) => Err(FileError::Io(e.to_string())),
        }
    }
}

impl Drop for UploadWriter {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.uploads.release(self.written);
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(up: &Arc<Uploads>, path: &[u8], bytes: &[u8]) -> Result<u64, FileError> {
        let mut w = up.begin(path, 0)?;
        w.write(bytes)?;
        w.commit()
    }

    #[test]
    fn the_oldest_upload_goes_when_space_runs_out() {
        let up = Arc::new(Uploads::in_memory(
            Limits {
                per_file: 6,
                total: 10,
                files: 100,
            },
            Writers::Demo,
        ));
        store(&up, b"/a", b"12345").unwrap();
        store(&up, b"/b", b"12345").unwrap();
        store(&up, b"/c", b"123").unwrap();
        assert!(up.stat(b"/a").is_none(), "the oldest went");
        assert_eq!(up.stat(b"/b").unwrap().size, 5);
        assert_eq!(
            store(&up, b"/big", b"1234567"),
            Err(FileError::TooBig { cap: 6 })
        );
        assert!(up.stat(b"/big").is_none(), "nothing kept of it");
        assert_eq!(up.names_in(b"/"), vec![b"b".to_vec(), b"c".to_vec()]);
        up.delete(b"/b").unwrap();
        assert_eq!(up.delete(b"/b"), Err(FileError::NotFound));
        assert!(!up.admits(Who::Anonymous) && up.admits(Who::Demo));
    }

    #[test]
    fn uploads_on_disk_live_in_a_private_folder_gone_at_the_end() {
        let up = Arc::new(Uploads::on_disk(Limits::total(100), Writers::Demo).unwrap());
        let dir = up.dir().unwrap().to_path_buf();
        store(&up, b"/x", b"abc").unwrap();
        let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "one file, under a number");
        assert!(names
            .pop()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("upload-"));
        // A second version replaces the first, and REST keeps a prefix.
        let mut w = up.begin(b"/x", 2).unwrap();
        w.write(b"Z").unwrap();
        w.commit().unwrap();
        let Some(Ok((Source::File(f), 3))) = up.open(b"/x") else {
            panic!("stored on disk")
        };
        // Past the end, or with nothing there: refused, nothing written.
        assert!(matches!(
            up.begin(b"/x", 4),
            Err(FileError::PastTheEnd { offset: 4, size: 3 })
        ));
        assert!(matches!(
            up.begin(b"/new", 1),
            Err(FileError::PastTheEnd { offset: 1, size: 0 })
        ));
        let mut got = String::new();
        (&*f).read_to_string(&mut got).unwrap();
        assert_eq!(got, "abZ");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        drop(up);
        assert!(!dir.exists());
    }
}
