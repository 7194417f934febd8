//! Events: everything the app reacts to, arriving on one channel.
//!
//! The TUI follows the shape of ratatui's event-driven async template. One
//! task waits, in a single `tokio::select!`, on whichever comes first of
//!
//! - a **tick** (only while something moves: playing, or an arrow in flight),
//! - a **terminal event** (a key, a resize) from crossterm's `EventStream`,
//! - **SIGTERM** / **SIGHUP**,
//!
//! and sends it down the channel as an [`Event`]. Live sources (a lab's
//! events, `serve`'s sessions) are forwarded into the same channel, and the
//! app sends itself [`AppEvent`]s there too (restart the labs, quit). The
//! loop in `terminal` takes one event at a time and hands it to the
//! one app: one owner of state, no locks.
//!
//! A paused screen therefore sleeps in the channel and costs no CPU; a
//! playing one ticks every [`FRAME`].
//!
//! A source started with payloads (every lab, `serve`) also hands over the
//! bytes of each `data` event; its feed pairs them with their event, keeps
//! the first `KEEP` bytes and drops the rest, so that
//! `w` can save the run with its real bytes (`kept`).
//!
//! When the labs restart (a key changed the middlebox), the old labs' last
//! events may still be on their way. Every batch of feeds gets a new
//! *generation*, and events of an older one are dropped on arrival.

use super::kept::Allowance;
use crate::tap::Payloads;
use crate::trace::Event as TraceEvent;
use crossterm::event::{Event as TermEvent, EventStream, KeyEvent};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, watch};
use tokio::time::{interval, Instant, MissedTickBehavior};

/// Time between frames while something moves: 30 ms, a little over 33
/// frames a second.
pub const FRAME: Duration = Duration::from_millis(30);

/// Where a live source's events go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To one pane (a lab).
    Pane(usize),
    /// To the live session list (`serve`).
    Sessions,
}

/// The events of one live source, and the bytes of its `data` events when
/// it was started with payloads.
pub struct Feed {
    pub route: Route,
    pub events: mpsc::UnboundedReceiver<TraceEvent>,
    pub payloads: Option<Payloads>,
}

/// What the app asks of the loop: things that need `await`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEvent {
    /// The rig changed: stop the labs and start new ones.
    Restart,
}

/// One thing for the app to react to.
#[derive(Debug)]
pub enum Event {
    /// Time passed (only sent while the app wants ticks).
    Tick(Duration),
    /// A key was pressed.
    Key(KeyEvent),
    /// The terminal changed size (columns, rows): draw again.
    Resize(u16, u16),
    /// An event of a live source; `None` once when that source ended.
    /// `payload`: a `data` event's bytes, as far as they are kept.
    Source {
        generation: u32,
        route: Route,
        event: Option<TraceEvent>,
        payload: Option<Vec<u8>>,
    },
    /// Something the app asked for.
    App(AppEvent),
    /// A signal, or the terminal went away: leave.
    Quit,
    /// Reading the terminal failed.
    Error(std::io::Error),
}

/// The one channel of events, and the switch that turns ticks on and off.
pub struct Events {
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
    ticking: watch::Sender<bool>,
    generation: u32,
    /// An event read while gathering ticks, handed out next.
    pending: Option<Event>,
}

impl Default for Events {
    fn default() -> Events {
        Events::new()
    }
}

impl Events {
    /// A channel with nothing feeding it yet (no runtime needed: tests
    /// build apps without a terminal and read what they asked for with
    /// [`Events::try_next`]).
    pub fn new() -> Events {
        let (tx, rx) = mpsc::unbounded_channel();
        let (ticking, _) = watch::channel(false);
        Events {
            tx,
            rx,
            ticking,
            generation: 0,
            pending: None,
        }
    }

    /// The app asks for something (handled by the loop, in order).
    pub fn send(&self, e: AppEvent) {
        let _ = self.tx.send(Event::App(e));
    }

    /// Turns the ticks on or off.
    pub fn set_ticking(&self, on: bool) {
        self.ticking
            .send_if_modified(|t| std::mem::replace(t, on) != on);
    }

    /// Starts the task that turns the terminal, the ticks and the signals
    /// into events. It ends when the channel does.
    pub fn start_terminal(&self) -> std::io::Result<()> {
        let sigterm = signal(SignalKind::terminate())?;
        let sighup = signal(SignalKind::hangup())?;
        let task = TerminalTask {
            tx: self.tx.clone(),
            ticking: self.ticking.subscribe(),
            sigterm,
            sighup,
        };
        tokio::spawn(task.run());
        Ok(())
    }

