//! Slots: how many sessions the server holds at once, in all and per
//! client address.
//!
//! Every session costs a socket, a task and some buffers, so a server caps
//! them; the next client gets `421` ("service not available, closing
//! control connection", RFC 959 §4.2) and is hung up on. One cap alone is
//! not enough: a single host that opens a thousand idle connections would
//! take every slot and lock the classroom out. So there are two, as in
//! vsftpd (`max_clients`, `max_per_ip`): a generous total, and a smaller
//! share for any one address.
//!
//! A slot is held by a [`Slot`] value and given back the moment it is
//! dropped — a session drops its slot as soon as it ends (before its
//! goodbye goes out), so a client that reconnects right after `QUIT` finds
//! its slot free.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The two caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Sessions at once, in all.
    pub total: usize,
    /// Sessions at once from one client address.
    pub per_address: usize,
}

/// Why a client got no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Full {
    #[error("Too many sessions ({0} at once): try again later")]
    Total(usize),
    #[error("Too many sessions from your address ({0} at once): try again later")]
    Address(usize),
}

#[derive(Debug, Default)]
struct Taken {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// The server's slots, shared by its accept loop and its sessions.
#[derive(Debug, Clone)]
pub struct Slots {
    caps: Caps,
    taken: Arc<Mutex<Taken>>,
}

/// One session's slot; dropping it frees it.
#[derive(Debug)]
pub struct Slot {
    ip: IpAddr,
    taken: Arc<Mutex<Taken>>,
}

impl Slots {
    pub fn new(caps: Caps) -> Slots {
        Slots {
            caps,
            taken: Arc::default(),
        }
    }

    /// A slot for a client at `ip`, if both caps allow.
    pub fn take(&self, ip: IpAddr) -> Result<Slot, Full> {
        let ip = ip.to_canonical();
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        if taken.total >= self.caps.total {
            return Err(Full::Total(self.caps.total));
        }
        let mine = taken.by_address.entry(ip).or_insert(0);
        if *mine >= self.caps.per_address {
            return Err(Full::Address(self.caps.per_address));
        }
        *mine += 1;
        taken.total += 1;
        Ok(Slot {
            ip,
            taken: self.taken.clone(),
        })
    }

    /// Sessions holding a slot now.
    pub fn in_use(&self) -> usize {
        self.taken.lock().map_or(0, |t| t.total)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        taken.total = taken.total.saturating_sub(1);
        if let Some(n) = taken.by_address.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                // Forget the address: a map of every client ever seen
                // would grow without end.
                taken.by_address.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_caps_hold_and_a_dropped_slot_is_free_at_once() {
        let slots = Slots::new(Caps {
            total: 3,
            per_address: 2,
        });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let one = slots.take(a).unwrap();
        let _two = slots.take(a).unwrap();
        assert_eq!(slots.take(a).unwrap_err(), Full::Address(2));
        let _three = slots.take(b).unwrap();
        assert_eq!(slots.take(b).unwrap_err(), Full::Total(3));
        drop(one);
        assert!(slots.take(a).is_ok());
        assert_eq!(slots.in_use(), 3 - 1);
    }

    #[test]
    fn a_mapped_address_is_the_same_client() {
        let slots = Slots::new(Caps {
            total: 10,
            per_address: 1,
        });
        let _v4 = slots.take("127.0.0.1".parse().unwrap()).unwrap();
        assert!(slots.take("::ffff:127.0.0.1".parse().unwrap()).is_err());
    }
}
