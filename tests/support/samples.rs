//! Where the shared sample captures are: `../shared/captures` beside the
//! checkout (CI, and the main checkout), or two levels up from a worktree
//! under `wt/`.

use std::path::PathBuf;

pub fn captures_dir() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ["../shared/captures", "../../shared/captures"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.join("MANIFEST.md").is_file())
}
