//! The lesson file: a guided class as data, scene by scene.
//!
//! A teacher plans a class as a list of **scenes**. Each scene has a title,
//! notes to read out before it runs, and one or more **runs**: real lab
//! runs (our client and server on loopback), each under the middlebox the
//! scene asks for. A scene's own fields are the defaults of its runs, so a
//! one-run scene needs no `[[scene.run]]` at all:
//!
//! ```toml
//! title = "Active and passive FTP"
//!
//! [[scene]]
//! title = "Client firewall: active breaks, passive works"
//! mode = "compare"          # active | passive | compare (both, side by side)
//! firewall = "client"       # none | client | server | stateful
//! notes = "Read this out before the run."
//! takeaway = "A client firewall drops the server's dial."
//!
//! [[scene]]
//! title = "NAT"
//! nat = "client"            # none | client | server
//! # forward_data = true     # the server's NAT forwards the data ports too
//! # trust_pasv = true       # the client dials whatever address 227 names
//! # pasv_address = true     # the NATed server announces its public address
//! # tls = true              # explicit FTPS: AUTH TLS, PBSZ 0, PROT P
//! # ccc = true              # with tls: CCC after login (clear control again)
//! [[scene.run]]
//! caption = "no helper"
//! [[scene.run]]
//! caption = "with the helper's rewrite"
//! firewall = "stateful"
//! ```
//!
//! The default lesson (`assets/lessons/default.toml`) is compiled in;
//! `ftpviz lesson --file my.toml` loads another. A file that does not parse,
//! names an unknown field or value, or asks for something the lab cannot do
//! (the bounce script in passive mode) is refused with its line and field,
//! and nothing starts.

use crate::lab::ports::{second_server_port, DEFAULT_CONTROL_PORT};
use crate::lab::{IfTaken, LabConfig, Lesson as Script, Mode};
use crate::middlebox::{Firewall, Nat};
use serde::Deserialize;
use std::ops::Range;
use std::path::Path;

/// The largest lesson file read: a lesson is a page of text, and a file
/// much larger is a mistake (a capture named by accident).
pub const MAX_LESSON_BYTES: u64 = 1024 * 1024;

/// The lesson compiled into the binary.
pub const DEFAULT_LESSON: &str = include_str!("../../assets/lessons/default.toml");

/// A whole class: scenes in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub title: String,
    pub scenes: Vec<Scene>,
}

/// One scene: what the teacher says, and the runs that show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub title: String,
    /// Read out before the run (presenter notes).
    pub notes: String,
    /// The one-line rule the scene teaches, shown in its summary.
    pub takeaway: Option<String>,
    /// Ask "will this transfer work?" before each run.
    pub predict: bool,
    pub runs: Vec<Run>,
}

impl Scene {
    /// The title to show while the class still predicts: a title says
    /// its outcome after ':' ("A client firewall: active breaks, passive
    /// works"), so only the part before it; a title with no ':' whole.
    pub fn title_before_prediction(&self) -> &str {
        before_outcome(&self.title)
    }
}

/// A title or caption without the outcome it names after ':'.
pub fn before_outcome(s: &str) -> &str {
    s.split_once(':').map_or(s, |(before, _)| before.trim_end())
}

/// One lab run of a scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// What tells this run from the scene's others ("with the helper").
    pub caption: Option<String>,
    /// Both modes side by side, or one.
    pub view: View,
    pub extended: bool,
    pub ipv6: bool,
    pub firewall: Firewall,
    pub nat: Nat,
    /// The server's NAT forwards the data ports too (`--forward-data`).
    pub forward_data: bool,
    /// The client trusts the 227's address (`--trust-pasv`).
    pub trust_pasv: bool,
    /// The NATed server announces its public address (`--pasv-address`).
    pub pasv_address: bool,
    /// Explicit FTPS (`--tls`).
    pub tls: bool,
    /// With `tls`: `CCC` after login (`--ccc`).
    pub ccc: bool,
    pub script: Script,
}

