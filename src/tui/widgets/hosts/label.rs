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

use crate::lab::{Endpoints, LabConfig};
use crate::middlebox::Middlebox;
use crate::middlebox::{Firewall, Nat};
use crate::text::wrap;
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
    /// is the heading. The longest form that fits; the last form cut.
    pub fn fit(&self, width: usize, rows: usize) -> Vec<String> {
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
        let lines = l.fit(41, 6);
        assert!(lines[0].contains("simulated"), "{lines:?}");
        let all = lines.join(" ");
        assert!(all.contains("did not start"), "{all}");
    }

    #[test]
    fn a_small_box_gets_an_abbreviation_that_fits() {
        for fw in [Firewall::Client, Firewall::Server, Firewall::Stateful] {
            for nat in [Nat::None, Nat::Client, Nat::Server] {
                let lines = label(fw, nat).fit(11, 5);
                assert!(!lines.is_empty() && lines.len() <= 5, "{lines:?}");
                assert!(lines.iter().all(|l| l.chars().count() <= 11), "{lines:?}");
            }
        }
        let lines = label(Firewall::Client, Nat::None).fit(11, 5);
        assert_eq!(
            lines,
            ["simulated", "firewall", "client", "side: drops", "inbound"]
        );
        let lines = label(Firewall::Client, Nat::None).fit(11, 4);
        assert_eq!(lines, ["firewall", "client", "side: drops", "inbound"]);
    }

    /// Issue 16 §3: at 80×24 a firewall and a NAT share a box of three
    /// rows of 8 or 9 columns; the NAT's rule was cut to "NAT:".
    #[test]
    fn a_nat_rule_is_never_cut_to_its_first_word() {
        for fw in [Firewall::Client, Firewall::Server, Firewall::Stateful] {
            for nat in [Nat::Client, Nat::Server] {
                for width in [8, 9] {
                    let lines = label(fw, nat).fit(width, 3);
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
}
