//! Ctrl-C while wattson measures: kill the commands it started (each runs in
//! its own process group) and remove the worktrees it made, then exit with
//! 130 as a shell would. Everything that needs undoing registers here while
//! it lives.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

/// Set as the handler starts: from then on the handler decides how the
/// process ends.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[derive(Default)]
struct Live {
    groups: Vec<i32>,
    worktrees: Vec<(PathBuf, String)>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    groups: Vec::new(),
    worktrees: Vec::new(),
});
static INSTALL: Once = Once::new();

/// Install the Ctrl-C handler (once; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("\nwattson: interrupted; stopping commands and removing worktrees");
            clean_up();
            std::process::exit(130);
        });
        if let Err(e) = installed {
            eprintln!("wattson: warning: cannot handle Ctrl-C ({e}); worktrees may be left behind");
        }
    });
}

/// Called by a thread whose command just ended: when that was the handler
/// killing it, wait here for the handler to clean up and exit with 130,
/// rather than race it to an exit of our own (code 2, worktrees left).
pub fn hold_if_interrupted() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
}

/// Kill every live process group and remove every live worktree.
pub fn clean_up() {
    let (groups, worktrees) = match LIVE.lock() {
        Ok(mut live) => (
            std::mem::take(&mut live.groups),
            std::mem::take(&mut live.worktrees),
        ),
        Err(_) => return,
    };
    for pgid in groups {
        kill_group(pgid);
    }
    for (repo, name) in worktrees {
        super::worktree::remove(&repo, &name);
    }
}

/// Send SIGKILL to a whole process group.
pub fn kill_group(pgid: i32) {
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid signals the group; no memory is involved.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

pub fn register_group(pgid: i32) {
    if let Ok(mut live) = LIVE.lock() {
        live.groups.push(pgid);
    }
}

pub fn unregister_group(pgid: i32) {
    if let Ok(mut live) = LIVE.lock() {
        live.groups.retain(|&g| g != pgid);
    }
}

pub fn register_worktree(repo: PathBuf, name: String) {
    if let Ok(mut live) = LIVE.lock() {
        live.worktrees.push((repo, name));
    }
}

pub fn unregister_worktree(name: &str) {
    if let Ok(mut live) = LIVE.lock() {
        live.worktrees.retain(|(_, n)| n != name);
    }
}