/// Which modes a run shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    Active,
    Passive,
    /// Active and passive side by side, stepping together.
    Compare,
}

impl Run {
    /// The lab configurations behind this run: one per pane, side by side
    /// (a compare run's passive server on the second server's port).
    /// `port` `None` prefers 2121 and takes any free port if it is taken.
    pub fn configs(&self, port: Option<u16>) -> Vec<LabConfig> {
        let (first, if_taken) = match port {
            Some(p) => (p, IfTaken::Fail),
            None => (DEFAULT_CONTROL_PORT, IfTaken::AnyFree),
        };
        let modes = match self.view {
            View::Active => vec![(Mode::Active, first)],
            View::Passive => vec![(Mode::Passive, first)],
            View::Compare => vec![
                (Mode::Active, first),
                (Mode::Passive, second_server_port(first)),
            ],
        };
        modes
            .into_iter()
            .map(|(mode, control_port)| LabConfig {
                mode,
                extended: self.extended,
                ipv6: self.ipv6,
                firewall: self.firewall,
                nat: self.nat,
                forward_data: self.forward_data,
                trust_pasv: self.trust_pasv,
                pasv_address: self.pasv_address,
                lesson: self.script,
                server: None,
                control_port,
                if_taken,
                tls: self.tls,
                ccc: self.ccc,
            })
            .collect()
    }

    /// True when something stands between the peers.
    pub fn has_middlebox(&self) -> bool {
        self.firewall != Firewall::None || self.nat != Nat::None
    }
}

/// A lesson file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    // The I/O error is said in this one line, not again as a cause.
    #[error("cannot read the lesson file {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error(
        "the lesson file {path} is larger than a lesson file may be ({MAX_LESSON_BYTES} bytes, 1 MiB)"
    )]
    TooLarge { path: String },
    #[error("{origin}:{line}: {}{message}", field.as_ref().map(|f| format!("`{f}`: ")).unwrap_or_default())]
    Invalid {
        /// The file's name (or "the default lesson").
        origin: String,
        /// 1-based line of the offending text.
        line: usize,
        /// The key on that line, when there is one.
        field: Option<String>,
        message: String,
    },
}

impl Lesson {
    /// The default lesson, compiled in.
    pub fn builtin() -> Lesson {
        // The default lesson is tested to parse (tests below); should an
        // edit break it, say so rather than panic.
        Lesson::parse(DEFAULT_LESSON, "assets/lessons/default.toml").unwrap_or_else(|e| Lesson {
            title: "the built-in lesson is broken".into(),
            scenes: vec![Scene {
                title: "the built-in lesson is broken".into(),
                notes: e.to_string(),
                takeaway: None,
                predict: false,
                runs: vec![Run::default()],
            }],
        })
    }

