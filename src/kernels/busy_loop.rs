//! A busy loop the compiler cannot delete: every iteration advances a
//! xorshift64 state and the final state is the result.

use std::time::{Duration, Instant};

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline(always)]
fn step(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// Runs `iterations` steps of the loop and returns its final state, which
/// depends on every step.
pub fn busy_loop(iterations: u64) -> u64 {
    let mut state = SEED;
    for _ in 0..iterations {
        state = step(state);
    }
    state
}

/// Spins for `duration` (the seeds' endless `while (1)`, made to stop by itself)
/// and returns how many iterations ran.
pub fn busy_loop_for(duration: Duration) -> u64 {
    const BATCH: u64 = 4096;
    let start = Instant::now();
    let mut state = SEED;
    let mut iterations = 0u64;
    while start.elapsed() < duration {
        for _ in 0..BATCH {
            state = step(state);
        }
        iterations += BATCH;
    }
    // The state is never zero (xorshift keeps it non-zero); using it keeps
    // the loop alive.
    std::hint::black_box(state);
    iterations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_on_the_count() {
        assert_eq!(busy_loop(0), SEED);
        assert_ne!(busy_loop(1), busy_loop(2));
        assert_eq!(busy_loop(1000), busy_loop(1000));
    }

    #[test]
    fn timed_form_stops() {
        assert!(busy_loop_for(Duration::from_millis(5)) > 0);
        assert_eq!(busy_loop_for(Duration::ZERO), 0);
    }
}
