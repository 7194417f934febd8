//! Style: how the two channels and the dial look, in colour and without.
//!
//! A projector washes colours out, a light terminal profile turns bright
//! yellow into nothing, and some terminals have no colour at all
//! (`NO_COLOR`). So every distinction on screen is made twice — once by
//! colour, once by shape — and the colours are the terminal's own **named
//! ANSI colours** (never fixed 256-colour indexes or RGB): they follow the
//! palette of whatever profile the terminal uses. Two palettes pick among
//! them for contrast (`--theme dark|light`):
//!
//! | what | glyph | dark (default) | light |
//! |---|---|---|---|
//! | control (commands, replies) | `─` thin line | cyan | blue |
//! | data (payload) | `═` double line | yellow | magenta |
//! | the dial (SYN) of any connection | `━` heavy line, bold, `●` at the initiator | bright cyan / bright yellow | blue / magenta, bold |
//! | a connection accepted | `┄` dotted | the channel's | the channel's |
//! | a failed dial | `━━━✗` | bright red, bold | red, bold |
//! | the middlebox | `┃` heavy wall | bright magenta, bold | the text colour, bold |
//! | lifelines, borders | `│` | the text colour | the text colour |
//!
//! Lifelines and borders use the terminal's own text colour (the one colour
//! sure to stand out on its background) rather than a grey. The light
//! palette has no bright colours: on a white background they fade.
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
/// The middlebox's line in the diagram (and its box's walls).
pub const WALL: &str = "┃";

/// Which colours: for a dark terminal background or a light one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    #[default]
    Dark,
    Light,
}

/// The palette, with colour or without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// `None`: no colour at all.
    palette: Option<Palette>,
}

impl Theme {
    /// The dark palette unless the `NO_COLOR` environment variable is set
    /// and not empty (<https://no-color.org>).
    pub fn from_env() -> Theme {
        Theme::for_terminal(Palette::Dark)
    }

    /// `palette`, unless `NO_COLOR` asks for none.
    pub fn for_terminal(palette: Palette) -> Theme {
        Theme::choose(palette, std::env::var_os("NO_COLOR"))
    }

    /// `palette`, or none when `no_color` (the variable's value) is set and
    /// not empty.
    fn choose(palette: Palette, no_color: Option<std::ffi::OsString>) -> Theme {
        let off = no_color.is_some_and(|v| !v.is_empty());
        Theme {
            palette: (!off).then_some(palette),
        }
    }

    /// The dark palette (the default).
    pub fn color() -> Theme {
        Theme::dark()
    }

    pub fn dark() -> Theme {
        Theme {
            palette: Some(Palette::Dark),
        }
    }

    pub fn light() -> Theme {
        Theme {
            palette: Some(Palette::Light),
        }
    }

    /// No colours at all: shapes and modifiers only.
    pub fn mono() -> Theme {
        Theme { palette: None }
    }

    /// The colour for a dark background or a light one; none in mono.
    fn fg(self, dark: Color, light: Color) -> Style {
        match self.palette {
            Some(Palette::Dark) => Style::new().fg(dark),
            Some(Palette::Light) => Style::new().fg(light),
            None => Style::new(),
        }
    }

    /// Commands, replies, data: the channel's colour.
    pub fn channel(self, ch: Channel) -> Style {
        match ch {
            Channel::Control => self.fg(Color::Cyan, Color::Blue),
            Channel::Data => self.fg(Color::Yellow, Color::Magenta),
        }
    }

    /// The dial of a connection: the boldest thing on screen.
    pub fn syn(self, ch: Channel) -> Style {
        let style = match ch {
            Channel::Control => self.fg(Color::LightCyan, Color::Blue),
            Channel::Data => self.fg(Color::LightYellow, Color::Magenta),
        };
        style.add_modifier(Modifier::BOLD)
    }

    pub fn fail(self) -> Style {
        self.fg(Color::LightRed, Color::Red)
            .add_modifier(Modifier::BOLD)
    }

    /// The label of the current event.
    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Lifelines, borders, secondary text: the terminal's own text colour,
    /// which stands out on its background whatever the profile.
    pub fn dim(self) -> Style {
        self.fg(Color::Reset, Color::Reset)
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
        self.fg(Color::LightGreen, Color::Blue)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }

    /// The middlebox.
    pub fn middlebox(self) -> Style {
        self.fg(Color::LightMagenta, Color::Reset)
            .add_modifier(Modifier::BOLD)
    }
}

/// The line glyph of a channel.
pub fn line(ch: Channel) -> &'static str {
    match ch {
        Channel::Control => CONTROL_LINE,
        Channel::Data => DATA_LINE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_over_either_palette_unless_empty() {
        for palette in [Palette::Dark, Palette::Light] {
            assert_eq!(Theme::choose(palette, Some("1".into())), Theme::mono());
            assert_eq!(
                Theme::choose(palette, Some("".into())).palette,
                Some(palette)
            );
            assert_eq!(Theme::choose(palette, None).palette, Some(palette));
        }
        let mono = Theme::mono();
        assert_eq!(mono.channel(Channel::Control).fg, None);
        assert_eq!(mono.fail().fg, None);
    }
}
