//! The middlebox's label: the rule in words, in as many words as fit.
//!
//! The box between the hosts has to say what it does — "drops every
//! connection into the client that the client did not start" is the whole
//! lesson of the client firewall. The words come from the middlebox itself
//! ([`Middlebox::rule_text`]), so the screen says exactly what the lab
//! applies. At 80×24 there is room for a dozen letters a line, so the label
//! also carries shorter forms, and [`MiddleboxLabel::fit`] picks the
//! longest that fits the box:
//!
//! 1. the full rule, labelled as simulated (the middlebox's own words);
//! 2. "simulated firewall" and a short rule ("client side: drops inbound");
//! 3. the kind and the short rule;
//! 4. the kind and a few words, cut to the box.
//!
//! Behind a NAT whose addresses are known, each form also carries the
//! NAT's translation (`192.168.1.2 ⇄ 127.0.0.2`, from
//! [`crate::middlebox::nat::Translation`]), or where narrow the public
//! address alone on the world's side (`⇄ 127.0.0.2`; the host's box shows
//! the private one), and an address is never split across lines.

use crate::lab::{Endpoints, LabConfig};
use crate::middlebox::nat::Translation;
use crate::middlebox::Middlebox;
use crate::middlebox::{Firewall, Nat};
use crate::text::{self, wrap};
use crate::trace::Side;
use std::net::SocketAddr;

/// What the middlebox box between the hosts says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiddleboxLabel {
    /// The configuration it describes.
    pub config: LabConfig,
    /// The middlebox's own words, one rule a line.
    pub full: Vec<String>,
}

impl MiddleboxLabel {
    /// The label of `config`'s middlebox; `None` when there is none. With
    /// the lab's `endpoints` the NAT rule names the real and private
    /// addresses.
    pub fn new(config: &LabConfig, endpoints: Option<Endpoints>) -> Option<MiddleboxLabel> {
        let mut mb = Middlebox::new(config.firewall, config.nat);
        if mb.is_transparent() {
            return None;
        }
        if let Some(ep) = endpoints {
            // The first dial by the client is the control connection: it
            // tells the (pure, socket-free) middlebox who the peers are.
            let _ = mb.dial(Side::Client, SocketAddr::new(ep.client, 0), ep.server);
        }
        Some(MiddleboxLabel {
            config: config.clone(),
            full: mb.rule_text(),
        })
    }

