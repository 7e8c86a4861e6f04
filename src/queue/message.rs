//! One queued item: a byte message owned by the queue, and optionally an
//! attachment.
//!
//! Short messages (up to [`INLINE_CAPACITY`] bytes, which covers every 64-bit
//! value) live inside the queue's own storage, so putting and getting them
//! allocates nothing; longer ones get one exact-size heap allocation.
//!
//! An attachment is an opaque pointer-sized token (0 = none) that travels
//! with the message: a binding's reference to one of its own objects. The
//! queue never looks inside it; whoever takes the item out takes the token
//! too (see `Queue::release`).

use crate::{Error, Result};

/// Longest message stored without a heap allocation.
pub const INLINE_CAPACITY: usize = 22;

/// A message copied in from the caller (its bytes are immutable) and its
/// attachment.
pub(crate) struct Message {
    body: Body,
    /// 0 = none.
    pub(crate) attachment: usize,
}

enum Body {
    /// A short message, `len` bytes at the start of `bytes`.
    Inline {
        len: u8,
        bytes: [u8; INLINE_CAPACITY],
    },
    /// A longer message.
    Heap(Box<[u8]>),
}

impl Message {
    /// Copies `bytes`; reports `NoMemory` instead of aborting when a long
    /// message cannot be allocated.
    pub(crate) fn copy_of(bytes: &[u8]) -> Result<Message> {
        if bytes.len() <= INLINE_CAPACITY {
            let mut inline = [0; INLINE_CAPACITY];
            inline[..bytes.len()].copy_from_slice(bytes);
            return Ok(Message::from_body(Body::Inline {
                len: bytes.len() as u8,
                bytes: inline,
            }));
        }
        let mut heap = Vec::new();
        heap.try_reserve_exact(bytes.len())
            .map_err(|_| Error::NoMemory)?;
        heap.extend_from_slice(bytes);
        Ok(Message::from_body(Body::Heap(heap.into_boxed_slice())))
    }

    fn from_body(body: Body) -> Message {
        Message {
            body,
            attachment: 0,
        }
    }

    /// The message with `attachment` (0 = none) attached.
    pub(crate) fn attached(mut self, attachment: usize) -> Message {
        self.attachment = attachment;
        self
    }

    /// The 8 bytes of `value` in native byte order.
    pub(crate) fn from_u64(value: u64) -> Message {
        let mut inline = [0; INLINE_CAPACITY];
        inline[..8].copy_from_slice(&value.to_ne_bytes());
        Message::from_body(Body::Inline {
            len: 8,
            bytes: inline,
        })
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match &self.body {
            Body::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Body::Heap(bytes) => bytes,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match &self.body {
            Body::Inline { len, .. } => usize::from(*len),
            Body::Heap(bytes) => bytes.len(),
        }
    }

    /// The message as a 64-bit value, when it is exactly 8 bytes long.
    pub(crate) fn to_u64(&self) -> Option<u64> {
        self.as_bytes().try_into().ok().map(u64::from_ne_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_messages_keep_their_bytes() {
        for len in [0, 1, 8, INLINE_CAPACITY, INLINE_CAPACITY + 1, 1000] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let message = Message::copy_of(&bytes).unwrap();
            assert_eq!(message.as_bytes(), &bytes[..]);
            assert_eq!(message.len(), len);
            assert_eq!(
                matches!(message.body, Body::Inline { .. }),
                len <= INLINE_CAPACITY
            );
        }
    }

    #[test]
    fn values_round_trip_as_eight_bytes() {
        let message = Message::from_u64(u64::MAX - 5);
        assert_eq!(message.to_u64(), Some(u64::MAX - 5));
        assert_eq!(message.as_bytes(), &(u64::MAX - 5).to_ne_bytes());
        assert_eq!(Message::copy_of(&[1, 2, 3]).unwrap().to_u64(), None);
        assert_eq!(std::mem::size_of::<Message>(), 32);
        assert_eq!(Message::from_u64(1).attached(7).attachment, 7);
    }
}
