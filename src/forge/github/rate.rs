//! GitHub's rate limits, read from a response.
//!
//! GitHub refuses a request it will not serve with 403 or 429 and says how
//! long to wait in one of three ways (its "Rate limits for the REST API"
//! documentation): `Retry-After` seconds (secondary limits), or
//! `x-ratelimit-remaining: 0` with `x-ratelimit-reset` as epoch seconds
//! (primary limits), or only a message naming a secondary limit, in which case
//! the advice is to wait at least a minute. A refused request was not acted
//! on, so sending it again is safe even for a write; anything else that fails
//! is not a rate limit and is never retried from here.

use std::time::Duration;

use http::HeaderMap;

/// How long GitHub asks to wait when it refused a request as rate limited;
/// `None` when the response is not a rate-limit refusal.
pub fn refusal_wait(
    status: u16,
    headers: &HeaderMap,
    body: &str,
    now_epoch: u64,
) -> Option<Duration> {
    if status != 403 && status != 429 {
        return None;
    }
    if let Some(secs) = header_u64(headers, "retry-after") {
        return Some(Duration::from_secs(secs));
    }
    if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
        let reset = header_u64(headers, "x-ratelimit-reset").unwrap_or(now_epoch + 60);
        // One second more: the reset time is rounded down to whole seconds.
        return Some(Duration::from_secs(reset.saturating_sub(now_epoch) + 1));
    }
    let lower = body.to_ascii_lowercase();
    if lower.contains("secondary rate limit") || lower.contains("abuse detection") {
        return Some(Duration::from_secs(60));
    }
    // A 403 for permissions, or a 429 without any advice: 429 still means
    // "too many", so wait a little; a plain 403 is a real refusal.
    (status == 429).then_some(Duration::from_secs(5))
}

/// After a successful response: when the budget is spent, the time to hold
/// further requests until it resets, so the next one is not refused.
pub fn exhausted_until(headers: &HeaderMap) -> Option<u64> {
    (header_u64(headers, "x-ratelimit-remaining") == Some(0))
        .then(|| header_u64(headers, "x-ratelimit-reset"))
        .flatten()
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Seconds since the epoch, for comparing with `x-ratelimit-reset`.
pub fn now_epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn primary_limit_waits_until_the_reset() {
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1010"),
        ]);
        assert_eq!(
            refusal_wait(403, &h, "", 1000),
            Some(Duration::from_secs(11))
        );
        assert_eq!(
            refusal_wait(429, &h, "", 1000),
            Some(Duration::from_secs(11))
        );
        // A reset already past still waits a moment rather than hammering.
        assert_eq!(
            refusal_wait(403, &h, "", 2000),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn secondary_limits_follow_retry_after_or_wait_a_minute() {
        let h = headers(&[("retry-after", "7"), ("x-ratelimit-remaining", "12")]);
        assert_eq!(refusal_wait(403, &h, "", 0), Some(Duration::from_secs(7)));
        let body = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
        assert_eq!(
            refusal_wait(403, &HeaderMap::new(), body, 0),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn other_failures_are_not_rate_limits() {
        let h = headers(&[("x-ratelimit-remaining", "4999")]);
        assert_eq!(
            refusal_wait(
                403,
                &h,
                r#"{"message":"Resource not accessible by integration"}"#,
                0
            ),
            None
        );
        assert_eq!(refusal_wait(422, &h, "", 0), None);
        assert_eq!(
            refusal_wait(500, &headers(&[("retry-after", "1")]), "", 0),
            None
        );
        assert_eq!(refusal_wait(200, &h, "", 0), None);
    }

    #[test]
    fn a_spent_budget_is_noticed_on_success() {
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1234"),
        ]);
        assert_eq!(exhausted_until(&h), Some(1234));
        assert_eq!(
            exhausted_until(&headers(&[("x-ratelimit-remaining", "3")])),
            None
        );
    }
}
