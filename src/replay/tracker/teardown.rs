//! How a tracked connection ends, and what its end says.
//!
//! TCP closes each direction on its own: a FIN says "I have sent all I
//! will", and the connection is over once both sides have sent one. The
//! trace shows the *first* FIN (or an RST, which ends both directions at
//! once) as `close`, from whoever sent it. Before the close, whatever the
//! reassembly still holds is delivered (a last line without CRLF, the last
//! bytes counted), so sums stay exact.
//!
//! Some dials never become connections. A SYN answered by RST is `fail
//! refused` (decided when the RST arrives); SYNs that get no answer are
//! `fail timeout`, placed just before the reply in which the server says it
//! gave up (425, 426: the cause comes before its effect), or at the end of
//! the capture. Bytes the capture never saw are remembered as holes,
//! reported with the session and connection they belong to. Then the entry
//! is forgotten, so the table only ever holds what is open.
//!
//! A capture may begin with the last words of a session that started
//! before it: a `QUIT` and its `221`. Those words are SMTP's too, so such a
//! session is kept aside and taken for FTP at the end only if its server
//! endpoint served FTP elsewhere in the capture. So is a control dial
//! refused before any word (the server was not up yet).
//!
//! Some connections never end in the capture at all: a port scan's SYNs,
//! traffic that is not FTP. When the table grows large, entries idle for a
//! minute that are not (yet) FTP are swept, so a capture full of them
//! still runs in bounded memory.

use super::connection::{End, Role};
use super::Tracker;
use crate::replay::endpoints::Key;
use crate::replay::tcp::Delivery;
use crate::trace::{Event, FailReason, Kind, Side};

/// Past this many entries, connections idle for a minute that are not FTP
/// are swept.
const SWEEP_AT: usize = 1 << 16;
const IDLE_NS: u64 = 60_000_000_000;
/// How long a reset connection waits for bytes still in flight.
const RESET_GRACE_NS: u64 = 2_000_000_000;
/// Possible tails of earlier sessions kept aside, at most.
const MAX_TAILS: usize = 256;

/// What the tracker leaves when the capture ends.
#[derive(Debug)]
pub struct Ending {
    /// The events, in the order found.
    pub events: Vec<Event>,
    /// Bytes never captured: (session, conn, bytes).
    pub holes: Vec<(u32, u32, u64)>,
    /// Sessions recognised without (all of) their banner: what is missing.
    pub joined: Vec<(u32, String)>,
    /// Connections to port 21 whose few words could not prove FTP.
    pub unproven: Vec<String>,
    /// TLS that could not be decrypted: (session, what and why).
    pub undecrypted: Vec<(u32, String)>,
}

impl Tracker {
    /// Sweeps idle entries first when the table has reached its limit.
    pub(super) fn make_room(&mut self, ns: u64) {
        if self.conns.len() >= self.sweep_at.max(SWEEP_AT) {
            self.sweep(ns);
        }
    }

    /// The first FIN or RST: flush what the sender still has, then `close`.
    pub(super) fn close(&mut self, key: Key, ns: u64, end: End, note: Option<&str>) {
        self.flush(key, ns);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        if c.closed || c.failed {
            return;
        }
        c.closed = true;
        self.conn_event(key, ns, end, Kind::Close, note);
    }

