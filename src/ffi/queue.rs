//! Queues and publish/subscribe.
