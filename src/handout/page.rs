//! The page: HTML around the diagram's rows — the narration beside each
//! row, each run's summary and rule, a lesson's scenes, the worksheet and
//! its answers — with the style sheet inside it, for the screen and for A4.

use super::escape::esc;
use super::svg::{self, Reach};
use super::{Handout, Part, Run};
use crate::account::Account;
use crate::classroom::worksheet::Worksheet;
use crate::middlebox::{Between, Firewall, Middlebox, Nat};
use crate::narration::summary::{dials_of, summary_of, SessionKind};
use crate::narration::{narrate_at, Context};
use crate::trace::{Event, Kind};
use std::fmt::Write as _;

/// Prose as HTML: escaped, and each pair of backticks (`RETR x`, as the
/// narration quotes a line) a `<code>`; a lone backtick stays itself.
fn prose(text: &str) -> String {
    let escaped = esc(text);
    let pieces: Vec<&str> = escaped.split('`').collect();
    if pieces.len().is_multiple_of(2) {
        // An odd number of backticks: no pairs to trust.
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, piece) in pieces.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{piece}</code>");
        } else {
            out.push_str(piece);
        }
    }
    out
}

/// Lines of text as HTML, each escaped, with `<br>` between them.
fn esc_lines(text: &str) -> String {
    text.lines().map(esc).collect::<Vec<_>>().join("<br>")
}

/// What the worksheet said during the page's runs.
#[derive(Default)]
struct Sheet {
    sheet: Option<Worksheet>,
    /// Each question (or why an announcement raises none): the row it
    /// follows, and its lines.
    asked: Vec<(usize, Vec<String>)>,
    answers: Vec<String>,
}

/// The page's state while it is written: rows are numbered across it.
struct Writer {
    html: String,
    row: usize,
    sheet: Sheet,
}

pub fn render(h: &Handout) -> String {
    let mut w = Writer {
        html: String::with_capacity(64 * 1024),
        row: 0,
        sheet: Sheet {
            sheet: Some(Worksheet::new(true)),
            ..Sheet::default()
        },
    };
    w.head(h);
    let scenes = h.parts.iter().filter(|p| p.heading.is_some()).count();
    if scenes > 1 {
        w.contents(h);
    }
    for (n, part) in (1..).zip(&h.parts) {
        w.part(n, scenes, part);
    }
    w.worksheet();
    w.html.push_str("</main>\n</body>\n</html>\n");
    w.html
}

impl Writer {
    fn head(&mut self, h: &Handout) {
        let title = esc(&h.title);
        let _ = write!(
            self.html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'\">\n<meta name=\"generator\" content=\"ftpviz {}\">\n\
             <title>{title}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n\
             <header class=\"top\"><h1>{title}</h1>",
            env!("CARGO_PKG_VERSION"),
            STYLE
        );
        if let Some(sub) = &h.subtitle {
            let _ = write!(self.html, "<p class=\"sub\">{}</p>", esc(sub));
        }
        self.html.push_str(LEGEND);
        self.html.push_str("</header>\n");
    }

    fn contents(&mut self, h: &Handout) {
        self.html
            .push_str("<nav class=\"toc\" aria-label=\"Scenes\"><h2>Scenes</h2><ol>");
        for (n, part) in (1..).zip(&h.parts) {
            if let Some(heading) = &part.heading {
                let _ = write!(
                    self.html,
                    "<li><a href=\"#scene-{n}\">{}</a></li>",
                    esc(heading)
                );
            }
        }
        self.html.push_str(
            "<li><a href=\"#worksheet\">Worksheet</a></li>\
             <li><a href=\"#answers\">Answers</a></li></ol></nav>\n",
        );
    }

