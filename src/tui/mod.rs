//! The terminal user interface.
//!
//! (Skeleton: the TUI issue fills this in.)