    /// The kind of box, in one word or two.
    pub fn kind(&self) -> &'static str {
        match (self.config.firewall, self.config.nat) {
            (Firewall::None, _) => "NAT",
            (_, Nat::None) => "firewall",
            _ => "fw + NAT",
        }
    }

    /// The rule in a few words a line.
    fn short(&self) -> Vec<&'static str> {
        let fw = match self.config.firewall {
            Firewall::None => None,
            Firewall::Client => Some("client side: drops inbound"),
            Firewall::Server => Some("server side: only ctl port in"),
            Firewall::Stateful => Some("stateful: FTP helper opens one port"),
        };
        let nat = match self.config.nat {
            Nat::None => None,
            Nat::Client => Some("client behind NAT"),
            Nat::Server => Some("server behind NAT"),
        };
        fw.into_iter().chain(nat).collect()
    }

    /// The rule in the fewest words.
    fn tiny(&self) -> Vec<&'static str> {
        let fw = match self.config.firewall {
            Firewall::None => None,
            Firewall::Client => Some("client: drops in"),
            Firewall::Server => Some("server: ctl only"),
            Firewall::Stateful => Some("stateful helper"),
        };
        let nat = match self.config.nat {
            Nat::None => None,
            Nat::Client => Some("NAT: client"),
            Nat::Server => Some("NAT: server"),
        };
        fw.into_iter().chain(nat).collect()
    }

    /// The lines for a box `width` letters wide and `rows` high: the first
    /// is the heading. With a NAT's `translation` (its addresses, known
    /// once the peers are), the box shows it too: both addresses where they
    /// fit, else the public one alone (the host's box beside it shows the
    /// private one), never an address split; then the forms without it.
    pub fn fit(&self, width: usize, rows: usize, translation: Option<&Translation>) -> Vec<String> {
        let simulated = format!("simulated {}", self.kind());
        let forms: [Vec<String>; 4] = [
            self.full.clone(),
            lines(&simulated, &self.short()),
            lines(self.kind(), &self.short()),
            lines(self.kind(), &self.tiny()),
        ];
        let wrapped = |form: &Vec<String>| -> Vec<String> {
            form.iter().flat_map(|l| wrap(l, width)).collect()
        };
        if let Some(t) = translation {
            let whole = |form: &Vec<String>| {
                form.iter()
                    .flat_map(|l| l.split_whitespace())
                    .all(|w| text::width(w) <= width)
            };
            let ruled: Vec<String> = self
                .tiniest()
                .into_iter()
                .map(str::to_string)
                .chain([t.outside_words()])
                .collect();
            let tiniest = self.tiniest_translating(t);
            let with = |words: String| {
                forms.iter().map(move |f| {
                    let mut f = f.clone();
                    f.push(words.clone());
                    f
                })
            };
            let fits = with(t.words())
                .chain(with(t.outside_words()))
                .chain([ruled, tiniest])
                .filter(|f| whole(f))
                .map(|f| wrapped(&f))
                .find(|w| w.len() <= rows);
            if let Some(lines) = fits {
                return lines;
            }
        }
        for form in &forms {
            let w = wrapped(form);
            if w.len() <= rows {
                return w;
            }
        }
        // A firewall and a NAT in a small box: a word for the firewall,
        // the NAT's rule whole; else whole lines only, never "NAT:" alone.
        let mut out: Vec<String> = Vec::new();
        for line in self.tiniest() {
            let w = wrap(line, width);
            if out.len() + w.len() <= rows {
                out.extend(w);
            }
        }
        out
    }

    /// The fewest words with the translation: a word for the firewall, and
    /// the NAT as the address it shows the world (`NAT ⇄ 127.0.0.2`).
    fn tiniest_translating(&self, t: &Translation) -> Vec<String> {
        let mut out: Vec<String> = self.tiniest().into_iter().map(str::to_string).collect();
        if self.config.nat != Nat::None {
            out.pop();
        }
        out.push(t.tiny_words());
        out
    }

    /// The rule in a word or two a line, without the heading.
    fn tiniest(&self) -> Vec<&'static str> {
        let fw = match self.config.firewall {
            Firewall::None => None,
            Firewall::Client => Some("drops in"),
            Firewall::Server => Some("ctl only"),
            Firewall::Stateful => Some("helper"),
        };
        fw.into_iter()
            .chain(self.tiny().into_iter().skip(fw.is_some() as usize))
            .collect()
    }
}

