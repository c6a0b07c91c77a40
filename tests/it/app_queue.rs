//! The App's durable job queue with several servers: a real PostgreSQL
//! (started by the test, `common/postgres.rs`) shared by three `wattson
//! serve` processes. GitHub's own payloads, signed, are sent round-robin;
//! some are redelivered to another instance, some to two instances at the
//! same moment. Each must run exactly once, and none may be lost.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::postgres::Postgres;
use crate::common::serve::Server;
use crate::common::{self, stderr, stdout};

fn payload(path: &str) -> Vec<u8> {
    std::fs::read(
        common::repo_root()
            .join("tests/fixtures/github-webhooks")
            .join(path),
    )
    .unwrap()
}

/// `wattson jobs --format json` on `queue`.
fn history(queue: &str) -> Value {
    let out = common::run(&[
        "jobs", "--queue", queue, "--limit", "5000", "--format", "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn three_instances_on_postgres_run_each_of_a_thousand_deliveries_exactly_once() {
    let pg = Postgres::start();
    let queue = pg.database("three");
    // No GitHub is needed for these events; the URL goes nowhere.
    let servers: Vec<Server> = (0..3)
        .map(|_| {
            Server::launch(
                &[
                    "--token",
                    "unused",
                    "--github-api-url",
                    "http://127.0.0.1:9",
                    "--queue",
                    &queue,
                    "--lease",
                    "5",
                ],
                tempfile::tempdir().unwrap(),
            )
        })
        .collect();
    let ping = payload("ping/payload.json");
    let added = payload("installation_repositories/added.payload.json");
    let count = 1000;
    let id = |i: usize| format!("d-{i:05}");
    // Four senders, each delivering every fourth id to instance i % 3;
    // every seventh is redelivered to the next instance, and every
    // thirteenth is sent to two instances at once.
    let answers: Vec<(usize, u16, &'static str)> = std::thread::scope(|scope| {
        let senders: Vec<_> = (0..4)
            .map(|t| {
                let (servers, ping, added) = (&servers, &ping, &added);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for i in (t..count).step_by(4) {
                        let (event, body) = if i % 2 == 0 {
                            ("ping", ping)
                        } else {
                            ("installation_repositories", added)
                        };
                        let sig = common::serve::sign(body);
                        let to = |n: usize| &servers[n % 3];
                        if i % 13 == 0 {
                            let (a, b) = std::thread::scope(|s| {
                                let a =
                                    s.spawn(|| to(i).deliver_signed(event, &id(i), body, &sig).0);
                                let b = s.spawn(|| {
                                    to(i + 1).deliver_signed(event, &id(i), body, &sig).0
                                });
                                (a.join().unwrap(), b.join().unwrap())
                            });
                            out.push((i, a, "race"));
                            out.push((i, b, "race"));
                        } else {
                            out.push((
                                i,
                                to(i).deliver_signed(event, &id(i), body, &sig).0,
                                "first",
                            ));
                        }
                        if i % 7 == 0 {
                            out.push((
                                i,
                                to(i + 1).deliver_signed(event, &id(i), body, &sig).0,
                                "again",
                            ));
                        }
                    }
                    out
                })
            })
            .collect();
        senders
            .into_iter()
            .flat_map(|s| s.join().unwrap())
            .collect()
    });
    let mut accepted: HashMap<usize, usize> = HashMap::new();
    for (i, status, kind) in &answers {
        match status {
            202 => *accepted.entry(*i).or_default() += 1,
            200 => assert_ne!(
                *kind,
                "first",
                "{} was taken as a duplicate on first delivery",
                id(*i)
            ),
            other => panic!("{} ({kind}) answered {other}", id(*i)),
        }
    }
    assert_eq!(accepted.len(), count, "every delivery accepted");
    assert!(
        accepted.values().all(|&n| n == 1),
        "each accepted once, by one instance"
    );

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let h = servers[0].health();
        if h["queue"]["done"].as_u64() == Some(count as u64) {
            assert_eq!(h["queue"]["queued"], 0, "{h}");
            assert_eq!(h["queue"]["failed"], 0, "{h}");
            break;
        }
        assert!(Instant::now() < deadline, "jobs did not finish: {h}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Each ran once, across the three logs.
    let logs: Vec<String> = servers.iter().map(|s| s.log()).collect();
    for i in 0..count {
        let needle = format!("delivery={} ", id(i));
        let runs: usize = logs.iter().map(|l| l.matches(&needle).count()).sum();
        assert_eq!(runs, 1, "{} ran {runs} times", id(i));
    }
    let ran_here: Vec<u64> = servers
        .iter()
        .map(|s| s.health()["completed"].as_u64().unwrap())
        .collect();
    assert_eq!(ran_here.iter().sum::<u64>(), count as u64, "{ran_here:?}");
    assert!(
        ran_here.iter().filter(|&&n| n > 0).count() >= 2,
        "the work was shared: {ran_here:?}"
    );

    // The history has every job, done once, by the worker that ran it.
    let h = history(&queue);
    assert_eq!(h["counts"]["done"], count);
    let jobs = h["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), count);
    for j in jobs {
        assert_eq!(
            (j["state"].as_str(), j["attempts"].as_i64()),
            (Some("done"), Some(1)),
            "{j}"
        );
        assert!(
            j["owner"]
                .as_str()
                .is_some_and(|o| o.matches(':').count() == 2),
            "{j}"
        );
    }
}