    /// Reports everything still counted or buffered for a connection.
    pub(super) fn flush(&mut self, key: Key, ns: u64) {
        let clock = self.clock(ns);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        match &c.role {
            Role::Data(_) => {
                for end in End::BOTH {
                    let mut n = 0;
                    c.streams[end.index()].finish(&mut |x, _| {
                        if let Delivery::Count(k) = x {
                            n += k;
                        }
                    });
                    if let Role::Data(d) = &mut c.role {
                        if n > 0 {
                            d.pending[end.index()] += n;
                            d.last_ns = d.last_ns.max(ns);
                        }
                    }
                }
                for end in End::BOTH {
                    self.report(key, end);
                }
            }
            Role::Control(id) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    let sink = &mut self.sink;
                    for end in End::BOTH {
                        // A control connection's initiator is its client.
                        let from = end.side(Side::Client);
                        c.streams[end.index()]
                            .finish(&mut |x, at| s.deliver(from, x, clock(at), sink));
                    }
                }
            }
            Role::Undecided(_) | Role::Ignored => {}
        }
    }

    /// Dials of one session still waiting for an answer become `fail`,
    /// placed in the trace at `at`: just before the reply that reports them.
    pub(super) fn give_up_dials(&mut self, session: u64, ns: u64, why: &str, at: usize) {
        let Some(number) = self.sessions.get(&session).map(|s| s.number) else {
            return;
        };
        // Undecided dials of this session got no bytes: they were its data.
        let undecided: Vec<Key> = self
            .conns
            .iter()
            .filter(|(_, c)| matches!(&c.role, Role::Undecided(u) if u.dial.session == session))
            .map(|(k, _)| *k)
            .collect();
        for key in undecided {
            self.decide(key, None);
        }
        let keys: Vec<Key> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.dialling.is_some()
                    && !c.failed
                    && matches!(&c.role, Role::Data(d) if d.session == number)
            })
            .map(|(k, _)| *k)
            .collect();
        let before = self.sink.events.len();
        for key in keys {
            self.fail_timeout(key, ns, why);
        }
        if at < before {
            let fails: Vec<Event> = self.sink.events.drain(before..).collect();
            self.sink.events.splice(at..at, fails);
        }
    }

    pub(super) fn fail_timeout(&mut self, key: Key, ns: u64, why: &str) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        let syns = c.dialling.map_or(1, |(n, _)| n);
        c.failed = true;
        // A capture ftpviz wrote says why (a dropped SYN looks the same
        // whoever dropped it).
        let (reason, by, said) = match c.told {
            Some(m) => (m.reason, m.by, "; the capture's comment says why"),
            None => (FailReason::Timeout, None, ""),
        };
        let note = format!("{why}; {syns} SYN(s) sent{said}");
        let kind = Kind::Fail { reason, by };
        self.conn_event(key, ns, End::Initiator, kind, Some(&note));
    }

    /// An RST ended the connection. Its entry stays a moment: bytes the
    /// other side sent before the reset reached it are still on the wire,
    /// and they are this connection's (shown with a note), never the start
    /// of another session.
    pub(super) fn reset(&mut self, key: Key, ns: u64) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        if matches!(c.role, Role::Ignored | Role::Undecided(_)) {
            return self.remove(key, ns);
        }
        if c.reset_ns.is_none() {
            c.reset_ns = Some(ns);
            self.resets.push_back((key, ns));
        }
    }

    /// Forgets connections reset more than [`RESET_GRACE_NS`] before `ns`.
    pub(super) fn expire_resets(&mut self, ns: u64) {
        while let Some(&(key, at)) = self.resets.front() {
            if ns.saturating_sub(at) < RESET_GRACE_NS {
                return;
            }
            self.resets.pop_front();
            if let Some(c) = self.conns.get(&key).filter(|c| c.reset_ns == Some(at)) {
                let last = c.last_ns;
                self.remove(key, last);
            }
        }
    }

    /// A connection is over: flush it and forget it.
    pub(super) fn remove(&mut self, key: Key, ns: u64) {
        self.decide(key, None);
        self.flush(key, ns);
        let Some(c) = self.conns.remove(&key) else {
            return;
        };
        if let Some(isn1) = c.isn1 {
            if self.dials.get(&isn1) == Some(&key) {
                self.dials.remove(&isn1);
            }
        }
        if let Some(other) = c.alias {
            self.aliases.remove(&other);
        }
        match c.role {
            Role::Control(id) => {
                let t = self.t(ns);
                if let Some(mut s) = self.sessions.remove(&id) {
                    s.finish(t, &mut self.sink);
                    if s.is_ftp() {
                        self.ended(&s);
                    } else if s.could_be_tail() {
                        if self.control_ports.contains(&s.server) {
                            self.confirm_tail(s);
                        } else {
                            if self.tails.len() >= MAX_TAILS {
                                self.tails.remove(0);
                            }
                            self.tails.push(s);
                        }
                    }
                }
                self.sink.announced.retain(|a| a.session != id);
                self.ftp.retain(|&f| f != id);
            }
            Role::Data(d) => {
                if d.listed {
                    self.unreported.retain(|k| *k != key);
                }
                let missing: u64 = c.streams.iter().map(|s| s.missing).sum();
                if missing > 0 {
                    self.holes.push((d.session, d.conn, missing));
                }
            }
            Role::Undecided(_) | Role::Ignored => {}
        }
    }

    /// What an FTP session leaves for the warnings; its unlinked data
    /// connections learn that holes may have taken their announcement.
    fn ended(&mut self, s: &crate::replay::session::Session) {
        if s.missing > 0 {
            self.holes.push((s.number, 0, s.missing));
            for &at in &s.unlinked {
                if let Some(e) = self.sink.events.get_mut(at) {
                    if let Some(n) = e.note.as_mut().filter(|n| n.starts_with("unlinked:")) {
                        n.push_str(
                            "; the control connection has holes in this capture: the \
                             announcement may have been among the bytes it lost",
                        );
                    }
                }
            }
        }
        if let Some(missing) = s.missing_start() {
            self.joined.push((s.number, missing));
        }
    }

    /// A session on `server` proved to be FTP: the tails kept aside that
    /// spoke to it were FTP too.
    pub(super) fn confirm_tails(&mut self, server: std::net::SocketAddr) {
        if self.tails.iter().all(|s| s.server != server) {
            return;
        }
        let (mine, others) = std::mem::take(&mut self.tails)
            .into_iter()
            .partition(|s| s.server == server);
        self.tails = others;
        for s in mine {
            self.confirm_tail(s);
        }
    }

    /// Takes a tail for FTP (its server speaks FTP in this capture), its
    /// first event saying why.
    fn confirm_tail(&mut self, mut s: crate::replay::session::Session) {
        let first = self.sink.events.len();
        s.confirm(&mut self.sink);
        if let Some(e) = self.sink.events.get_mut(first) {
            let said = format!(
                "too little was said here to prove FTP (only words other protocols share, \
                 or none): taken for FTP because {} serves FTP elsewhere in this capture",
                s.server
            );
            e.note = Some(match e.note.take() {
                Some(n) => format!("{said}; {n}"),
                None => said,
            });
        }
        self.ended(&s);
    }

    /// Forgets connections idle for a minute that are not (yet) FTP: ignored
    /// ones, and candidates that never said a word (a port scan's SYNs).
    fn sweep(&mut self, ns: u64) {
        let sessions = &mut self.sessions;
        self.conns.retain(|_, c| {
            let idle = ns.saturating_sub(c.last_ns) > IDLE_NS;
            match c.role {
                Role::Ignored => !idle,
                Role::Undecided(_) => true,
                Role::Control(id) if idle => {
                    let unconfirmed = sessions.get(&id).is_none_or(|s| !s.is_ftp());
                    if unconfirmed {
                        sessions.remove(&id);
                    }
                    !unconfirmed
                }
                _ => true,
            }
        });
        let conns = &self.conns;
        self.dials.retain(|_, k| conns.contains_key(k));
        self.aliases.retain(|_, a| conns.contains_key(&a.to));
        // Sweep again only when the table has doubled: never once per packet.
        self.sweep_at = (self.conns.len() * 2).max(SWEEP_AT);
    }

    /// End of the capture: undecided dials are data, unanswered dials
    /// fail, counts are reported, tails of earlier sessions are judged.
    pub fn finish(mut self) -> Ending {
        let keys: Vec<Key> = self.conns.keys().copied().collect();
        for key in &keys {
            self.decide(*key, None);
        }
        for key in &keys {
            let Some(c) = self.conns.get(key) else {
                continue;
            };
            if let (Some((_, last)), false, Role::Data(_)) = (c.dialling, c.failed, &c.role) {
                self.fail_timeout(*key, last, "no answer to the SYN before the capture ended");
            }
        }
        for key in keys {
            let ns = self.conns.get(&key).map_or(0, |c| c.last_ns);
            self.remove(key, ns);
        }
        for s in std::mem::take(&mut self.tails) {
            if s.server.port() == 21 && s.said_something() {
                self.unproven.push(format!(
                    "{} → {} (port 21) said only {}: words other protocols share, and \
                     nothing else in the capture shows FTP there; not shown",
                    s.client,
                    s.server,
                    s.words()
                ));
            }
        }
        Ending {
            events: self.sink.events,
            undecrypted: self.sink.undecrypted,
            holes: self.holes,
            joined: self.joined,
            unproven: self.unproven,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::segment::{Segment, SYN};
    use std::net::SocketAddr;

    #[test]
    fn unanswered_syns_do_not_pile_up() {
        // A port scan: 200 000 SYNs, one per millisecond, none answered.
        let mut t = Tracker::new();
        let src: SocketAddr = "10.9.9.9:40000".parse().unwrap();
        for i in 0..200_000u64 {
            let dst = SocketAddr::new([10, 0, (i >> 16) as u8, (i >> 8) as u8].into(), i as u16);
            let seg = Segment {
                src: src.into(),
                dst: dst.into(),
                seq: 1,
                ack: 0,
                flags: SYN,
                len: 0,
                payload: &[],
            };
            t.segment(i * 1_000_000, &seg);
            assert!(t.conns.len() <= 2 * SWEEP_AT);
        }
        assert_eq!(
            t.sessions.len(),
            t.conns.len(),
            "no session outlives its connection"
        );
        let events = t.finish().events;
        assert!(events.is_empty(), "nothing here was FTP");
    }
}
