//! The `ftpviz` command line: parse the arguments and hand them to the
//! command that runs them ([`cli`]: lab, lesson, replay, serve).
//!
//! `ftpviz` alone is the lab: its options work with or without the word
//! `lab` (`ftpviz --firewall client` = `ftpviz lab --firewall client`).
//!
//! Exit status: 0 success; 1 runtime failure with a one-line cause on
//! stderr; 2 bad usage (clap's own, and combinations clap cannot see).

mod cli;

use anyhow::{Context, Result};
use clap::Parser;
use cli::args::{Cli, Command, LabArgs};
use cli::output::{RecordingFailed, Sink};
use ftpviz::handout::HandoutFile;
use std::io;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lab_args = match &cli.command {
        Some(Command::Lab(args)) => Some(args),
        None => Some(&cli.lab),
        _ => None,
    };
    if let Some(Err(e)) = lab_args.map(LabArgs::mode) {
        e.exit();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Already said on stderr when it happened.
        Err(e) if e.is::<RecordingFailed>() => ExitCode::from(1),
        // `ftpviz … --print | head`: the reader has all it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ftpviz: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<()> {
    let sink = Sink::from_args(cli.output, cli.screen.quiz);
    let screen = cli.screen.screen();
    // A page that cannot be written is said before anything runs.
    let html = cli.html.as_deref().map(HandoutFile::create).transpose()?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match cli.command {
        None => runtime.block_on(cli::lab::lab(cli.lab, sink, html, screen)),
        Some(Command::Lab(args)) => runtime.block_on(cli::lab::lab(args, sink, html, screen)),
        Some(Command::Replay {
            files,
            session,
            follow,
            keylog,
        }) => {
            let input = cli::replay::Input {
                files,
                follow,
                keylog,
            };
            cli::replay::replay(&runtime, input, session, sink, html, screen)
        }
        Some(Command::Watch {
            iface,
            session,
            record,
        }) => {
            if html.is_some() {
                anyhow::bail!(
                    "--html writes a whole capture's page: watch with --record, then replay that \
                     file with --html"
                );
            }
            let options = cli::watch::Options { session, record };
            cli::watch::watch(&runtime, &iface, options, sink, screen)
        }
        Some(Command::Serve(args)) => runtime.block_on(cli::serve::serve(args, sink, html, screen)),
        Some(Command::Lesson { file, port, record }) => {
            runtime.block_on(cli::lesson::lesson(file, port, record, sink, html, screen))
        }
    }
}