    fn part(&mut self, n: usize, scenes: usize, part: &Part) {
        let _ = write!(self.html, "<section class=\"part\" id=\"scene-{n}\">");
        if let Some(heading) = &part.heading {
            let _ = write!(
                self.html,
                "<h2><span class=\"num\">Scene {n}/{scenes}</span> {}</h2>",
                esc(heading)
            );
        }
        for para in &part.notes {
            let _ = write!(self.html, "<p class=\"notes\">{}</p>", prose(para));
        }
        for (r, run) in (1..).zip(&part.runs) {
            self.run(r, part.runs.len(), run);
        }
        if let Some(t) = &part.takeaway {
            let _ = write!(
                self.html,
                "<aside class=\"takeaway\"><strong>Takeaway.</strong> {}</aside>",
                prose(t)
            );
        }
        self.html.push_str("</section>\n");
    }

    fn run(&mut self, r: usize, runs: usize, run: &Run) {
        self.html.push_str("<section class=\"run\">");
        match (&run.caption, runs) {
            (Some(c), _) => {
                let _ = write!(self.html, "<h3>Run {r}: {}</h3>", esc(c));
            }
            (None, 2..) => {
                let _ = write!(self.html, "<h3>Run {r}</h3>");
            }
            _ => {}
        }
        let between = run.between.filter(|b| middlebox_name(*b).is_some());
        if let Some(b) = between {
            self.middlebox(b);
        }
        let account = Account::of(&run.events, true);
        let ctx = Context {
            events: &run.events,
            account: &account,
            between: run.between,
            ours: run.ours,
        };
        // Each event's row number, for the worksheet's "after row …".
        let mut rows = vec![0; run.events.len()];
        for story in &account.sessions {
            self.session(&ctx, story.session, between, &mut rows);
        }
        self.summary(&account);
        self.html.push_str("</section>\n");
        self.questions(&run.events, &rows);
    }

    fn middlebox(&mut self, b: Between) {
        let mut mb = Middlebox::new(b.firewall, b.nat).forwarding_data(b.forward_data);
        mb.pasv_address = b.pasv_address;
        self.html
            .push_str("<div class=\"between\"><strong>Between the peers (simulated):</strong><ul>");
        for rule in mb.rule_text() {
            let _ = write!(self.html, "<li>{}</li>", esc(&rule));
        }
        self.html.push_str("</ul></div>");
    }

    /// One session's ladder: a table, a row an event.
    fn session(
        &mut self,
        ctx: &Context,
        session: u32,
        between: Option<Between>,
        rows: &mut [usize],
    ) {
        let Some(story) = ctx.account.session(session) else {
            return;
        };
        let kind = SessionKind::count(&dials_of(ctx.account, story));
        let (client, server) = match story.control {
            Some(c) => (c.client.ip().to_string(), c.server.to_string()),
            None => (String::new(), String::new()),
        };
        let _ = write!(
            self.html,
            "<table class=\"ladder\"><caption>Session {session} · {} · client {} · server {}</caption>\
             <thead><tr><th scope=\"col\" class=\"n\">#<br><span class=\"t\">s</span></th>\
             <th scope=\"col\" class=\"lane\">{}</th><th scope=\"col\" class=\"words\">What it means</th></tr></thead><tbody>",
            esc(&kind),
            esc(or_unknown(&client)),
            esc(or_unknown(&server)),
            svg::header(&client, &server, between.and_then(middlebox_name)),
        );
        let wall = between.is_some();
        for (i, e) in ctx.events.iter().enumerate() {
            if e.session != session {
                continue;
            }
            self.row += 1;
            rows[i] = self.row;
            let reach = reach(ctx.account, e, wall);
            self.event_row(ctx, i, e, reach, wall);
        }
        self.html.push_str("</tbody></table>\n");
    }

