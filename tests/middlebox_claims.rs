//! Issue 20's five points, as the real binary prints them: each false
//! sentence is gone, and what the kernel test (`kernel_middlebox.rs`) and
//! REAL_BEHAVIOUR.md measured is said instead, naming the software. Also the
//! new settings: `--forward-data`, `--trust-pasv`, `--pasv-address`, on the
//! command line and in a lesson file.

mod common;

use common::ftpviz;
use ftpviz::classroom::Lesson;
use ftpviz::middlebox::Nat;

/// `ftpviz lab … --port 0 --print`, which must succeed: its timeline.
fn lab(args: &[&str]) -> String {
    let mut all = vec!["lab", "--port", "0", "--print"];
    all.extend(args);
    let (code, out, err) = ftpviz(&all);
    assert_eq!(code, 0, "{all:?}: {err}");
    out
}

/// The timeline's lines that contain `what`.
fn lines<'a>(out: &'a str, what: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.contains(what)).collect()
}

#[test]
fn point_1_each_wait_names_where_the_real_one_comes_from() {
    let active = lab(&["--mode", "active", "--firewall", "client"]);
    let fails = lines(&active, "fail blocked by client-firewall");
    assert!(!fails.is_empty(), "{active}");
    for f in fails {
        assert!(
            f.contains("vsftpd 3.0.3 answers 425 after its connect_timeout (60 s)"),
            "{f}"
        );
        assert!(f.contains("still retrying"), "{f}");
        assert!(!f.contains("127 s"), "{f}");
    }
    let passive = lab(&["--mode", "passive", "--firewall", "server"]);
    let fails = lines(&passive, "fail blocked by server-firewall");
    assert!(!fails.is_empty(), "{passive}");
    for f in fails {
        assert!(f.contains("about 134 s") && f.contains("no 425"), "{f}");
        assert!(
            f.contains("0, 1, 2, 3, 4, 5, 7, 11, 19, 35 and 68 s"),
            "{f}"
        );
        assert!(!f.contains("127 s"), "{f}");
    }
    assert!(
        !passive.contains("reply 425"),
        "no 425 in passive: {passive}"
    );
}

#[test]
fn point_2_a_private_227_is_skipped_and_the_port_forward_refuses() {
    let out = lab(&["--mode", "passive", "--nat", "server"]);
    assert!(!out.contains("will dial nowhere"), "{out}");
    let dial = lines(&out, "data    client  connect")[0];
    assert!(
        dial.contains("-> 127.0.0.3:") || dial.contains("-> 127.0.0.1:"),
        "{dial}"
    );
    assert!(
        dial.contains("curl 7.88") && dial.contains("ftplib"),
        "{dial}"
    );
    let refused = lines(&out, "fail refused by nat");
    assert!(!refused.is_empty(), "{out}");
    assert!(refused[0].contains("RST"), "{}", refused[0]);
    assert!(lines(&out, "fail blocked").is_empty(), "{out}");
    // The naive client dials the private address: nowhere, after a wait.
    let naive = lab(&["--mode", "passive", "--nat", "server", "--trust-pasv"]);
    let dial = lines(&naive, "data    client  connect")[0];
    assert!(dial.contains("-> 10.0.0.3:"), "{dial}");
    assert!(!lines(&naive, "fail blocked by nat").is_empty(), "{naive}");
    // Forwarding the data ports, the skipped 227 works.
    let forwarded = lab(&["--mode", "passive", "--nat", "server", "--forward-data"]);
    assert!(forwarded.contains("reply 226"), "{forwarded}");
    assert!(lines(&forwarded, "fail").is_empty(), "{forwarded}");
}