    /// Loads a lesson from a file.
    pub fn load(path: &Path) -> Result<Lesson, LessonError> {
        use std::io::Read;
        let name = path.display().to_string();
        let read = |error| LessonError::Read {
            path: name.clone(),
            error,
        };
        let file = std::fs::File::open(path).map_err(read)?;
        let mut bytes = Vec::new();
        file.take(MAX_LESSON_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read)?;
        if bytes.len() as u64 > MAX_LESSON_BYTES {
            return Err(LessonError::TooLarge { path: name });
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let at = e.valid_up_to();
            let byte = bytes.get(at).copied().unwrap_or(0);
            let (line, _) = locate(&String::from_utf8_lossy(&bytes[..at]), at);
            LessonError::Invalid {
                origin: name.clone(),
                line,
                field: None,
                message: format!("byte 0x{byte:02X} is not UTF-8 text; save the file as UTF-8"),
            }
        })?;
        Lesson::parse(text, &name)
    }

    /// Parses a lesson's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Lesson, LessonError> {
        let invalid = |span: Option<Range<usize>>, message: String| {
            let (line, field) = locate(text, span.map(|s| s.start).unwrap_or(0));
            LessonError::Invalid {
                origin: origin.to_string(),
                line,
                field,
                message,
            }
        };
        let raw: RawLesson = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            match single_table(text) {
                // `[scene]` for `[[scene]]`: say which, and the fix.
                Some((at, table)) if message.contains("expected a sequence") => {
                    let mut err = invalid(Some(at..at), String::new());
                    if let LessonError::Invalid { field, message, .. } = &mut err {
                        *field = Some(table.to_string());
                        *message = format!(
                            "[{table}] is a single table; write [[{table}]] (two brackets) \
                             for each one"
                        );
                    }
                    err
                }
                _ => invalid(e.span(), message),
            }
        })?;
        if raw.scene.is_empty() {
            // Said of the file, not of whatever its first line is.
            let mut err = invalid(None, "a lesson needs at least one [[scene]]".into());
            if let LessonError::Invalid { field, .. } = &mut err {
                *field = None;
            }
            return Err(err);
        }
        let Some(title) = raw.title else {
            return Err(invalid(
                None,
                "missing field `title`: a lesson file starts with title = \"…\"".into(),
            ));
        };
        let mut scenes = Vec::with_capacity(raw.scene.len());
        for scene in raw.scene {
            let defaults = scene.defaults();
            let raws: Vec<&RawSettings> = match &scene.run {
                None => vec![&defaults],
                Some(runs) if runs.is_empty() => {
                    // `run = []` is a scene with nothing to show.
                    let at = empty_runs(text);
                    return Err(invalid(
                        at.map(|a| a..a),
                        "a scene's run list is empty: leave `run` out for one run with the \
                         scene's settings, or add [[scene.run]] tables"
                            .into(),
                    ));
                }
                Some(runs) => runs.iter().collect(),
            };
            let runs: Vec<Run> = raws.iter().map(|r| defaults.run_over(r)).collect();
            for (run, raw) in runs.iter().zip(&raws) {
                if run.script == Script::Bounce && run.view != View::Active {
                    let span = raw
                        .script
                        .as_ref()
                        .or(defaults.script.as_ref())
                        .map(|s| s.span());
                    return Err(invalid(
                        span,
                        "the bounce script sends PORT, so it needs mode = \"active\"".into(),
                    ));
                }
                if run.ccc && !run.tls {
                    return Err(invalid(
                        None,
                        "ccc = true clears a TLS control connection, so it needs tls = true".into(),
                    ));
                }
            }
            let predict = scene
                .predict
                .unwrap_or_else(|| runs.iter().any(Run::has_middlebox));
            scenes.push(Scene {
                title: scene.title,
                notes: tidy(&scene.notes),
                takeaway: scene.takeaway.map(|t| tidy(&t)),
                predict,
                runs,
            });
        }
        Ok(Lesson { title, scenes })
    }
}

impl Default for Run {
    fn default() -> Run {
        RawSettings::default().run_over(&RawSettings::default())
    }
}

/// The line (1-based) of byte `at`, and the key written on that line.
fn locate(text: &str, at: usize) -> (usize, Option<String>) {
    let at = at.min(text.len());
    let line = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let this = text[start..].lines().next().unwrap_or("");
    let field = this
        .split_once('=')
        .map(|(key, _)| key.trim().to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('#') && !k.starts_with('['));
    (line, field)
}

/// Where `[scene]` or `[scene.run]` is written with one pair of brackets:
/// its byte offset and its name.
fn single_table(text: &str) -> Option<(usize, &'static str)> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        for table in ["scene", "scene.run"] {
            if t == format!("[{table}]") {
                return Some((at, table));
            }
        }
        at += line.len();
    }
    None
}

/// The byte offset of a `run = [...]` line, for the error that points at it.
fn empty_runs(text: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.split_once('=').is_some_and(|(k, _)| k.trim() == "run") {
            return Some(at);
        }
        at += line.len();
    }
    None
}