    /// Forwards live sources into the channel, as a new generation: events
    /// of the feeds attached before are dropped from now on.
    pub fn attach(&mut self, feeds: Vec<Feed>) {
        self.generation = self.generation.wrapping_add(1);
        let generation = self.generation;
        for mut feed in feeds {
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let route = feed.route;
                let mut allowance = Allowance::default();
                while let Some(e) = feed.events.recv().await {
                    // The chunk is copied (within the allowance) and dropped
                    // at once: the source's byte budget is never held here.
                    let payload = match &mut feed.payloads {
                        Some(p) => p.take(&e).await.and_then(|c| allowance.admit(&c)),
                        None => None,
                    };
                    let sent = tx.send(Event::Source {
                        generation,
                        route,
                        event: Some(e),
                        payload,
                    });
                    if sent.is_err() {
                        return;
                    }
                }
                let _ = tx.send(Event::Source {
                    generation,
                    route,
                    event: None,
                    payload: None,
                });
            });
        }
    }

    /// The next event, skipping those of replaced sources. Ticks that
    /// piled up while the app was busy come as one, with their total time.
    pub async fn next(&mut self) -> Event {
        let e = match self.pending.take() {
            Some(e) => e,
            None => loop {
                // The app holds a sender, so the channel never closes.
                let Some(e) = self.rx.recv().await else {
                    return Event::Quit;
                };
                if !self.is_stale(&e) {
                    break e;
                }
            },
        };
        self.gather_ticks(e)
    }

    fn gather_ticks(&mut self, e: Event) -> Event {
        let Event::Tick(mut dt) = e else {
            return e;
        };
        while let Ok(next) = self.rx.try_recv() {
            match next {
                Event::Tick(more) => dt += more,
                other if self.is_stale(&other) => {}
                other => {
                    self.pending = Some(other);
                    break;
                }
            }
        }
        Event::Tick(dt)
    }

    /// A live source's event already waiting, if that is what comes next
    /// (anything else stays next): a busy source's events are taken
    /// together and drawn once.
    pub fn waiting_source(&mut self) -> Option<Event> {
        if self.pending.is_some() {
            return None;
        }
        while let Ok(e) = self.rx.try_recv() {
            if self.is_stale(&e) {
                continue;
            }
            if matches!(e, Event::Source { .. }) {
                return Some(e);
            }
            self.pending = Some(e);
            return None;
        }
        None
    }

    /// The next event already waiting, if any (tests; no runtime needed).
    pub fn try_next(&mut self) -> Option<Event> {
        if let Some(e) = self.pending.take() {
            return Some(e);
        }
        while let Ok(e) = self.rx.try_recv() {
            if !self.is_stale(&e) {
                return Some(e);
            }
        }
        None
    }

    fn is_stale(&self, e: &Event) -> bool {
        matches!(e, Event::Source { generation, .. } if *generation != self.generation)
    }
}

/// The one `select!`: ticks, the terminal, signals.
struct TerminalTask {
    tx: mpsc::UnboundedSender<Event>,
    ticking: watch::Receiver<bool>,
    sigterm: tokio::signal::unix::Signal,
    sighup: tokio::signal::unix::Signal,
}

impl TerminalTask {
    async fn run(mut self) {
        let mut keys = EventStream::new();
        let mut tick = interval(FRAME);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut last: Option<Instant> = None;
        loop {
            let ticking = *self.ticking.borrow_and_update();
            if !ticking {
                last = None;
            } else if last.is_none() {
                last = Some(Instant::now());
                tick.reset();
            }
            let event = tokio::select! {
                _ = self.tx.closed() => return,
                _ = tick.tick(), if ticking => {
                    let now = Instant::now();
                    let dt = last.map(|t| now - t).unwrap_or_default();
                    last = Some(now);
                    Event::Tick(dt)
                }
                changed = self.ticking.changed() => match changed {
                    Ok(()) => continue,
                    Err(_) => return,
                },
                key = keys.next() => match key {
                    Some(Ok(TermEvent::Key(k))) => Event::Key(k),
                    Some(Ok(TermEvent::Resize(w, h))) => Event::Resize(w, h),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => Event::Error(e),
                    None => Event::Quit,
                },
                _ = self.sigterm.recv() => Event::Quit,
                _ = self.sighup.recv() => Event::Quit,
            };
            let end = matches!(event, Event::Quit | Event::Error(_));
            if self.tx.send(event).is_err() || end {
                return;
            }
        }
    }
}