#[test]
fn point_3_pasv_and_epsv_tell_one_story_behind_a_port_forward() {
    for extended in [false, true] {
        let mut args = vec![
            "--mode",
            "passive",
            "--firewall",
            "server",
            "--nat",
            "server",
        ];
        if extended {
            args.push("--extended");
        }
        let out = lab(&args);
        for gone in ["would have worked", "nothing to get wrong"] {
            assert!(!out.contains(gone), "extended={extended}: {out}");
        }
        assert!(!lines(&out, "fail refused by nat").is_empty(), "{out}");
        assert!(lines(&out, "fail blocked").is_empty(), "{out}");
        args.push("--forward-data");
        let out = lab(&args);
        assert!(
            !lines(&out, "fail blocked by server-firewall").is_empty(),
            "{out}"
        );
    }
    // The helper's expectation is what forwards the port.
    let out = lab(&[
        "--mode",
        "passive",
        "--extended",
        "--firewall",
        "stateful",
        "--nat",
        "server",
    ]);
    assert!(
        out.contains("the helper's expectation forwards it"),
        "{out}"
    );
    assert!(
        out.contains("reply 226") && lines(&out, "fail").is_empty(),
        "{out}"
    );
}

#[test]
fn point_4_which_server_says_what_to_a_private_port() {
    for (extended, verb) in [(false, "PORT"), (true, "EPRT")] {
        let mut args = vec!["--mode", "active", "--nat", "client"];
        if extended {
            args.push("--extended");
        }
        let out = lab(&args);
        let note = lines(&out, &format!("command {verb}"))[0];
        assert!(note.contains("192"), "the private address: {note}");
        assert!(
            note.contains(&format!(
                "vsftpd 3.0.3 answers \"500 Illegal {verb} command.\""
            )) && note.contains("ftpviz's server 504"),
            "{note}"
        );
        assert!(out.contains("reply 504"), "{out}");
    }
}

#[test]
fn a_kernels_ipv6_eprt_rewrite_is_written_in_full() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        common::skip("no ::1 here");
        return;
    }
    let out = lab(&[
        "--mode",
        "active",
        "--ipv6",
        "--nat",
        "client",
        "--firewall",
        "stateful",
    ]);
    let eprt = lines(&out, "command EPRT")[0];
    assert!(
        eprt.contains("EPRT |2|0000:0000:0000:0000:0000:0000:0000:0001|"),
        "{eprt}"
    );
    assert!(
        eprt.contains("+30 bytes") && !eprt.contains("-6 bytes"),
        "{eprt}"
    );
    assert!(out.contains("reply 226"), "{out}");
}

#[test]
fn a_server_announcing_its_public_address_gets_no_expectation() {
    let out = lab(&[
        "--mode",
        "passive",
        "--firewall",
        "stateful",
        "--nat",
        "server",
        "--pasv-address",
    ]);
    let reply = lines(&out, "reply 227")[0];
    assert!(
        reply.contains("(127,0,0,") && reply.contains("pasv_address"),
        "{reply}"
    );
    assert!(!lines(&out, "fail refused by nat").is_empty(), "{out}");
}

#[test]
fn the_new_settings_are_in_the_help_and_in_lesson_files() {
    let (code, help, _) = ftpviz(&["lab", "--help"]);
    assert_eq!(code, 0);
    for flag in ["--forward-data", "--trust-pasv", "--pasv-address"] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
    let text = "title = \"t\"\n[[scene]]\ntitle = \"a\"\nnat = \"server\"\nforward_data = true\n\
                [[scene.run]]\ntrust_pasv = true\n[[scene.run]]\npasv_address = true\n\
                forward_data = false\n";
    let lesson = Lesson::parse(text, "t.toml").expect("parses");
    let runs = &lesson.scenes[0].runs;
    let knobs: Vec<(Nat, bool, bool, bool)> = runs
        .iter()
        .map(|r| (r.nat, r.forward_data, r.trust_pasv, r.pasv_address))
        .collect();
    assert_eq!(
        knobs,
        [
            (Nat::Server, true, true, false),
            (Nat::Server, false, false, true)
        ]
    );
    let config = &runs[0].configs(Some(0))[0];
    assert!(config.forward_data && config.trust_pasv && !config.pasv_address);
    // The built-in lesson uses them, and a typo is refused by name.
    let builtin = Lesson::builtin();
    assert!(builtin
        .scenes
        .iter()
        .flat_map(|s| &s.runs)
        .any(|r| r.trust_pasv));
    let typo = "title = \"t\"\n[[scene]]\ntitle = \"a\"\nforward_date = true\n";
    let err = Lesson::parse(typo, "t.toml").unwrap_err().to_string();
    assert!(err.contains("forward_date"), "{err}");
}
