//! Independent work over the checked model, on the machine's cores, with results in a
//! fixed order: the check families and the targets read the model only, and what they
//! return must not depend on which finished first.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::Model;

/// Labs with fewer machines are worked through on one thread. Threads cost CPU (their
/// stacks and their own allocator heaps, touched for the first time) that a small lab's
/// work does not win back: ORION's build took 1.4 ms more CPU with them, and no less time.
const SPREAD_FROM_MACHINES: usize = 100;

/// `f` applied to every item, in the order of `items`: the same result as
/// `items.iter().map(f).collect()`. For a lab of [`SPREAD_FROM_MACHINES`] machines or
/// more, on up to as many threads as the machine has cores; each takes the next item not
/// yet taken, so one slow item does not hold up the rest (put the slowest first).
pub fn map<T: Sync, R: Send + Sync>(
    model: &Model,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if model.machines.len() < SPREAD_FROM_MACHINES {
        return spread(1, items, f);
    }
    map_on_cores(items, f)
}

/// Where independent work runs when the caller decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// On the machine's cores: an editor waits for the answer, so time to it counts.
    Cores,
    /// On the calling thread: a command run once (a CI job, a terminal) pays in CPU time
    /// and memory, and a second thread costs both (its stack and its own allocator heap,
    /// touched for the first time: about 5 MiB resident and 1 ms of CPU in a check of
    /// 10,000 guests, for 2 ms less time).
    Here,
}

/// `f` applied to every item, in the order of `items`, spread as `spread` says.
pub fn map_spread<T: Sync, R: Send + Sync>(
    spread: Spread,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    match spread {
        Spread::Cores => map_on_cores(items, f),
        Spread::Here => self::spread(1, items, f),
    }
}

/// [`map`] on the machine's cores whatever the lab's size, for work on the path from a
/// keystroke to its diagnostics: there the time counts, not the CPU (the check families
/// of ORION take about 1 ms less on two cores).
pub fn map_on_cores<T: Sync, R: Send + Sync>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    spread(
        std::thread::available_parallelism().map_or(1, usize::from),
        items,
        f,
    )
}

/// `f` applied to every item on `workers` threads, results in the order of `items`.
fn spread<T: Sync, R: Send + Sync>(
    workers: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let workers = workers.min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Vec<OnceLock<R>> = items.iter().map(|_| OnceLock::new()).collect();
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else {
            break;
        };
        let _ = done[i].set(f(item));
    };
    // On the threads of one pool that lives as long as the process, not on threads
    // started for this work: a new thread starts a heap of its own in the allocator, in
    // memory never touched before, so each one zeroed a few huge pages before doing
    // anything (in the language server, a few milliseconds of every keystroke in a
    // 5,000-guest lab went to that). The pool's threads keep their heaps from one piece
    // of work to the next.
    rayon::scope(|scope| {
        for _ in 1..workers {
            scope.spawn(|_| work());
        }
        work();
    });
    // Every slot is set: the loop above leaves no index untaken, and a panic in `f`
    // propagates out of the scope before this point.
    done.into_iter().filter_map(OnceLock::into_inner).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_the_items() {
        let items: Vec<u64> = (0..200).collect();
        let squares = super::spread(3, &items, |i| {
            // Later items finish first.
            std::thread::sleep(std::time::Duration::from_micros(200 - i));
            i * i
        });
        assert_eq!(squares, items.iter().map(|i| i * i).collect::<Vec<_>>());
    }
}
