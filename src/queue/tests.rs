use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

const SHORT: Option<Duration> = Some(Duration::from_millis(50));
const LONG: Option<Duration> = Some(Duration::from_secs(10));
const NOW: Option<Duration> = Some(Duration::ZERO);

fn drain(queue: &Queue) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| queue.get(NOW).ok()).collect()
}

/// Waits (generously) until `condition` holds, so that a test can tell that
/// another thread has reached its blocking call.
fn eventually(condition: impl Fn() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < Duration::from_secs(10), "never happened");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn fifo_hands_out_oldest_first() {
    // Unbounded, ring and locked storage.
    for maxsize in [0, 3, RING_LIMIT + 1] {
        let queue = Queue::new(Kind::Fifo, maxsize, 0);
        for message in [b"a", b"b", b"c"] {
            queue.put(message, None).unwrap();
        }
        assert_eq!(queue.is_full(), maxsize == 3);
        assert_eq!(drain(&queue), [b"a", b"b", b"c"]);
    }
}

#[test]
fn lifo_hands_out_newest_first() {
    let queue = Queue::new(Kind::Lifo, 0, 0);
    for message in [b"a", b"b", b"c"] {
        queue.put(message, None).unwrap();
    }
    assert_eq!(drain(&queue), [b"c", b"b", b"a"]);
}

#[test]
fn priority_hands_out_lowest_first_then_oldest() {
    let queue = Queue::new(Kind::Priority, 0, 0);
    let puts: [(&[u8], i64); 6] = [
        (b"late", 5),
        (b"first", -3),
        (b"zero-a", 0),
        (b"zero-b", 0),
        (b"max", i64::MAX),
        (b"zero-c", 0),
    ];
    for (message, priority) in puts {
        queue.put_priority(message, priority, None).unwrap();
    }
    queue.put(b"zero-d", None).unwrap();
    let order: Vec<Vec<u8>> = drain(&queue);
    let expected: [&[u8]; 7] = [
        b"first", b"zero-a", b"zero-b", b"zero-c", b"zero-d", b"late", b"max",
    ];
    assert_eq!(order, expected);
}

