//! Ctrl-C while wattson measures: kill the commands it started (each runs in
//! its own process group) and remove the worktrees it made, then exit with
//! 130 as a shell would. Everything that needs undoing registers here while
//! it lives: process groups by id, anything else (a worktree) as an undo
//! action under a name, so this module knows nothing of what it undoes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

/// Set as the handler starts: from then on the handler decides how the
/// process ends.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// An action that undoes something still alive, by the name it was registered under.
type Undo = (String, Box<dyn FnOnce() + Send>);

struct Live {
    groups: Vec<i32>,
    undo: Vec<Undo>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    groups: Vec::new(),
    undo: Vec::new(),
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

/// Kill every live process group and run every registered undo action
/// (commands first: a worktree is removed once nothing runs in it).
pub fn clean_up() {
    let (groups, undo) = match LIVE.lock() {
        Ok(mut live) => (
            std::mem::take(&mut live.groups),
            std::mem::take(&mut live.undo),
        ),
        Err(_) => return,
    };
    for pgid in groups {
        kill_group(pgid);
    }
    for (_, action) in undo {
        action();
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

/// Run `action` if the process is interrupted while `name` lives.
pub fn register_undo(name: String, action: Box<dyn FnOnce() + Send>) {
    if let Ok(mut live) = LIVE.lock() {
        live.undo.push((name, action));
    }
}

/// `name` was undone the ordinary way: nothing left to do on interrupt.
pub fn unregister_undo(name: &str) {
    if let Ok(mut live) = LIVE.lock() {
        live.undo.retain(|(n, _)| n != name);
    }
}
