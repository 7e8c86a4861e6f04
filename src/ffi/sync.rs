//! Locks and events.
