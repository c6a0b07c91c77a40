//! Numbers shared by the parts that summarize measurements: one median.
//!
//! There used to be four, which disagreed on an empty input (NaN, 0.0, a
//! panic) and on how they averaged the two middle values. Now there is one
//! definition, and each caller says what an empty input means to it.

/// The median of `values` in `f64::total_cmp` order: the middle value, or
/// the mean of the two middle values for an even count; `None` when there is
/// no value. `scratch` is reused so that a caller computing many medians
/// (change-point detection) does not allocate each time.
pub fn median_with(values: &[f64], scratch: &mut Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    scratch.clear();
    scratch.extend_from_slice(values);
    let mid = scratch.len() / 2;
    // Selection, not a sort: O(n), and only the middle is needed.
    let (lower, upper, _) = scratch.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if values.len() % 2 == 1 {
        return Some(upper);
    }
    let lower = lower
        .iter()
        .copied()
        .max_by(f64::total_cmp)
        .unwrap_or(upper);
    // Halves first: the sum of two huge values would overflow, and halving
    // is exact, so this rounds as (a + b) / 2 does wherever that is finite.
    Some(lower / 2.0 + upper / 2.0)
}

/// [`median_with`] with a scratch buffer of its own.
pub fn median(values: &[f64]) -> Option<f64> {
    median_with(values, &mut Vec::with_capacity(values.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_even_empty_and_huge() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
        assert_eq!(median(&[4.0]), Some(4.0));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::MAX, f64::MAX]), Some(f64::MAX));
        assert_eq!(median(&[-0.5, 0.5]), Some(0.0));
    }

    #[test]
    fn agrees_with_sorting_on_many_inputs() {
        let mut scratch = Vec::new();
        let mut x = 12345u64;
        for n in 1..60 {
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((x >> 33) % 1000) as f64 / 7.0
                })
                .collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let want = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            };
            assert_eq!(median_with(&values, &mut scratch), Some(want), "{values:?}");
        }
    }
}
