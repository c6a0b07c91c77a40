//! The App's durable job queue. With several servers: a real PostgreSQL
//! (started by the test, `common/postgres.rs`) shared by three `wattson
//! serve` processes. GitHub's own payloads, signed, are sent round-robin;
//! some are redelivered to another instance, some to two instances at the
//! same moment. Each must run exactly once, and none may be lost; an
//! instance killed mid-job has its job finished by another once the lease
//! expires. With one server on SQLite, killed and restarted, nothing is
//! lost either. And the schedule enqueues every installed repository with
//! no delivery at all.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::app::*;
use crate::common::postgres::Postgres;
use crate::common::serve::Server;
use crate::common::serve::{http, sign};
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

#[test]
fn one_instance_on_sqlite_killed_amid_a_thousand_deliveries_and_restarted_loses_none() {
    let ping = payload("ping/payload.json");
    let sig = common::serve::sign(&ping);
    let args = [
        "--token",
        "unused",
        "--github-api-url",
        "http://127.0.0.1:9",
        "--lease",
        "2",
    ];
    let id = |i: usize| format!("s-{i:05}");
    let server = Server::launch(&args, tempfile::tempdir().unwrap());
    let jobs_db = format!("sqlite:{}", server.state.path().join("jobs.db").display());
    // Half of them from four senders at once, then SIGKILL while the one
    // worker is still working through them.
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (server, ping, sig) = (&server, &ping, &sig);
            scope.spawn(move || {
                for i in (t..500).step_by(4) {
                    assert_eq!(server.deliver_signed("ping", &id(i), ping, sig).0, 202);
                }
            });
        }
    });
    let (state, first_log) = server.kill_keeping_log();

    let server = Server::launch(&args, state);
    // What the killed instance stored is still known: a redelivery is a
    // duplicate, whether its job had run or not.
    for i in (0..500).step_by(10) {
        assert_eq!(server.deliver_signed("ping", &id(i), &ping, &sig).0, 200);
    }
    for i in 500..1000 {
        assert_eq!(server.deliver_signed("ping", &id(i), &ping, &sig).0, 202);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let h = server.health();
        if h["queue"]["done"].as_u64() == Some(1000) {
            assert_eq!(h["queue"]["queued"], 0, "{h}");
            assert_eq!(h["queue"]["failed"], 0, "{h}");
            break;
        }
        assert!(Instant::now() < deadline, "jobs did not finish: {h}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Each ran once, but for the one job the kill may have caught between
    // running and being recorded: that one runs again (jobs are idempotent).
    let logs = [first_log, server.log()];
    let mut twice = Vec::new();
    for i in 0..1000 {
        let needle = format!("delivery={} ", id(i));
        match logs
            .iter()
            .map(|l| l.matches(&needle).count())
            .sum::<usize>()
        {
            1 => {}
            2 => twice.push(id(i)),
            n => panic!("{} ran {n} times", id(i)),
        }
    }
    assert!(twice.len() <= 1, "ran twice: {twice:?}");
    let h = history(&jobs_db);
    assert_eq!(h["counts"]["done"], 1000);
    let retried: Vec<&Value> = h["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["attempts"] != 1)
        .collect();
    assert!(retried.len() <= 1, "{retried:#?}");
}

#[test]
fn an_instance_killed_mid_job_on_postgres_has_its_job_finished_by_another() {
    let w = world_with(MAIN_CPP, &slow_config());
    let pg = Postgres::start();
    let queue = pg.database("killed");
    let flags = [
        "--queue",
        queue.as_str(),
        "--lease",
        "2",
        "--runner",
        "sandbox",
    ];
    let a = Server::start_with(&w.fake.url, &w.key, tempfile::tempdir().unwrap(), &flags);
    let (before, after) = w.push_main(None);
    let (status, _) = a.deliver(
        "push",
        "kill-1",
        &push_payload(&before, &after, &["main.cpp"]),
    );
    assert_eq!(status, 202);
    wait_running(&["--queue", &queue], "kill-1", a.child.id());
    let b = Server::start_with(&w.fake.url, &w.key, tempfile::tempdir().unwrap(), &flags);
    // Redelivered to the other instance while it runs: still one job.
    let (status, _) = b.deliver(
        "push",
        "kill-1",
        &push_payload(&before, &after, &["main.cpp"]),
    );
    assert_eq!(status, 200);
    let mut a = a;
    a.child.kill().unwrap(); // SIGKILL: no goodbye, the lease just stops being renewed
    a.child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(240);
    let job = loop {
        let job = job_record(&["--queue", &queue], "kill-1");
        if job["state"] == "done" || job["state"] == "failed" {
            break job;
        }
        assert!(
            Instant::now() < deadline,
            "not finished: {job}\n{}",
            b.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(job["state"], "done", "{job}\n{}", b.log());
    assert_eq!(job["attempts"], 2, "{job}");
    assert!(
        job["owner"]
            .as_str()
            .unwrap()
            .contains(&format!(":{}:", b.child.id())),
        "finished by the other instance: {job}"
    );
    assert!(b.log().contains("taking over a job"), "{}", b.log());
    assert_each_proposed_once(&w, &b.log());
}

#[test]
fn a_single_instance_on_sqlite_killed_and_restarted_loses_nothing() {
    let w = world_with(MAIN_CPP, &slow_config());
    let server = Server::start_with(
        &w.fake.url,
        &w.key,
        tempfile::tempdir().unwrap(),
        &["--lease", "2", "--runner", "sandbox"],
    );
    let state_dir = server.state.path().display().to_string();
    let sqlite = ["--state-dir", state_dir.as_str()];
    let (before, after) = w.push_main(None);
    server.deliver(
        "push",
        "restart-1",
        &push_payload(&before, &after, &["main.cpp"]),
    );
    wait_running(&sqlite, "restart-1", server.child.id());
    // Two more wait behind it (one worker).
    let ping: Value = fixture("ping/payload.json");
    for id in ["restart-2", "restart-3"] {
        assert_eq!(server.deliver("ping", id, &ping).0, 202);
    }
    let state = server.kill();
    assert_eq!(job_record(&sqlite, "restart-2")["state"], "queued");

    let mut server = Server::start_with(
        &w.fake.url,
        &w.key,
        state,
        &["--lease", "2", "--runner", "sandbox"],
    );
    let h = server.wait_jobs(3);
    assert_eq!(h["completed"], 3, "{h}\n{}", server.log());
    let job = job_record(&sqlite, "restart-1");
    assert_eq!(
        (job["state"].as_str(), job["attempts"].as_i64()),
        (Some("done"), Some(2)),
        "{job}"
    );
    assert_each_proposed_once(&w, &server.log());
    // Still seen after the restart: redelivering is a duplicate.
    assert_eq!(server.deliver("ping", "restart-2", &ping).0, 200);
    // The history is served to an administrator only.
    let (status, _) = http(&server.addr, "GET", "/jobs", &[], b"");
    assert_eq!(status, 404, "no --admin-token, no /jobs");
    server = {
        let state = server.kill();
        Server::start_with(
            &w.fake.url,
            &w.key,
            state,
            &["--admin-token", "let-me-see", "--runner", "sandbox"],
        )
    };
    let (status, _) = http(
        &server.addr,
        "GET",
        "/jobs",
        &[("Authorization", "Bearer nope")],
        b"",
    );
    assert_eq!(status, 401);
    let (status, body) = http(
        &server.addr,
        "GET",
        "/jobs?state=done",
        &[("Authorization", "Bearer let-me-see")],
        b"",
    );
    assert_eq!(status, 200, "{body}");
    let jobs: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 3, "{jobs:#}");

    // The feed endpoint is signed like a webhook.
    let feed = b"{\"commit\":\"abc\",\"series\":\"t\",\"value\":1}\n";
    let (status, _) = http(
        &server.addr,
        "POST",
        &format!("/feed?repo={REPO}"),
        &[],
        feed,
    );
    assert_eq!(status, 401);
    let (status, _) = http(
        &server.addr,
        "POST",
        "/feed?repo=not-a-repo",
        &[("X-Hub-Signature-256", &sign(feed))],
        feed,
    );
    assert_eq!(status, 400);

    unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "no exit after SIGTERM: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}\n{}", server.log());
    assert!(server.log().contains("shutting down"), "{}", server.log());
}

#[test]
fn the_schedule_scans_every_installed_repository_as_a_whole_with_no_push() {
    let w = world();
    // On GitHub, but no delivery says so: only the schedule finds it.
    w.push_main(None);
    let server = Server::start_with(
        &w.fake.url,
        &w.key,
        tempfile::tempdir().unwrap(),
        &["--runner", "sandbox", "--schedule", "3s"],
    );
    let state_dir = server.state.path().display().to_string();
    let deadline = Instant::now() + Duration::from_secs(240);
    let job = loop {
        let out = common::run(&[
            "jobs",
            "--state-dir",
            &state_dir,
            "--state",
            "done",
            "--format",
            "json",
        ]);
        if out.status.success() {
            let v: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
            if let Some(j) = v["jobs"].as_array().and_then(|a| a.last()).cloned() {
                break j;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no scheduled job ran: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(job["event"], "wattson_schedule", "{job}");
    assert_eq!(job["repo"], REPO, "{job}");
    assert!(
        job["delivery"]
            .as_str()
            .unwrap()
            .starts_with(&format!("schedule:{REPO}:")),
        "{job}"
    );
    assert!(
        job["result"]
            .as_str()
            .unwrap()
            .starts_with("scheduled scan of octo/counter"),
        "{job}"
    );
    assert_each_proposed_once_by(&w, &server.log(), "job done: scheduled scan");
    // The App listed its installations and their repositories to find it.
    let requests = w.fake.requests();
    assert!(requests
        .iter()
        .any(|(m, p, s)| m == "GET" && p.starts_with("/app/installations") && *s == 200));
    assert!(requests
        .iter()
        .any(|(m, p, s)| m == "GET" && p.starts_with("/installation/repositories") && *s == 200));
}
