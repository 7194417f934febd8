//! What an honest trace looks like, connection by connection (the Trace
//! contract in DESIGN): a dial first; then either one `accept`, in the name
//! of the side that accepted (the listener), or one `fail`; and an accepted
//! connection gets exactly one `close`, after everything it carried.

#![allow(dead_code)]

use ftpviz::trace::{Event, Kind, Side};
use std::collections::BTreeMap;

/// The events of each (session, conn), in order.
pub fn connections(events: &[Event]) -> BTreeMap<(u32, u32), Vec<&Event>> {
    let mut by: BTreeMap<(u32, u32), Vec<&Event>> = BTreeMap::new();
    for e in events {
        by.entry((e.session, e.conn)).or_default().push(e);
    }
    by
}

/// Every `accept` is recorded in the listener's name: the server for a
/// control connection, the side that did not dial for a data connection.
pub fn assert_accepts_from_the_listener(events: &[Event]) {
    for ((session, conn), of) in connections(events) {
        let Some(dialler) = of.iter().find_map(|e| match e.kind {
            Kind::Connect { .. } => Some(e.from),
            _ => None,
        }) else {
            continue;
        };
        if conn == 0 {
            assert_eq!(dialler, Side::Client, "session {session}: the client dials");
        }
        for accept in of.iter().filter(|e| e.kind == Kind::Accept) {
            assert_eq!(
                accept.from,
                dialler.peer(),
                "session {session} conn {conn}: accept from the listener"
            );
        }
    }
}

/// The whole contract, for every connection of `events` (a trace that has
/// ended: every accepted connection closed).
pub fn assert_honest(events: &[Event]) {
    assert_accepts_from_the_listener(events);
    for ((session, conn), of) in connections(events) {
        let at = format!("session {session} conn {conn}: {:?}", kinds(&of));
        assert!(
            matches!(of.first().map(|e| &e.kind), Some(Kind::Connect { .. })),
            "{at}: starts with its dial"
        );
        let count = |f: fn(&Kind) -> bool| of.iter().filter(|e| f(&e.kind)).count();
        assert_eq!(
            count(|k| matches!(k, Kind::Connect { .. })),
            1,
            "{at}: one dial"
        );
        let accepts = count(|k| *k == Kind::Accept);
        let fails = count(|k| matches!(k, Kind::Fail { .. }));
        assert_eq!(accepts + fails, 1, "{at}: accepted or failed, once");
        if accepts == 1 {
            assert_eq!(count(|k| *k == Kind::Close), 1, "{at}: closed once");
            let closed_last = match conn {
                // Nothing is said on a control connection after its close.
                0 => of.last().is_some_and(|e| e.kind == Kind::Close),
                // No byte counted after the FIN.
                _ => of
                    .iter()
                    .skip_while(|e| e.kind != Kind::Close)
                    .all(|e| !matches!(e.kind, Kind::Data { .. })),
            };
            assert!(closed_last, "{at}: nothing after the close");
        }
    }
}

/// How many sessions the trace has.
pub fn session_count(events: &[Event]) -> usize {
    let mut s: Vec<u32> = events.iter().map(|e| e.session).collect();
    s.sort_unstable();
    s.dedup();
    s.len()
}

fn kinds(of: &[&Event]) -> Vec<&'static str> {
    of.iter().map(|e| e.kind.name()).collect()
}