#[test]
fn priorities_need_a_priority_queue() {
    let queue = Queue::new(Kind::Fifo, 0, 0);
    assert!(matches!(
        queue.put_priority(b"x", 1, None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(queue.is_empty());
}

#[test]
fn bounded_put_waits_for_room_and_times_out() {
    let queue = Queue::new(Kind::Fifo, 2, 0);
    queue.put(b"1", NOW).unwrap();
    queue.put(b"2", NOW).unwrap();
    assert!(queue.is_full());
    assert_eq!(queue.put(b"3", NOW), Err(Error::WouldBlock));
    let start = Instant::now();
    assert_eq!(queue.put(b"3", SHORT), Err(Error::Timeout));
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert_eq!(queue.len(), 2);
    assert_eq!(queue.unfinished_tasks(), 2);

    let queue = Arc::new(queue);
    let putter = {
        let queue = queue.clone();
        thread::spawn(move || queue.put(b"3", LONG))
    };
    thread::sleep(Duration::from_millis(20));
    assert_eq!(queue.get(NOW).unwrap(), b"1");
    putter.join().unwrap().unwrap();
    assert_eq!(drain(&queue), [b"2", b"3"]);
}

#[test]
fn get_waits_for_an_item_and_times_out() {
    let queue = Arc::new(Queue::new(Kind::Lifo, 0, 0));
    assert_eq!(queue.get(NOW), Err(Error::WouldBlock));
    let start = Instant::now();
    assert_eq!(queue.get_u64(SHORT), Err(Error::Timeout));
    assert!(start.elapsed() >= Duration::from_millis(50));

    let getter = {
        let queue = queue.clone();
        thread::spawn(move || queue.get_u64(LONG))
    };
    thread::sleep(Duration::from_millis(20));
    queue.put_u64(42, None).unwrap();
    assert_eq!(getter.join().unwrap(), Ok(42));
}

#[test]
fn shutdown_drains_then_reports_closed() {
    let queue = Queue::new(Kind::Fifo, 0, 0);
    queue.put(b"left", None).unwrap();
    assert_eq!(queue.shutdown(false), 0);
    assert!(queue.is_closed());
    assert_eq!(queue.put(b"late", None), Err(Error::Closed));
    assert_eq!(queue.put_u64(1, NOW), Err(Error::Closed));
    assert_eq!(queue.get(None).unwrap(), b"left");
    assert_eq!(queue.get(None), Err(Error::Closed));
    assert_eq!(queue.get(NOW), Err(Error::Closed));
    assert_eq!(queue.shutdown(false), 0);
}

#[test]
fn shutdown_wakes_every_blocked_thread() {
    let empty = Arc::new(Queue::new(Kind::Fifo, 0, 0));
    let full = Arc::new(Queue::new(Kind::Fifo, 1, 0));
    full.put(b"x", None).unwrap();
    let getters: Vec<_> = (0..3)
        .map(|_| {
            let empty = empty.clone();
            thread::spawn(move || empty.get(None))
        })
        .collect();
    let putters: Vec<_> = (0..3)
        .map(|_| {
            let full = full.clone();
            thread::spawn(move || full.put(b"y", None))
        })
        .collect();
    thread::sleep(Duration::from_millis(30));
    empty.shutdown(false);
    full.shutdown(false);
    for getter in getters {
        assert_eq!(getter.join().unwrap(), Err(Error::Closed));
    }
    for putter in putters {
        assert_eq!(putter.join().unwrap(), Err(Error::Closed));
    }
    assert_eq!(drain(&full), [b"x"]);
}

#[test]
fn immediate_shutdown_discards_and_counts_items_done() {
    let queue = Arc::new(Queue::new(Kind::Priority, 0, 0));
    for value in 0..5 {
        queue.put_u64(value, None).unwrap();
    }
    assert_eq!(queue.get_u64(None), Ok(0));
    let joiner = {
        let queue = queue.clone();
        thread::spawn(move || queue.join(LONG))
    };
    assert_eq!(queue.shutdown(true), 4);
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.unfinished_tasks(), 1);
    assert_eq!(queue.get(NOW), Err(Error::Closed));
    // The item fetched before the shutdown still counts until it is done.
    queue.task_done(1).unwrap();
    assert_eq!(joiner.join().unwrap(), Ok(()));
}

#[test]
fn abandoning_wakes_getters_putters_and_joiners() {
    let queue = Arc::new(Queue::new(Kind::Fifo, 1, 0));
    queue.put(b"fetched, never done", None).unwrap();
    queue.get(None).unwrap();
    queue.put(b"x", None).unwrap();
    let putter = {
        let queue = queue.clone();
        thread::spawn(move || queue.put(b"y", None))
    };
    let joiner = {
        let queue = queue.clone();
        thread::spawn(move || queue.join(None))
    };
    thread::sleep(Duration::from_millis(30));
    queue.close(true);
    assert_eq!(putter.join().unwrap(), Err(Error::Closed));
    assert_eq!(joiner.join().unwrap(), Err(Error::Closed));
    assert_eq!(queue.get(None), Err(Error::Closed));
}

#[test]
fn task_done_and_join() {
    let queue = Arc::new(Queue::new(Kind::Fifo, 0, 0));
    assert_eq!(queue.join(NOW), Ok(()));
    assert!(matches!(queue.task_done(1), Err(Error::InvalidArgument(_))));
    queue.put_many_u64(&[1, 2, 3], None).1.unwrap();
    assert_eq!(queue.join(NOW), Err(Error::WouldBlock));
    assert_eq!(queue.join(SHORT), Err(Error::Timeout));
    let worker = {
        let queue = queue.clone();
        thread::spawn(move || {
            while let Ok(_value) = queue.get_u64(SHORT) {
                queue.task_done(1).unwrap();
            }
        })
    };
    assert_eq!(queue.join(LONG), Ok(()));
    worker.join().unwrap();
    assert!(matches!(queue.task_done(1), Err(Error::InvalidArgument(_))));
    queue.put(b"a", None).unwrap();
    assert!(matches!(queue.task_done(2), Err(Error::InvalidArgument(_))));
    assert_eq!(queue.unfinished_tasks(), 1);
    queue.task_done(0).unwrap();
    queue.task_done(1).unwrap();
    assert_eq!(queue.join(NOW), Ok(()));
}

#[test]
fn a_small_buffer_keeps_the_item() {
    let queue = Queue::new(Kind::Fifo, 0, 0);
    queue.put(b"twelve bytes", None).unwrap();
    queue.put(b"", None).unwrap();
    let mut small = [0u8; 4];
    assert_eq!(queue.get_into(&mut small, None), Ok(Received::TooSmall(12)));
    assert_eq!(queue.len(), 2);
    let mut lengths = [0; 4];
    assert_eq!(
        queue.get_many_into(&mut small, &mut lengths, None),
        Ok(Received::TooSmall(12))
    );
    let mut exact = [0u8; 12];
    assert_eq!(queue.get_into(&mut exact, None), Ok(Received::Copied(12)));
    assert_eq!(&exact, b"twelve bytes");
    // A zero-length message is an item like any other, even into no buffer.
    assert_eq!(queue.get_into(&mut [], None), Ok(Received::Copied(0)));
    assert!(queue.is_empty());
}

#[test]
fn get_u64_leaves_other_items_in_place() {
    let queue = Queue::new(Kind::Fifo, 0, 0);
    queue.put(b"abc", None).unwrap();
    assert!(matches!(
        queue.get_u64(None),
        Err(Error::InvalidArgument(_))
    ));
    let mut values = [0; 2];
    assert!(matches!(
        queue.get_many_u64(&mut values, None),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(queue.get(None).unwrap(), b"abc");
    queue.put(&7u64.to_ne_bytes(), None).unwrap();
    assert_eq!(queue.get_u64(None), Ok(7));
}

#[test]
fn item_size_limit() {
    let queue = Queue::new(Kind::Fifo, 0, 16);
    assert_eq!(queue.max_item_size(), 16);
    queue.put(&[1; 16], None).unwrap();
    assert!(matches!(
        queue.put(&[1; 17], None),
        Err(Error::InvalidArgument(_))
    ));
    let (put, outcome) = queue.put_many([&[1u8; 3][..], &[2; 17], &[3; 1]], None);
    assert_eq!(put, 0);
    assert!(matches!(outcome, Err(Error::InvalidArgument(_))));
    assert_eq!(queue.len(), 1);
    let tiny = Queue::new(Kind::Fifo, 0, 4);
    assert!(matches!(
        tiny.put_u64(1, None),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(
        Queue::new(Kind::Fifo, 0, 0).max_item_size(),
        DEFAULT_MAX_ITEM_SIZE
    );
}

#[test]
fn batch_put_and_get() {
    let queue = Queue::new(Kind::Fifo, 0, 0);
    let long = vec![9u8; 100];
    let messages: [&[u8]; 4] = [b"one", b"", &long, b"four"];
    assert_eq!(queue.put_many(messages, None), (4, Ok(())));
    let mut buffer = [0u8; 105];
    let mut lengths = [0; 8];
    // Three fit in 105 bytes; the fourth waits for the next call.
    assert_eq!(
        queue.get_many_into(&mut buffer, &mut lengths, None),
        Ok(Received::Copied(3))
    );
    assert_eq!(&lengths[..3], [3, 0, 100]);
    assert_eq!(&buffer[..3], b"one");
    assert_eq!(&buffer[3..103], &long[..]);
    let mut one = [0; 1];
    assert_eq!(
        queue.get_many_into(&mut buffer, &mut one, None),
        Ok(Received::Copied(1))
    );
    assert_eq!(&buffer[..4], b"four");
    assert_eq!(
        queue.get_many_into(&mut buffer, &mut lengths, NOW),
        Err(Error::WouldBlock)
    );
    assert!(matches!(
        queue.get_many_into(&mut buffer, &mut [], NOW),
        Err(Error::InvalidArgument(_))
    ));

    queue.put_many_u64(&[1, 2, 3], None).1.unwrap();
    queue.put(b"not a value", None).unwrap();
    let mut values = [0; 8];
    assert_eq!(queue.get_many_u64(&mut values, None), Ok(3));
    assert_eq!(values[..3], [1, 2, 3]);
    assert_eq!(queue.len(), 1);
}

#[test]
fn batch_put_stops_when_full_or_closed() {
    let queue = Queue::new(Kind::Fifo, 3, 0);
    assert_eq!(
        queue.put_many_u64(&[1, 2, 3, 4, 5], NOW),
        (3, Err(Error::WouldBlock))
    );
    assert_eq!(queue.put_many_u64(&[4, 5], SHORT), (0, Err(Error::Timeout)));
    queue.shutdown(false);
    assert_eq!(queue.put_many_u64(&[4], None), (0, Err(Error::Closed)));
    let mut values = [0; 8];
    assert_eq!(queue.get_many_u64(&mut values, None), Ok(3));
    assert_eq!(values[..3], [1, 2, 3]);
    assert_eq!(queue.get_many_u64(&mut values, None), Err(Error::Closed));
}

#[test]
fn a_large_batch_flows_through_a_small_bounded_queue() {
    let queue = Arc::new(Queue::new(Kind::Fifo, 4, 0));
    let values: Vec<u64> = (0..1000).collect();
    let consumer = {
        let queue = queue.clone();
        thread::spawn(move || {
            let mut got = Vec::new();
            let mut batch = [0; 3];
            while let Ok(count) = queue.get_many_u64(&mut batch, None) {
                got.extend_from_slice(&batch[..count]);
            }
            got
        })
    };
    assert_eq!(queue.put_many_u64(&values, None), (1000, Ok(())));
    queue.shutdown(false);
    assert_eq!(consumer.join().unwrap(), values);
}

/// Many producers and consumers move `per_producer * producers` distinct
/// values through a bounded queue in batches; every value must come out
/// exactly once, and each producer's values in order.
fn move_values(queue: Queue, producers: u64, consumers: usize, per_producer: u64, batch: usize) {
    let kind = queue.kind();
    let queue = Arc::new(queue);
    let start = Arc::new(Barrier::new(producers as usize + consumers));
    let producer_threads: Vec<_> = (0..producers)
        .map(|producer| {
            let (queue, start) = (queue.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let mut values = Vec::with_capacity(batch);
                let mut next = 0;
                while next < per_producer {
                    values.clear();
                    let end = (next + batch as u64).min(per_producer);
                    values.extend((next..end).map(|sequence| producer << 48 | sequence));
                    assert_eq!(queue.put_many_u64(&values, None), (values.len(), Ok(())));
                    next = end;
                }
            })
        })
        .collect();
    let consumer_threads: Vec<_> = (0..consumers)
        .map(|_| {
            let (queue, start) = (queue.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let (mut count, mut sum, mut mixed) = (0u64, 0u64, 0u64);
                let mut last_seen = vec![None; producers as usize];
                let mut values = vec![0; batch];
                while let Ok(taken) = queue.get_many_u64(&mut values, None) {
                    for &value in &values[..taken] {
                        let (producer, sequence) =
                            ((value >> 48) as usize, value & 0xffff_ffff_ffff);
                        if kind == Kind::Fifo {
                            assert!(last_seen[producer] < Some(sequence), "FIFO per producer");
                            last_seen[producer] = Some(sequence);
                        }
                        count += 1;
                        sum = sum.wrapping_add(value);
                        mixed = mixed.wrapping_add(value.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    }
                }
                (count, sum, mixed)
            })
        })
        .collect();
    for producer in producer_threads {
        producer.join().unwrap();
    }
    queue.shutdown(false);
    let (mut count, mut sum, mut mixed) = (0u64, 0u64, 0u64);
    for consumer in consumer_threads {
        let (c, s, m) = consumer.join().unwrap();
        count += c;
        sum = sum.wrapping_add(s);
        mixed = mixed.wrapping_add(m);
    }
    let values = (0..producers).flat_map(|p| (0..per_producer).map(move |s| p << 48 | s));
    let (expected_sum, expected_mixed) = values.fold((0u64, 0u64), |(sum, mixed), value| {
        (
            sum.wrapping_add(value),
            mixed.wrapping_add(value.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        )
    });
    assert_eq!(
        count,
        producers * per_producer,
        "no value lost or duplicated"
    );
    assert_eq!(sum, expected_sum);
    assert_eq!(mixed, expected_mixed);
    assert!(queue.is_empty());
}

#[test]
fn ten_million_values_through_four_producers_and_four_consumers() {
    move_values(Queue::new(Kind::Fifo, 1024, 0), 4, 4, 2_500_000, 256);
}

#[test]
fn single_items_through_every_storage_lose_nothing() {
    for kind in [Kind::Fifo, Kind::Lifo, Kind::Priority] {
        for maxsize in [0, 1024] {
            move_values(Queue::new(kind, maxsize, 0), 3, 3, 20_000, 1);
            move_values(Queue::new_values(kind, maxsize), 3, 3, 20_000, 1);
        }
    }
    // A ring of one slot: every put waits for a get.
    move_values(Queue::new_values(Kind::Fifo, 1), 2, 2, 20_000, 1);
}

#[test]
fn batches_through_value_storage_lose_nothing() {
    // Odd sizes make batch claims stop at the end of a ring's lap and of a
    // list's block.
    for maxsize in [0, 1, 3, 7, 1024] {
        for batch in [1, 5, 64, 100] {
            move_values(Queue::new_values(Kind::Fifo, maxsize), 3, 3, 20_000, batch);
        }
    }
    move_values(Queue::new_values(Kind::Fifo, 1024), 4, 4, 2_500_000, 256);
}

#[test]
fn puts_racing_a_shutdown_are_refused_or_delivered() {
    for maxsize in [0, 64, RING_LIMIT + 1] {
        for values in [false, true] {
            let queue = Arc::new(if values {
                Queue::new_values(Kind::Fifo, maxsize)
            } else {
                Queue::new(Kind::Fifo, maxsize, 0)
            });
            let producers: Vec<_> = (0..2)
                .map(|_| {
                    let queue = queue.clone();
                    thread::spawn(move || {
                        let mut put = 0u64;
                        while queue.put_u64(put, None).is_ok() {
                            put += 1;
                        }
                        put
                    })
                })
                .collect();
            let consumer = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut got = 0u64;
                    while queue.get_u64(None).is_ok() {
                        got += 1;
                    }
                    got
                })
            };
            eventually(|| queue.unfinished_tasks() > 10_000);
            queue.shutdown(false);
            let put: u64 = producers.into_iter().map(|p| p.join().unwrap()).sum();
            assert_eq!(consumer.join().unwrap(), put, "maxsize {maxsize}");
            assert_eq!(queue.unfinished_tasks() as u64, put);
            queue.task_done(put as usize).unwrap();
            assert_eq!(queue.unfinished_tasks(), 0);
        }
    }
}

#[test]
fn value_queues_take_only_eight_byte_items() {
    for kind in [Kind::Fifo, Kind::Lifo, Kind::Priority] {
        for maxsize in [0, 4] {
            let queue = Queue::new_values(kind, maxsize);
            assert!(queue.holds_values());
            assert_eq!(queue.max_item_size(), 8);
            for bad in [&b""[..], b"1234567", b"123456789"] {
                assert!(matches!(
                    queue.put(bad, NOW),
                    Err(Error::InvalidArgument(_))
                ));
            }
            queue.put(&7u64.to_ne_bytes(), NOW).unwrap();
            queue.put_u64(8, NOW).unwrap();
            assert_eq!(queue.len(), 2);
            let first = queue.get(NOW).unwrap();
            let second = queue.get_u64(NOW).unwrap();
            let mut got = [u64::from_ne_bytes(first.try_into().unwrap()), second];
            got.sort();
            assert_eq!(got, [7, 8]);
            queue.shutdown(false);
            assert_eq!(queue.put_u64(9, NOW), Err(Error::Closed));
            assert_eq!(queue.get_u64(NOW), Err(Error::Closed));
        }
    }
}

#[test]
fn a_getter_whose_buffer_is_too_small_passes_the_item_on() {
    let queue = Arc::new(Queue::new(Kind::Fifo, 0, 0));
    let waiting = Arc::new(AtomicUsize::new(0));
    let small = {
        let (queue, waiting) = (queue.clone(), waiting.clone());
        thread::spawn(move || {
            waiting.fetch_add(1, Ordering::SeqCst);
            queue.get_into(&mut [0; 2], LONG)
        })
    };
    let large = {
        let (queue, waiting) = (queue.clone(), waiting.clone());
        thread::spawn(move || {
            waiting.fetch_add(1, Ordering::SeqCst);
            let mut buffer = [0; 64];
            queue.get_into(&mut buffer, LONG)
        })
    };
    eventually(|| waiting.load(Ordering::SeqCst) == 2);
    thread::sleep(Duration::from_millis(30));
    queue.put(b"a long message", None).unwrap();
    // Whichever getter wakes first, the item ends up with the large buffer.
    assert_eq!(large.join().unwrap(), Ok(Received::Copied(14)));
    queue.shutdown(false);
    let small = small.join().unwrap();
    assert!(small == Ok(Received::TooSmall(14)) || small == Err(Error::Closed));
}

mod topics {
    use super::*;

    #[test]
    fn publish_fans_out_to_every_subscriber() {
        let topic = Topic::new();
        let fifo = Arc::new(Queue::new(Kind::Fifo, 0, 0));
        let lifo = Arc::new(Queue::new(Kind::Lifo, 0, 0));
        assert_eq!(topic.publish(b"nobody", None), Ok(Delivery::default()));
        topic.subscribe(fifo.clone()).unwrap();
        topic.subscribe(lifo.clone()).unwrap();
        assert!(matches!(
            topic.subscribe(fifo.clone()),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(topic.subscribers(), 2);
        for message in [&b"1"[..], b"2"] {
            let delivery = topic.publish(message, None).unwrap();
            assert_eq!(delivery.delivered, 2);
        }
        assert_eq!(drain(&fifo), [b"1", b"2"]);
        assert_eq!(drain(&lifo), [b"2", b"1"]);
        topic.unsubscribe(&lifo).unwrap();
        assert!(matches!(
            topic.unsubscribe(&lifo),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(topic.publish(b"3", None).unwrap().delivered, 1);
        assert!(lifo.is_empty());
    }

    #[test]
    fn a_full_subscriber_misses_or_waits() {
        let topic = Arc::new(Topic::new());
        let full = Arc::new(Queue::new(Kind::Fifo, 1, 0));
        let open = Arc::new(Queue::new(Kind::Fifo, 0, 0));
        topic.subscribe(full.clone()).unwrap();
        topic.subscribe(open.clone()).unwrap();
        full.put(b"old", None).unwrap();
        let delivery = topic.publish(b"dropped", NOW).unwrap();
        assert_eq!(
            delivery,
            Delivery {
                delivered: 1,
                missed: 1
            }
        );
        assert_eq!(topic.publish(b"dropped", SHORT).unwrap().missed, 1);

        // Without a timeout, publish waits for the consumer (back-pressure).
        let publisher = {
            let topic = topic.clone();
            thread::spawn(move || topic.publish(b"kept", None))
        };
        thread::sleep(Duration::from_millis(20));
        assert_eq!(full.get(None).unwrap(), b"old");
        assert_eq!(publisher.join().unwrap().unwrap().delivered, 2);
        assert_eq!(full.get(None).unwrap(), b"kept");
        assert_eq!(drain(&open), [&b"dropped"[..], b"dropped", b"kept"]);
    }

    #[test]
    fn closed_subscribers_are_dropped() {
        let topic = Topic::new();
        let queue = Arc::new(Queue::new(Kind::Fifo, 0, 0));
        topic.subscribe(queue.clone()).unwrap();
        queue.shutdown(false);
        assert_eq!(topic.publish(b"x", None).unwrap().delivered, 0);
        assert_eq!(topic.subscribers(), 0);
    }

    #[test]
    fn oversized_messages_reach_nobody() {
        let topic = Topic::new();
        let roomy = Arc::new(Queue::new(Kind::Fifo, 0, 0));
        let tight = Arc::new(Queue::new(Kind::Fifo, 0, 2));
        topic.subscribe(roomy.clone()).unwrap();
        topic.subscribe(tight).unwrap();
        assert!(matches!(
            topic.publish(b"abc", None),
            Err(Error::InvalidArgument(_))
        ));
        assert!(roomy.is_empty());
    }

    #[test]
    fn closing_wakes_a_blocked_publisher() {
        let topic = Arc::new(Topic::new());
        let full = Arc::new(Queue::new(Kind::Fifo, 1, 0));
        full.put(b"x", None).unwrap();
        topic.subscribe(full.clone()).unwrap();
        let publisher = {
            let topic = topic.clone();
            thread::spawn(move || topic.publish(b"y", None))
        };
        thread::sleep(Duration::from_millis(30));
        topic.close();
        assert_eq!(publisher.join().unwrap(), Err(Error::Closed));
        assert_eq!(topic.publish(b"z", None), Err(Error::Closed));
        assert_eq!(topic.subscribe(full.clone()), Err(Error::Closed));
        assert_eq!(topic.subscribers(), 0);
        assert_eq!(drain(&full), [b"x"]);
    }

    #[test]
    fn subscribers_come_and_go_while_messages_flow() {
        const MESSAGES: u64 = 20_000;
        let topic = Arc::new(Topic::new());
        let steady = Arc::new(Queue::new(Kind::Fifo, 64, 0));
        topic.subscribe(steady.clone()).unwrap();
        let publisher = {
            let topic = topic.clone();
            thread::spawn(move || {
                for value in 0..MESSAGES {
                    topic.publish(&value.to_ne_bytes(), None).unwrap();
                }
            })
        };
        let reader = {
            let steady = steady.clone();
            thread::spawn(move || {
                (0..MESSAGES)
                    .map(|_| steady.get_u64(LONG).unwrap())
                    .collect::<Vec<_>>()
            })
        };
        // Transient subscribers see a gap-free, in-order run of messages.
        for _ in 0..50 {
            let transient = Arc::new(Queue::new(Kind::Fifo, 0, 0));
            topic.subscribe(transient.clone()).unwrap();
            thread::sleep(Duration::from_micros(200));
            topic.unsubscribe(&transient).unwrap();
            let mut values = Vec::new();
            while let Ok(value) = transient.get_u64(NOW) {
                values.push(value);
            }
            assert!(values.windows(2).all(|pair| pair[1] == pair[0] + 1));
        }
        publisher.join().unwrap();
        assert_eq!(reader.join().unwrap(), (0..MESSAGES).collect::<Vec<_>>());
        assert_eq!(topic.subscribers(), 1);
    }
}

#[test]
fn attachments_go_to_attached_gets_or_to_the_release_function() {
    use std::sync::{Arc, Mutex};
    let released = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&released);
    let queue = Queue::with_release(
        Kind::Fifo,
        2,
        0,
        Box::new(move |attachment| sink.lock().unwrap().push(attachment)),
    );
    queue.put_attached(b"a", None, 1, None).unwrap();
    queue.put_attached(b"b", None, 0, None).unwrap();
    assert_eq!(queue.take_attachment(), Some(1));
    // An item without one stays next, and still fills its place.
    assert_eq!(queue.take_attachment(), None);
    queue.put_attached(b"c", None, 3, None).unwrap();
    assert_eq!(
        queue.put_attached(b"d", None, 4, Some(Duration::ZERO)),
        Err(Error::WouldBlock)
    );
    assert_eq!(queue.get(None).unwrap(), b"b");
    assert_eq!(queue.get(None).unwrap(), b"c");
    assert_eq!(*released.lock().unwrap(), vec![3]);
    queue.put_attached(b"e", None, 5, None).unwrap();
    drop(queue);
    assert_eq!(*released.lock().unwrap(), vec![3, 5]);
}

#[test]
fn a_plain_queue_takes_no_attachment() {
    let queue = Queue::new(Kind::Fifo, 0, 0);
    assert!(matches!(
        queue.put_attached(b"x", None, 9, None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        queue.put_attached(b"x", Some(Key::Int(1)), 0, None),
        Err(Error::InvalidArgument(_))
    ));
}