    fn event_row(&mut self, ctx: &Context, i: usize, e: &Event, reach: Reach, wall: bool) {
        let n = narrate_at(ctx, i);
        let class = match (&e.kind, reach) {
            (Kind::Fail { .. }, _) => "failed",
            (Kind::Connect { .. }, Reach::Across) => "dial",
            (Kind::Connect { .. }, _) => "dial failed",
            _ => "",
        };
        let words = svg::describe(e, reach);
        let _ = write!(
            self.html,
            "<tr id=\"r{row}\" class=\"{class}\"><th scope=\"row\" class=\"n\">{row}<br>\
             <span class=\"t\">{t:.3}</span></th><td class=\"lane\">{svg}</td>\
             <td class=\"words\"><p class=\"hl\">{hl}</p>",
            row = self.row,
            t = e.t,
            svg = svg::row(e, reach, wall, &words),
            hl = prose(&n.headline),
        );
        if let Some(wire) = &n.wire {
            let _ = write!(
                self.html,
                "<p class=\"wire\"><code>{}</code></p>",
                esc_lines(wire)
            );
        }
        if !n.body.is_empty() {
            let _ = write!(self.html, "<p class=\"body\">{}</p>", prose(&n.body));
        }
        self.html.push_str("</td></tr>\n");
    }

    fn summary(&mut self, account: &Account) {
        let s = summary_of(account);
        let _ = write!(
            self.html,
            "<div class=\"summary\"><p class=\"rule\"><strong>The rule:</strong> {}</p><p>{}</p><ul>",
            prose(&s.rule()),
            prose(&s.headline())
        );
        for d in &s.dials {
            let _ = write!(
                self.html,
                "<li><span class=\"dh\">{}</span><br><span class=\"path\">{}</span></li>",
                esc(&d.headline(s.sessions)),
                esc(&d.path())
            );
        }
        self.html.push_str("</ul></div>");
    }

    /// The run's events through the worksheet: the questions it asks, and
    /// at the end of the run its answers.
    fn questions(&mut self, events: &[Event], rows: &[usize]) {
        let Some(sheet) = self.sheet.sheet.as_mut() else {
            return;
        };
        for (i, e) in events.iter().enumerate() {
            let lines = sheet.event(e);
            if !lines.is_empty() {
                self.sheet.asked.push((rows[i], lines));
            }
        }
        self.sheet.answers.extend(sheet.end());
    }

    fn worksheet(&mut self) {
        let asked = std::mem::take(&mut self.sheet.asked);
        let questions = asked.iter().filter(|(_, l)| is_question(l)).count();
        self.html
            .push_str("<section class=\"worksheet\" id=\"worksheet\"><h2>Worksheet</h2>");
        if questions == 0 {
            self.html.push_str(
                "<p>This run raises no question: no PORT, EPRT, 227 or 229 with a port in it.</p>",
            );
        } else {
            self.html.push_str(
                "<p>Each question follows a row of the diagram: cover the rows after it, \
                 then say who dials the data connection (client, server or nobody), from \
                 which port, and to which port. The ports to choose from are this run's \
                 own.</p><ol class=\"qs\">",
            );
        }
        for (row, lines) in &asked {
            self.question(*row, lines);
        }
        if questions > 0 {
            self.html.push_str("</ol>");
        }
        self.html.push_str("</section>\n");
        self.answers();
    }

    fn question(&mut self, row: usize, lines: &[String]) {
        let Some(first) = lines.first() else {
            return;
        };
        if !is_question(lines) {
            let why = first.trim_start_matches("Q- ");
            let _ = write!(
                self.html,
                "<li class=\"noq\"><a href=\"#r{row}\">row {row}</a>: {}</li>",
                prose(why)
            );
            return;
        }
        let (num, what) = first.split_once(". ").unwrap_or(("", first));
        let _ = write!(
            self.html,
            "<li class=\"q\" value=\"{}\"><p><strong>{}</strong> ({}) {}</p>",
            num.trim_start_matches('Q'),
            esc(num),
            format_args!("<a href=\"#r{row}\">row {row}</a>"),
            prose(what)
        );
        let choices: Vec<&str> = lines
            .iter()
            .filter_map(|l| {
                let l = l.trim_start();
                let (n, rest) = l.split_once(") ")?;
                n.parse::<u8>().ok().map(|_| rest)
            })
            .collect();
        self.html.push_str(
            "<p class=\"fill\">dialler: ________ &nbsp; from port: ________ &nbsp; to port: ________</p><ol class=\"choices\">",
        );
        for c in choices {
            let _ = write!(self.html, "<li>{}</li>", esc(c));
        }
        self.html.push_str("</ol></li>");
    }

