//! Git over HTTPS with a token: what the GitHub forge pushes and what the App
//! clones. libgit2 does the transport; GitHub takes an App installation token
//! or an Actions token as the password of user `x-access-token`.

use std::cell::Cell;
use std::path::Path;

use anyhow::{bail, Context, Result};
use git2::{Direction, FetchOptions, Oid, PushOptions, RemoteCallbacks, Repository};

/// A remote repository and the token that opens it.
pub struct Remote<'a> {
    pub url: &'a str,
    pub token: &'a str,
}

/// Callbacks that answer the server's credential challenge with the token,
/// a bounded number of times (a refused token must fail, not loop).
fn callbacks<'a>(token: &'a str, tries: &'a Cell<u32>) -> RemoteCallbacks<'a> {
    let mut cb = RemoteCallbacks::new();
    cb.credentials(move |_url, _user, _allowed| {
        tries.set(tries.get() + 1);
        if tries.get() > 3 {
            return Err(git2::Error::from_str(
                "the git server refused the token (check its permissions: contents write)",
            ));
        }
        git2::Cred::userpass_plaintext("x-access-token", token)
    });
    cb
}

/// The branches the remote has, as (name without `refs/heads/`, tip).
pub fn remote_branches(repo: &Repository, remote: &Remote) -> Result<Vec<(String, Oid)>> {
    let mut r = repo.remote_anonymous(remote.url)?;
    let tries = Cell::new(0);
    let conn = r
        .connect_auth(
            Direction::Fetch,
            Some(callbacks(remote.token, &tries)),
            None,
        )
        .with_context(|| format!("connecting to {}", redact(remote.url)))?;
    let heads = conn
        .list()?
        .iter()
        .filter_map(|h| {
            h.name()
                .strip_prefix("refs/heads/")
                .map(|b| (b.to_string(), h.oid()))
        })
        .collect();
    Ok(heads)
}

/// Fetch `refspecs` from the remote into `repo`.
pub fn fetch(repo: &Repository, remote: &Remote, refspecs: &[&str]) -> Result<()> {
    let mut r = repo.remote_anonymous(remote.url)?;
    let tries = Cell::new(0);
    let mut opts = FetchOptions::new();
    opts.remote_callbacks(callbacks(remote.token, &tries));
    r.fetch(refspecs, Some(&mut opts), None).with_context(|| {
        format!(
            "fetching {} from {}",
            refspecs.join(" "),
            redact(remote.url)
        )
    })
}

/// Push `commit` to `refs/heads/<branch>` on the remote; `force` replaces
/// whatever is there (the caller has checked it is wattson's own).
pub fn push(
    repo: &Repository,
    remote: &Remote,
    commit: Oid,
    branch: &str,
    force: bool,
) -> Result<()> {
    // libgit2 pushes references, not bare commits: a scratch reference names
    // the commit for the push and is removed after it.
    let scratch = format!("refs/wattson/push/{branch}");
    repo.reference(&scratch, commit, true, "wattson: push")?;
    let result = (|| -> Result<()> {
        let rejected = std::cell::RefCell::new(Vec::new());
        let mut r = repo.remote_anonymous(remote.url)?;
        let tries = Cell::new(0);
        let mut cb = callbacks(remote.token, &tries);
        cb.push_update_reference(|name, status| {
            if let Some(why) = status {
                rejected.borrow_mut().push(format!("{name}: {why}"));
            }
            Ok(())
        });
        let mut opts = PushOptions::new();
        opts.remote_callbacks(cb);
        let spec = format!(
            "{}{scratch}:refs/heads/{branch}",
            if force { "+" } else { "" }
        );
        r.push(&[spec.as_str()], Some(&mut opts))
            .with_context(|| format!("pushing {branch} to {}", redact(remote.url)))?;
        drop(opts);
        let rejected = rejected.into_inner();
        if !rejected.is_empty() {
            // `Remote::push` succeeds even when the server refuses a ref.
            bail!("the remote refused the push: {}", rejected.join("; "));
        }
        Ok(())
    })();
    if let Ok(mut r) = repo.find_reference(&scratch) {
        let _ = r.delete();
    }
    result
}

/// A working clone of the remote at `dest`, fetched up to date, with HEAD
/// detached at `rev`: a commit id or one of the remote's branches.
pub fn checkout(remote: &Remote, dest: &Path, rev: &str) -> Result<Repository> {
    // A working copy is only a cache of the remote: one that a killed
    // process left half made (no repository yet, or a stale index lock) is
    // made again rather than trusted. The caller holds the repository, so
    // no other job of this process is using the lock.
    let existing = dest
        .join(".git")
        .exists()
        .then(|| Repository::open(dest).ok())
        .flatten();
    let repo = match existing {
        Some(repo) => {
            let _ = std::fs::remove_file(dest.join(".git/index.lock"));
            repo
        }
        None => {
            if dest.exists() {
                std::fs::remove_dir_all(dest).with_context(|| {
                    format!("removing the broken working copy {}", dest.display())
                })?;
            }
            std::fs::create_dir_all(dest)
                .with_context(|| format!("creating {}", dest.display()))?;
            Repository::init(dest)
                .with_context(|| format!("creating a repository in {}", dest.display()))?
        }
    };
    fetch(&repo, remote, &["+refs/heads/*:refs/remotes/origin/*"])?;
    let target = match Oid::from_str(rev) {
        Ok(id) if rev.len() == 40 => id,
        _ => repo
            .find_reference(&format!("refs/remotes/origin/{rev}"))
            .with_context(|| format!("the remote has no branch `{rev}`"))?
            .peel_to_commit()?
            .id(),
    };
    let object = repo
        .find_object(target, None)
        .with_context(|| format!("the remote has no commit {target}"))?;
    repo.checkout_tree(
        &object,
        Some(
            git2::build::CheckoutBuilder::new()
                .force()
                .remove_untracked(true),
        ),
    )?;
    repo.set_head_detached(target)?;
    drop(object);
    Ok(repo)
}

/// A URL fit for messages: no credentials in it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}{}", &url[..s + 3], &url[at + 1..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_messages() {
        assert_eq!(
            redact("https://x-access-token:ghs_1@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(
            redact("https://github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
    }
}
