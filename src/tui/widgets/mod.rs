//! The widgets: the TUI's drawing room. Each draws plain data into a
//! ratatui `Buffer` (`impl Widget`, or a render function) — events, words,
//! host states, theme — and nothing else: no keys, no sources, no stepping,
//! no labs, no app.
//!
//! **The rule:** the app (`tui::app`) may use any widget; a widget
//! never uses the app, nor anything else in `tui`: only this room, the
//! crate's plain data, and [`crate::text`] (fitting words into cells, as
//! the narration does). What both rooms share of drawing — the theme
//! (`style`), the layout maths (`layout`) — lives here.
//!
//! - `style`: how the channels and the dial look, in colour or without;
//!   `layout`: where each panel goes, for any terminal from 80×24 up.
//! - `pane`: one pane — its title, the `hosts` (the boxes and their
//!   ports, the middlebox between), the `sequence` diagram, and the
//!   narration (`narration_view`: the words, laid out so that nothing is
//!   lost), or the `finale` (its summary) once the lesson is over.
//! - `presenter`: one step, big, for a projector.
//! - `bars`: the title bar and the key bar; `sessions`: the session list.
//! - Over the panes: `help` (the keys), `legend` (the marks), `reader`
//!   (the whole narration); `cards` (the classroom's scene cards,
//!   questions, reveals and closing words).

pub(crate) mod bars;
pub(crate) mod cards;
pub(crate) mod finale;
pub mod help;
pub(crate) mod hosts;
pub mod layout;
pub(crate) mod legend;
pub mod narration_view;
pub(crate) mod pane;
pub(crate) mod presenter;
pub(crate) mod reader;
pub mod sequence;
pub(crate) mod sessions;
pub mod style;