    fn answers(&mut self) {
        let answers = std::mem::take(&mut self.sheet.answers);
        if answers.is_empty() {
            return;
        }
        self.html.push_str(
            "<section class=\"answers\" id=\"answers\"><h2>Answers</h2><table class=\"key\">\
             <thead><tr><th scope=\"col\">Q</th><th scope=\"col\">dialler</th><th scope=\"col\">from</th>\
             <th scope=\"col\">to</th><th scope=\"col\">evidence</th><th scope=\"col\">why</th></tr></thead><tbody>",
        );
        for line in &answers {
            let (fields, words) = line.split_once(" — ").unwrap_or((line, ""));
            let mut parts = fields.split_whitespace();
            let q = parts.next().unwrap_or_default();
            let value = |key: &str| {
                fields
                    .split_whitespace()
                    .find_map(|f| f.strip_prefix(key))
                    .unwrap_or("?")
                    .to_string()
            };
            let _ = write!(
                self.html,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(q),
                esc(&value("dialler=")),
                esc(&value("from=")),
                esc(&value("to=")),
                esc(&value("evidence=")),
                prose(words)
            );
        }
        self.html.push_str("</tbody></table></section>\n");
    }
}

fn is_question(lines: &[String]) -> bool {
    lines.first().is_some_and(|l| !l.starts_with("Q-"))
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "(not in the trace)"
    } else {
        s
    }
}

/// How far the row's arrow goes: a data dial's by the account's end of
/// its connection; every other row across.
fn reach(account: &Account, e: &Event, wall: bool) -> Reach {
    if !matches!(e.kind, Kind::Connect { .. }) || e.conn == 0 {
        return Reach::Across;
    }
    let end = account
        .session(e.session)
        .and_then(|s| s.data_conn(e.conn))
        .map(|d| d.end());
    Reach::of(end, wall)
}

/// The middlebox in a few words, for the box at the top of its wall;
/// `None` when nothing stands between the peers.
fn middlebox_name(b: Between) -> Option<&'static str> {
    Some(match (b.firewall, b.nat) {
        (Firewall::None, Nat::None) => return None,
        (Firewall::Client, Nat::None) => "client firewall",
        (Firewall::Server, Nat::None) => "server firewall",
        (Firewall::Stateful, Nat::None) => "stateful + helper",
        (Firewall::None, Nat::Client) => "client NAT",
        (Firewall::None, Nat::Server) => "server NAT",
        (Firewall::Stateful, _) => "NAT + helper",
        _ => "firewall + NAT",
    })
}

/// The marks of the diagram, in words.
const LEGEND: &str = "<ul class=\"legend\" aria-label=\"How to read the diagram\">\
<li><span class=\"k kctl\">──▶</span> control connection (commands, replies)</li>\
<li><span class=\"k kdat\">══▶</span> data connection (the bytes of a transfer)</li>\
<li><span class=\"k ksyn\">●━━▶</span> a dial (SYN), from the side at <b>●</b>, ports at both ends</li>\
<li><span class=\"k kwall\">┃</span> the middlebox (firewall, NAT) between the peers</li>\
<li><span class=\"k kx\">✗</span> a dial that never became a connection</li></ul>";

const STYLE: &str = include_str!("handout.css");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_no_control_character() {
        let hostile = "<script>a('x')</script> & \"q\" \u{0}\u{7}\u{1b}[0m\u{85}\u{fffe}\u{fdd0}";
        assert_eq!(
            esc(hostile),
            "&lt;script&gt;a(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; ···[0m···"
        );
    }

    #[test]
    fn backtick_pairs_become_code_and_a_lone_one_stays() {
        assert_eq!(
            prose("`RETR <x>` got 226"),
            "<code>RETR &lt;x&gt;</code> got 226"
        );
        assert_eq!(prose("a ` b"), "a ` b");
        assert_eq!(prose("`a` and `b`"), "<code>a</code> and <code>b</code>");
    }
}
