//! The citation table against the RFC texts in `../shared/rfc`: every
//! section the narration cites exists under the heading the table gives,
//! and its text says the thing cited; every reply code's RFC words and
//! every command's verb are in the section that defines them. An RFC that
//! is not in `../shared/rfc` must say where its text was checked.
//!
//! Without `../shared/rfc` the checks against the text are skipped (with a
//! reason), and fail under CI.

use ftpviz::narration::cite::{self, Defined, Rule, CODES, TABLE, VERBS};
use ftpviz::narration::{columns, HEADLINE_COLUMNS};
use ftpviz::tui::widgets::layout;
use ratatui::layout::Rect;

mod common;
#[path = "support/prose.rs"]
mod prose;

#[test]
fn every_cited_section_exists_with_its_title_and_says_the_thing() {
    let Some(dir) = common::rfc_dir() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for (rule, c) in TABLE {
        let Some(text) = prose::rfc_text(&dir, c.rfc) else {
            // Not in ../shared/rfc: the row must say where it was read.
            match c.checked {
                Some(where_) if !where_.is_empty() => {
                    println!("{rule:?}: {c} not in ../shared/rfc; checked at {where_}")
                }
                _ => failures.push(format!(
                    "{rule:?}: RFC {} is not in ../shared/rfc and the table does not say where \
                     its text was checked",
                    c.rfc
                )),
            }
            continue;
        };
        match prose::section(&text, c) {
            Ok(body) if body.contains(&prose::squash(c.names)) => checked += 1,
            Ok(_) => failures.push(format!("{rule:?}: {c} does not say {:?}", c.names)),
            Err(e) => failures.push(format!("{rule:?}: {e}")),
        }
    }
    assert!(
        checked >= 25,
        "only {checked} rows checked against the text"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The section text of a rule, when its RFC is in ../shared/rfc.
fn text_of(dir: &std::path::Path, rule: Rule) -> Option<String> {
    let c = rule.cite();
    let text = prose::rfc_text(dir, c.rfc)?;
    prose::section(&text, &c).ok()
}

#[test]
fn every_reply_code_means_what_its_rfc_says() {
    let Some(dir) = common::rfc_dir() else {
        return;
    };
    let mut failures = Vec::new();
    for code in CODES {
        match text_of(&dir, code.rule) {
            Some(text) if text.contains(&prose::squash(code.rfc_text)) => {}
            Some(_) => failures.push(format!(
                "{}: {} does not say {:?}",
                code.code,
                code.rule.cite(),
                code.rfc_text
            )),
            None => failures.push(format!("{}: {} not readable", code.code, code.rule.cite())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_command_is_defined_where_the_table_says() {
    let Some(dir) = common::rfc_dir() else {
        return;
    };
    let mut failures = Vec::new();
    for v in VERBS {
        let Defined::In(rule) = v.defined else {
            continue;
        };
        let c = rule.cite();
        if c.checked.is_some() && prose::rfc_text(&dir, c.rfc).is_none() {
            continue; // Read elsewhere (RFC 2389): the table says where.
        }
        let Some(text) = text_of(&dir, rule) else {
            failures.push(format!("{}: {c} not readable", v.verb));
            continue;
        };
        // RFC 959 names each command in parentheses: "RETRIEVE (RETR)".
        let named = if c.rfc == 959 {
            text.contains(&format!("({})", v.verb))
        } else {
            text.split(|ch: char| !ch.is_ascii_alphanumeric())
                .any(|w| w == v.verb)
        };
        if !named {
            failures.push(format!("{}: not named in {c}", v.verb));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mfmt_and_pret_cite_no_rfc_and_old_spellings_point_at_a_defined_command() {
    let de_facto: Vec<&str> = VERBS
        .iter()
        .filter(|v| v.defined == Defined::DeFacto)
        .map(|v| v.verb)
        .collect();
    assert_eq!(de_facto, ["MFMT", "PRET"]);
    for v in VERBS {
        if let Defined::OldSpelling(now) = v.defined {
            let target = cite::command(now).map(|t| t.defined);
            assert!(matches!(target, Some(Defined::In(_))), "{} → {now}", v.verb);
        }
    }
    // The corrected citations (issue 9, §4 findings 1–3).
    assert_eq!(
        cite::command("FEAT").map(|v| v.defined),
        Some(Defined::In(Rule::Feat))
    );
    assert_eq!(Rule::Feat.cite().to_string(), "RFC 2389 §3");
    assert_eq!(Rule::Opts.cite().to_string(), "RFC 2389 §4");
    assert_eq!(Rule::Size.cite().to_string(), "RFC 3659 §4");
    assert_eq!(Rule::Mdtm.cite().to_string(), "RFC 3659 §3");
    assert_eq!(Rule::CommandSyntax.cite().to_string(), "RFC 959 §5.3");
    assert_eq!(
        Rule::DialAfterTransferCommand.cite().to_string(),
        "RFC 959 §3.2"
    );
    assert_eq!(Rule::ServerDialsFromL1.cite().to_string(), "RFC 959 §5.2");
    assert_eq!(Rule::Bounce.cite().to_string(), "RFC 2577");
}

#[test]
fn the_table_headlines_fit_one_line_of_a_compare_pane() {
    for v in VERBS {
        let h = format!("{}: {}.", v.verb, v.asks);
        assert!(columns(&h) <= HEADLINE_COLUMNS, "{h}");
    }
    for c in CODES {
        let h = format!("{}: {}.", c.code, c.means);
        assert!(columns(&h) <= HEADLINE_COLUMNS, "{h}");
    }
}

#[test]
fn a_headline_fits_the_narrower_compare_pane_at_80_columns() {
    let screen = layout::screen(Rect::new(0, 0, 80, 24), 2);
    let narrowest = screen
        .panes
        .iter()
        .map(|p| layout::pane(*p).narration.width as usize)
        .min()
        .expect("two panes");
    // One column to spare for the screen's "more" mark.
    assert!(
        HEADLINE_COLUMNS < narrowest,
        "{HEADLINE_COLUMNS} columns of headline in a {narrowest}-column narration"
    );
}

#[test]
fn the_checker_finds_what_it_looks_for() {
    // The section reader: a heading with another title is named as such.
    let Some(dir) = common::rfc_dir() else {
        return;
    };
    let text = prose::rfc_text(&dir, 959).expect("rfc959.txt");
    let wrong = cite::Cite {
        rfc: 959,
        section: "4.1.1",
        title: "FTP COMMANDS",
        names: "",
        checked: None,
    };
    let err = prose::section(&text, &wrong).expect_err("§4.1.1 is not FTP COMMANDS");
    assert!(err.contains("ACCESS CONTROL COMMANDS"), "{err}");
    // §4.1.1 ends where §4.1.2 starts: PORT is not in it.
    let access = prose::section(&text, &Rule::AccessControlCommands.cite()).expect("§4.1.1");
    assert!(access.contains("(QUIT)") && !access.contains("(PORT)"));
    // The old citation of the command syntax pointed at a section that
    // does not say it.
    assert!(!access.contains("four or fewer alphabetic characters"));
    // Sentences, citations and quotes as the narration tests read them.
    assert_eq!(
        prose::sentences("A §3.2 b. C 127.0.0.1 d? E"),
        ["A §3.2 b.", "C 127.0.0.1 d?", "E"]
    );
    assert_eq!(
        prose::citations("x (RFC 959 §3.2). RFC 2577 y"),
        ["RFC 959 §3.2", "RFC 2577"]
    );
    assert_eq!(
        prose::quotes("\"Service closing\" (RFC 959 §4.2.2). \"a\" b"),
        [("Service closing".to_string(), "RFC 959 §4.2.2".to_string())]
    );
}

#[test]
fn the_served_rfc_notes_quote_rfc_959_exactly_and_say_what_eprt_cannot() {
    let doc = include_str!("../assets/files/docs/rfc959-modes.txt");
    // The indented block is presented as a quotation: it must be the RFC's
    // own words.
    let quoted: Vec<&str> = doc
        .lines()
        .skip_while(|l| !l.starts_with("   "))
        .take_while(|l| l.starts_with("   "))
        .collect();
    assert!(quoted.len() >= 5, "{doc}");
    assert!(doc.contains("quoted exactly"), "{doc}");
    // EPSV helps a server behind NAT; EPRT does not help a client behind
    // one (the lab itself answers 504 there).
    assert!(doc.contains("EPSV helps a NATed server"), "{doc}");
    assert!(doc.contains("EPRT does not help a NATed client"), "{doc}");
    assert!(!doc.contains("through NAT"), "{doc}");
    let Some(dir) = common::rfc_dir() else {
        return;
    };
    let text = prose::rfc_text(&dir, 959).expect("rfc959.txt");
    let section = prose::section(&text, &Rule::DialAfterTransferCommand.cite()).expect("§3.2");
    let words = prose::squash(&quoted.join(" "));
    assert!(
        section.contains(&words),
        "not RFC 959 §3.2's words: {words}"
    );
    for c in [
        Rule::EpsvThroughNat.cite(),
        Rule::ServerDialsFromL1.cite(),
        Rule::ControlPort.cite(),
    ] {
        assert!(doc.contains(&format!("section {}", c.section)), "{c}");
    }
}
