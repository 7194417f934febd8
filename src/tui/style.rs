//! Style: how the two channels and the dial look, in colour and without.
//!
//! A projector washes colours out and some terminals have none (`NO_COLOR`),
//! so every distinction on screen is made twice — once by colour, once by
//! shape:
//!
//! | what | glyph | colour |
//! |---|---|---|
//! | control (commands, replies) | `─` thin line | cyan |
//! | data (payload) | `═` double line | yellow |
//! | the dial (SYN) of any connection | `━` heavy line, bold, `●` at the initiator | bright |
//! | a connection accepted | `┄` dotted | the channel's |
//! | a failed dial | `━━━✗` | red |
//!
//! With colour off ([`Theme::mono`]), the styles keep only their modifiers
//! (bold, reversed), and the glyphs alone carry the meaning.

use crate::trace::Channel;
use ratatui::style::{Color, Modifier, Style};

/// Line glyph of a command or reply.
pub const CONTROL_LINE: &str = "─";
/// Line glyph of a data transfer.
pub const DATA_LINE: &str = "═";
/// Line glyph of a dial (SYN).
pub const SYN_LINE: &str = "━";
/// Line glyph of a completed handshake.
pub const ACCEPT_LINE: &str = "┄";
/// The initiator's end of a dial.
pub const INITIATOR: &str = "●";
/// Where a failed dial died.
pub const FAILED: &str = "✗";
/// Arrowheads.
pub const HEAD_RIGHT: &str = "▶";
pub const HEAD_LEFT: &str = "◀";
/// A lifeline.
pub const LIFELINE: &str = "│";

/// The palette, with colour or without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colour unless the `NO_COLOR` environment variable is set and not
    /// empty (<https://no-color.org>).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    pub fn color() -> Theme {
        Theme { color: true }
    }

    /// No colours at all: shapes and modifiers only.
    pub fn mono() -> Theme {
        Theme { color: false }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Commands, replies, data: the channel's colour.
    pub fn channel(self, ch: Channel) -> Style {
        match ch {
            Channel::Control => self.fg(Color::Cyan),
            Channel::Data => self.fg(Color::Yellow),
        }
    }

    /// The dial of a connection: the boldest thing on screen.
    pub fn syn(self, ch: Channel) -> Style {
        let c = match ch {
            Channel::Control => Color::LightCyan,
            Channel::Data => Color::LightYellow,
        };
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    pub fn fail(self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    /// The label of the current event.
    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Lifelines, borders, secondary text.
    pub fn dim(self) -> Style {
        self.fg(Color::Gray)
    }

    /// Titles and headlines.
    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The narration's first line.
    pub fn headline(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// The focused pane's title.
    pub fn focused(self) -> Style {
        self.fg(Color::LightGreen)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }

    /// The middlebox.
    pub fn middlebox(self) -> Style {
        self.fg(Color::LightMagenta).add_modifier(Modifier::BOLD)
    }
}

/// The line glyph of a channel.
pub fn line(ch: Channel) -> &'static str {
    match ch {
        Channel::Control => CONTROL_LINE,
        Channel::Data => DATA_LINE,
    }
}