/// Notes written as a TOML multi-line string: one paragraph per blank-line
/// separated block, each block's lines joined, so the screen wraps them.
fn tidy(text: &str) -> String {
    text.split("\n\n")
        .map(|para| para.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    title: Option<String>,
    #[serde(default)]
    scene: Vec<RawScene>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScene {
    title: String,
    #[serde(default)]
    notes: String,
    takeaway: Option<String>,
    predict: Option<bool>,
    // The scene's defaults for its runs (serde's `flatten` would lose the
    // spans that errors point at, so they are spelt out).
    mode: Option<View>,
    extended: Option<bool>,
    ipv6: Option<bool>,
    firewall: Option<RawFirewall>,
    nat: Option<RawNat>,
    forward_data: Option<bool>,
    trust_pasv: Option<bool>,
    pasv_address: Option<bool>,
    tls: Option<bool>,
    ccc: Option<bool>,
    script: Option<toml::Spanned<RawScript>>,
    run: Option<Vec<RawSettings>>,
}

impl RawScene {
    /// The settings every run of this scene starts from.
    fn defaults(&self) -> RawSettings {
        RawSettings {
            caption: None,
            mode: self.mode,
            extended: self.extended,
            ipv6: self.ipv6,
            firewall: self.firewall,
            nat: self.nat,
            forward_data: self.forward_data,
            trust_pasv: self.trust_pasv,
            pasv_address: self.pasv_address,
            tls: self.tls,
            ccc: self.ccc,
            script: self.script.clone(),
        }
    }
}

/// The settings a scene gives its runs, and a run may override.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    caption: Option<String>,
    mode: Option<View>,
    extended: Option<bool>,
    ipv6: Option<bool>,
    firewall: Option<RawFirewall>,
    nat: Option<RawNat>,
    forward_data: Option<bool>,
    trust_pasv: Option<bool>,
    pasv_address: Option<bool>,
    tls: Option<bool>,
    ccc: Option<bool>,
    script: Option<toml::Spanned<RawScript>>,
}

impl RawSettings {
    /// A run: `over`'s settings where it has them, these otherwise.
    fn run_over(&self, over: &RawSettings) -> Run {
        Run {
            caption: over.caption.clone(),
            view: over.mode.or(self.mode).unwrap_or(View::Compare),
            extended: over.extended.or(self.extended).unwrap_or(false),
            ipv6: over.ipv6.or(self.ipv6).unwrap_or(false),
            firewall: over.firewall.or(self.firewall).unwrap_or_default().into(),
            nat: over.nat.or(self.nat).unwrap_or_default().into(),
            forward_data: over.forward_data.or(self.forward_data).unwrap_or(false),
            trust_pasv: over.trust_pasv.or(self.trust_pasv).unwrap_or(false),
            pasv_address: over.pasv_address.or(self.pasv_address).unwrap_or(false),
            tls: over.tls.or(self.tls).unwrap_or(false),
            ccc: over.ccc.or(self.ccc).unwrap_or(false),
            script: over
                .script
                .as_ref()
                .or(self.script.as_ref())
                .map(|s| *s.get_ref())
                .unwrap_or_default()
                .into(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawFirewall {
    #[default]
    None,
    Client,
    Server,
    Stateful,
}

impl From<RawFirewall> for Firewall {
    fn from(f: RawFirewall) -> Firewall {
        match f {
            RawFirewall::None => Firewall::None,
            RawFirewall::Client => Firewall::Client,
            RawFirewall::Server => Firewall::Server,
            RawFirewall::Stateful => Firewall::Stateful,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawNat {
    #[default]
    None,
    Client,
    Server,
}

impl From<RawNat> for Nat {
    fn from(n: RawNat) -> Nat {
        match n {
            RawNat::None => Nat::None,
            RawNat::Client => Nat::Client,
            RawNat::Server => Nat::Server,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawScript {
    #[default]
    Transfer,
    Bounce,
}

impl From<RawScript> for Script {
    fn from(s: RawScript) -> Script {
        match s {
            RawScript::Transfer => Script::Transfer,
            RawScript::Bounce => Script::Bounce,
        }
    }
}
