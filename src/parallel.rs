//! Work on many items a few at a time, stopping at the first failure:
//! downloads (`sync::fetch`) and installs (`install::install_all`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Runs `work` on the items of `items` on up to `jobs` threads. Once one
/// fails, no new item starts (those running finish). The results come
/// back in the items' order; items that never started have none, so the
/// first error in the list is the one to report, the same from run to run.
pub fn try_each<T, R, E>(
    items: &[T],
    jobs: usize,
    work: impl Fn(usize, &T) -> Result<R, E> + Sync,
) -> Vec<Result<R, E>>
where
    T: Sync,
    R: Send,
    E: Send,
{
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<(usize, Result<R, E>)>> = Mutex::default();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(at) else {
                        break;
                    };
                    let result = work(at, item);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    results
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((at, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
    results.sort_by_key(|(at, _)| *at);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_order_and_no_new_work_after_a_failure() {
        let items: Vec<u32> = (0..50).collect();
        let all = try_each(&items, 4, |_, n| Ok::<u32, ()>(n * 2));
        assert_eq!(all, items.iter().map(|n| Ok(n * 2)).collect::<Vec<_>>());

        let started = AtomicUsize::new(0);
        let results = try_each(&items, 1, |at, _| {
            started.fetch_add(1, Ordering::Relaxed);
            if at == 3 { Err(at) } else { Ok(at) }
        });
        assert_eq!(results, [Ok(0), Ok(1), Ok(2), Err(3)]);
        assert_eq!(started.load(Ordering::Relaxed), 4);
    }
}