fn lines(head: &str, rest: &[&str]) -> Vec<String> {
    std::iter::once(head)
        .chain(rest.iter().copied())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(firewall: Firewall, nat: Nat) -> MiddleboxLabel {
        let config = LabConfig {
            firewall,
            nat,
            ..LabConfig::default()
        };
        MiddleboxLabel::new(&config, None).expect("a middlebox")
    }

    #[test]
    fn no_middlebox_no_label() {
        assert_eq!(MiddleboxLabel::new(&LabConfig::default(), None), None);
    }

    #[test]
    fn a_roomy_box_gets_the_full_rule_labelled_as_simulated() {
        let l = label(Firewall::Client, Nat::None);
        let lines = l.fit(41, 6, None);
        assert!(lines[0].contains("simulated"), "{lines:?}");
        let all = lines.join(" ");
        assert!(all.contains("did not start"), "{all}");
    }

    #[test]
    fn a_small_box_gets_an_abbreviation_that_fits() {
        for fw in [Firewall::Client, Firewall::Server, Firewall::Stateful] {
            for nat in [Nat::None, Nat::Client, Nat::Server] {
                let lines = label(fw, nat).fit(11, 5, None);
                assert!(!lines.is_empty() && lines.len() <= 5, "{lines:?}");
                assert!(lines.iter().all(|l| l.chars().count() <= 11), "{lines:?}");
            }
        }
        let lines = label(Firewall::Client, Nat::None).fit(11, 5, None);
        assert_eq!(
            lines,
            ["simulated", "firewall", "client", "side: drops", "inbound"]
        );
        let lines = label(Firewall::Client, Nat::None).fit(11, 4, None);
        assert_eq!(lines, ["firewall", "client", "side: drops", "inbound"]);
    }

    /// Issue 16 §3: at 80×24 a firewall and a NAT share a box of three
    /// rows of 8 or 9 columns; the NAT's rule was cut to "NAT:".
    #[test]
    fn a_nat_rule_is_never_cut_to_its_first_word() {
        for fw in [Firewall::Client, Firewall::Server, Firewall::Stateful] {
            for nat in [Nat::Client, Nat::Server] {
                for width in [8, 9] {
                    let lines = label(fw, nat).fit(width, 3, None);
                    assert!(lines.len() <= 3, "{lines:?}");
                    let all = lines.join(" ");
                    assert!(
                        all.contains("NAT: client") || all.contains("NAT: server"),
                        "{fw:?} {nat:?} at {width}: {lines:?}"
                    );
                }
            }
        }
    }

    /// Issue 16 §4: the NAT's box shows its translation — both addresses
    /// where they fit, the public one alone where narrow — with no address
    /// split across lines, in every box the screens draw at 80×24 (18 or 9
    /// and 10 columns, 4 rows) and 120×40.
    #[test]
    fn a_nat_box_shows_its_translation_without_splitting_an_address() {
        use std::net::IpAddr;
        let real = |nat: Nat| -> IpAddr {
            match nat {
                Nat::Server => "127.0.0.3".parse().unwrap(),
                _ => "127.0.0.2".parse().unwrap(),
            }
        };
        for fw in [Firewall::None, Firewall::Client, Firewall::Stateful] {
            for nat in [Nat::Client, Nat::Server] {
                let t = Translation::of(nat, real(nat)).expect("a NAT");
                let public = t.public.to_string();
                let private = t.private.to_string();
                for (width, rows) in [(9, 4), (10, 4), (18, 4), (12, 6), (56, 6)] {
                    let lines = label(fw, nat).fit(width, rows, Some(&t));
                    assert!(lines.len() <= rows, "{lines:?}");
                    assert!(lines.iter().all(|l| text::width(l) <= width), "{lines:?}");
                    let words: Vec<&str> =
                        lines.iter().flat_map(|l| l.split_whitespace()).collect();
                    assert!(
                        words.contains(&public.as_str()),
                        "{fw:?} {nat:?} {width}: {lines:?}"
                    );
                    assert!(words.contains(&"⇄"), "{lines:?}");
                    // Else the host's own box shows the private address.
                    if (width >= 18 && fw == Firewall::None) || width >= 56 {
                        assert!(
                            words.contains(&private.as_str()),
                            "{fw:?} {nat:?} {width}: {lines:?}"
                        );
                    }
                }
            }
        }
        // Where both fit on one line, they read from the client's side.
        let t = Translation::of(Nat::Client, real(Nat::Client)).expect("a NAT");
        let lines = label(Firewall::None, Nat::Client).fit(56, 6, Some(&t));
        assert!(lines.contains(&t.words()), "{lines:?}");
        // Too narrow for an address: the rule as before, nothing split.
        let lines = label(Firewall::Client, Nat::Client).fit(8, 3, Some(&t));
        assert!(lines.join(" ").contains("NAT: client"), "{lines:?}");
    }
}
