//! The fake GitHub of `tests/it/common/github/`, checked against real clients:
//! octocrab (personal token and the App flow) decodes its REST answers into
//! its typed models, and libgit2 and the git CLI clone from and push to it
//! over smart HTTP.

use crate::common;
use std::future::Future;
use std::path::{Path, PathBuf};

use crate::common::github::FakeGitHub;
use octocrab::models::issues::Comment;
use octocrab::models::pulls::PullRequest;
use octocrab::models::{AppId, InstallationId, IssueState};
use octocrab::params;
use octocrab::Octocrab;

const TOKEN: &str = "ghp_fake_test_token";
const REPO: &str = "o/r";
/// A key that is not the App's (`openssl genrsa -traditional 2048`, made for
/// this test only): the fake must refuse JWTs it signed.
const OTHER_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEpQIBAAKCAQEAkec1lzv0r4n3TetBlxd3kNHxjxPvMe676neUCMzRiOEILozD
20u7GLp2d7q/ZFL3qBPQ2acxHHxO5KJVYQ+MpXdRy8839S7RbhKlccfMAc7SyKWF
mb8PnHuW4o/dlK+IsBHxCuCboN5rNxauw7osfIHLr8fPTeF8pbIH8hDNFftVKVXY
y4qvZNwCVCXJLRcP6p6ugoiYH3IbIVzhdX1pENH3akiqABfWYXSfAXt1bx5ylkHU
Y1zw8As5GWnLbjyebuCf8JYpFgU5xtLnmBxWjw67xnFzWLAVzIS/YlokI+ZVCofa
tBwa7ddN41vgYCLtvfxG7D6UWfFs7PCKZ14lVwIDAQABAoIBAA7PJQVgtIlMu6lR
A6tOWnh8lsQrBdBPpws5b/EkuO/nx2jSKN8NZMQxyOyGK/8G3NRWjpBJBBccFvXl
9DyR03jID6lcMxXT1rYRdnGCEhbs40AybMkaN39um/YLHDaHSpx0db7g5WsCqGdD
CiIbt4A7vGzvHv+Mr5Yx59SOGALvBHoLPXNh1ekW32e0Q8vnDM8Brl+HK8jrbxyY
Sh2cQu0f7B85gCfezopgdFa1CuHkJeI1Ki83BmfQhs60uJTyKZaWzPFVgN0iXSJd
geDPshTgAQA8E4EJ2LsSwtIe1LRq09gXgPquQIfM1nz6tduowBi2wh1OH6/c2PDT
PPe2keECgYEAzeE/jQBuUCtXk9LGgmhS64z9vJvr98gcroMp9Ga3MIUGN9L+Lbsl
/JnJorC3OipE5pXbpRcMyh4wliMDnY2+cKdb9UGkClK1RWKDvsnE9D5Qs3zRouk6
87n7BWvm+WuMzRmREcyAdvraWIoC/mgyE9DOQwmy/1j+OgS3wsdJ55UCgYEAtWwe
oNIQxt3kxzqStg9RH1xNJjGFQQy0GGmTL/KqfcPftmMyfq34h/4zbLkVczCRNFHe
jLlouC64XHz1rW2MjTFCVlHfaLS3xqTcnqJBGwUUAwtkP/99/lK//m51XgK4WOCr
7et8a9YmIDpcAZa0hEe9YI23Qy+Spf0mi8iVLjsCgYEAyPnh99s71Lb6vys67YK5
r4frCnuLVk7a8ODJy/OZUJwK/ePSjQHsizH1TAQGWZl5uT8BM5/UtFnURDvaA6uj
BIXblweFAy7KFfmdclm1EljintRyMP5MtjAPg7NZvpHm2TDkFOP1ZDBthZD0azV7
7SwgrgCB5BMT2b9RQ6sX0iECgYEAoY9pLxoi6pYL+AeHQy4cterCoXKUEju33c2W
z6owfdMC1C8+dmWC38hWD0o7edsUVB1cLMGoKe0hLOvy9MCL2+i0BJ7gbyQQTIvg
FDy18dPx4EwyuHNTxjn21COVzWRqumtJcJS2tml8hlKyQI/uraYdVXCedOxWkg8A
VpcHkqUCgYEAmRTzwpO+a6X9nyPOWgSRCpIrswY4GIYSsNRitDFqJHhXu9IEOmkw
N/fvbttIPeZb2VesTOdH1RLnr0cXMDGQaD/qKb53F1aX4AaGb5zMZemip8o+s6XB
oSDZX8TsYuUJ/LyPUJaNAA2PsD9KC7DtswcX2mYIKPDdFE4Lnti/L0c=
-----END RSA PRIVATE KEY-----
";

/// A fake GitHub serving `o/r`, a bare repository whose `main` has one commit.
struct Fixture {
    gh: FakeGitHub,
    bare: PathBuf,
    clone_url: String,
    dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let bare = dir.path().join("r.git");
    let repo = git2::Repository::init_bare(&bare).expect("init the bare repository");
    commit_file(&repo, "main", "main", "README.md", "hello\n");
    repo.set_head("refs/heads/main").expect("HEAD -> main");
    let gh = FakeGitHub::start();
    let clone_url = gh.add_repo(REPO, &bare, "main");
    gh.add_token(TOKEN);
    Fixture {
        gh,
        bare,
        clone_url,
        dir,
    }
}

/// Commit `file` = `content` on top of branch `from` (if it exists) directly
/// into the bare `repo`, as branch `branch`; returns the new commit id.
fn commit_file(
    repo: &git2::Repository,
    from: &str,
    branch: &str,
    file: &str,
    content: &str,
) -> String {
    let parent = repo
        .find_reference(&format!("refs/heads/{from}"))
        .ok()
        .map(|r| r.peel_to_commit().expect("a branch points to a commit"));
    let parent_tree = parent.as_ref().map(|c| c.tree().unwrap());
    let mut tree = repo.treebuilder(parent_tree.as_ref()).unwrap();
    let blob = repo.blob(content.as_bytes()).unwrap();
    tree.insert(file, blob, 0o100644).unwrap();
    let tree = repo.find_tree(tree.write().unwrap()).unwrap();
    let sig = git2::Signature::now("Dev", "dev@example.com").unwrap();
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let id = repo
        .commit(
            None,
            &sig,
            &sig,
            &format!("{file} on {branch}"),
            &tree,
            &parents,
        )
        .unwrap();
    repo.reference(&format!("refs/heads/{branch}"), id, true, "test commit")
        .unwrap();
    id.to_string()
}

fn branch_sha(bare: &Path, branch: &str) -> Option<String> {
    let repo = git2::Repository::open_bare(bare).unwrap();
    let r = repo.find_reference(&format!("refs/heads/{branch}")).ok()?;
    let id = r.peel_to_commit().unwrap().id();
    Some(id.to_string())
}

/// Callbacks that answer the first credential request with
/// `x-access-token:<token>` (or refuse, without a token) and refuse any
/// retry, and that turn a rejected ref into an error.
fn callbacks<'a>(token: Option<&'a str>) -> git2::RemoteCallbacks<'a> {
    let mut callbacks = git2::RemoteCallbacks::new();
    let mut asked = 0;
    callbacks.credentials(move |_url, _user, _allowed| {
        asked += 1;
        match token {
            Some(token) if asked == 1 => git2::Cred::userpass_plaintext("x-access-token", token),
            _ => Err(git2::Error::from_str("no (more) credentials")),
        }
    });
    callbacks.push_update_reference(|refname, status| match status {
        Some(message) => Err(git2::Error::from_str(&format!(
            "{refname} rejected: {message}"
        ))),
        None => Ok(()),
    });
    callbacks
}

fn clone_http(
    url: &str,
    token: Option<&str>,
    into: &Path,
) -> Result<git2::Repository, git2::Error> {
    let mut fetch = git2::FetchOptions::new();
    fetch.remote_callbacks(callbacks(token));
    git2::build::RepoBuilder::new()
        .fetch_options(fetch)
        .clone(url, into)
}

fn push_http(
    repo: &git2::Repository,
    url: &str,
    token: Option<&str>,
    refspec: &str,
) -> Result<(), git2::Error> {
    let mut remote = repo.remote_anonymous(url)?;
    let mut options = git2::PushOptions::new();
    options.remote_callbacks(callbacks(token));
    remote.push(&[refspec], Some(&mut options))
}

/// Clone over HTTP, commit `file` on main and push it as `branch`; returns the commit.
fn push_branch(f: &Fixture, branch: &str, file: &str, content: &str) -> String {
    let work = tempfile::tempdir_in(f.dir.path()).unwrap();
    let repo = clone_http(&f.clone_url, Some(TOKEN), work.path())
        .unwrap_or_else(|e| panic!("clone {} over HTTP: {e}", f.clone_url));
    std::fs::write(work.path().join(file), content).unwrap();
    let id = common::commit_all(&repo, &format!("add {file}"));
    push_http(
        &repo,
        &f.clone_url,
        Some(TOKEN),
        &format!("HEAD:refs/heads/{branch}"),
    )
    .unwrap_or_else(|e| panic!("push {branch} over HTTP: {e}"));
    id
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

fn client(url: &str, token: Option<&str>) -> Octocrab {
    let builder = Octocrab::builder()
        .base_uri(url)
        .expect("the fake's URL is a base URI");
    let builder = match token {
        Some(token) => builder.personal_token(token.to_owned()),
        None => builder,
    };
    builder.build().expect("build an octocrab client")
}

/// The GitHub error inside an octocrab error (panics on any other kind).
fn github_error<T: std::fmt::Debug>(result: octocrab::Result<T>) -> octocrab::GitHubError {
    match result {
        Err(octocrab::Error::GitHub { source, .. }) => *source,
        other => panic!("expected an error answer from GitHub, got {other:?}"),
    }
}

fn header<'a>(e: &'a octocrab::GitHubError, name: &str) -> &'a str {
    e.headers
        .as_ref()
        .and_then(|h| h.get(name))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header on {e:?}"))
}

/// An octocrab client authenticated as App `app_id` with the RSA key `pem`.
fn app_client(url: &str, app_id: u64, pem: &str) -> Octocrab {
    let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
        .expect("an RSA private key in PEM");
    Octocrab::builder()
        .base_uri(url)
        .expect("the fake's URL is a base URI")
        .app(AppId(app_id), key)
        .build()
        .expect("build an App client")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(common::repo_root().join(path))
        .unwrap_or_else(|e| panic!("read {path}: {e}"))
}

#[test]
fn octocrab_decodes_the_rest_answers() {
    let f = fixture();
    let head_sha = push_branch(&f, "wattson/fix-1", "fix.txt", "fix\n");
    let main_sha = branch_sha(&f.bare, "main").unwrap();
    block_on(async {
        let gh = client(&f.gh.url, Some(TOKEN));
        let pulls = gh.pulls("o", "r");

        let pr = pulls
            .create("Speed up the parser", "wattson/fix-1", "main")
            .body("It was slow.")
            .send()
            .await
            .expect("create a pull request");
        assert_eq!(pr.number, 1);
        assert_eq!(pr.head.ref_field, "wattson/fix-1");
        assert_eq!(pr.head.sha, head_sha);
        assert_eq!(pr.base.ref_field, "main");
        assert_eq!(pr.base.sha, main_sha);
        assert_eq!(pr.state, Some(IssueState::Open));
        assert_eq!(pr.body.as_deref(), Some("It was slow."));
        assert_eq!(pr.user.as_ref().unwrap().login, "wattson[bot]");
        assert_eq!(pr.merged, Some(false));

        // GitHub's validation errors.
        let e = github_error(
            pulls
                .create("Again", "o:wattson/fix-1", "main")
                .send()
                .await,
        );
        assert_eq!(e.status_code.as_u16(), 422);
        assert_eq!(e.message, "Validation Failed");
        let errors = serde_json::to_string(&e.errors).unwrap();
        assert!(
            errors.contains("A pull request already exists for o:wattson/fix-1."),
            "{errors}"
        );
        let e = github_error(
            pulls
                .create("Nothing", "no-such-branch", "main")
                .send()
                .await,
        );
        assert_eq!(e.status_code.as_u16(), 422);
        assert!(serde_json::to_string(&e.errors)
            .unwrap()
            .contains("\"field\":\"head\""));
        let e = github_error(pulls.create("Empty", "main", "main").send().await);
        assert!(serde_json::to_string(&e.errors)
            .unwrap()
            .contains("No commits between main and main"));

        // Listing and filtering.
        let all = pulls
            .list()
            .state(params::State::All)
            .send()
            .await
            .expect("list");
        assert_eq!(all.items.len(), 1);
        assert_eq!(all.items[0].number, 1);
        let mine = pulls.list().head("o:wattson/fix-1").send().await.unwrap();
        assert_eq!(mine.items.len(), 1);
        let other = pulls.list().head("o:other").send().await.unwrap();
        assert!(other.items.is_empty());
        let closed = pulls
            .list()
            .state(params::State::Closed)
            .send()
            .await
            .unwrap();
        assert!(closed.items.is_empty());

        // A later push moves the head.
        let repo = git2::Repository::open_bare(&f.bare).unwrap();
        let moved = commit_file(
            &repo,
            "wattson/fix-1",
            "wattson/fix-1",
            "more.txt",
            "more\n",
        );
        let pr = pulls.get(1).await.expect("get #1");
        assert_eq!(pr.title.as_deref(), Some("Speed up the parser"));
        assert_eq!(pr.head.sha, moved);
        let e = github_error(pulls.get(99).await);
        assert_eq!(e.status_code.as_u16(), 404);

        // Labels, without duplicates.
        let issues = gh.issues("o", "r");
        let labels = issues
            .add_labels(1, &["perf".to_owned(), "wattson".to_owned()])
            .await
            .expect("add labels");
        assert_eq!(labels.len(), 2);
        let labels = issues.add_labels(1, &["perf".to_owned()]).await.unwrap();
        let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["perf", "wattson"]);

        // Comments: the bot's through REST, a human's through the fake.
        let comment: Comment = issues
            .create_comment(1, "Measured: -12%")
            .await
            .expect("comment");
        assert_eq!(comment.user.login, "wattson[bot]");
        assert_eq!(comment.user.r#type, "Bot");
        assert_eq!(comment.body.as_deref(), Some("Measured: -12%"));
        let human =
            f.gh.add_comment(REPO, 1, "alice", "OWNER", "User", "@wattson why?");
        let listed = issues.list_comments(1).send().await.expect("list comments");
        assert_eq!(listed.items.len(), 2);
        assert_eq!(listed.items[1].id.0, human["id"].as_u64().unwrap());
        assert_eq!(listed.items[1].user.login, "alice");
        assert_eq!(
            serde_json::to_value(&listed.items[1].author_association).unwrap(),
            "OWNER"
        );
        assert_eq!(f.gh.comments(REPO, 1).len(), 2);

        // Reactions are recorded with the comment they are on.
        let reaction = issues
            .create_comment_reaction(
                human["id"].as_u64().unwrap(),
                octocrab::models::reactions::ReactionContent::Eyes,
            )
            .await
            .expect("react");
        assert_eq!(
            reaction.content,
            octocrab::models::reactions::ReactionContent::Eyes
        );
        let reactions = f.gh.reactions();
        assert_eq!(reactions.len(), 1);
        assert_eq!(reactions[0]["comment_id"], human["id"]);
        assert_eq!(reactions[0]["content"], "eyes");
        let e = github_error(
            issues
                .create_comment_reaction(
                    999_999u64,
                    octocrab::models::reactions::ReactionContent::Eyes,
                )
                .await,
        );
        assert_eq!(e.status_code.as_u16(), 404);

        // Closing through REST: closed, not merged.
        let pr = pulls
            .update(1)
            .state(params::pulls::State::Closed)
            .send()
            .await
            .expect("close #1");
        assert_eq!(pr.state, Some(IssueState::Closed));
        assert!(pr.closed_at.is_some());
        assert!(pr.merged_at.is_none());
        assert_eq!(f.gh.pulls(REPO)[0]["state"], "closed");
        assert_eq!(f.gh.pulls(REPO)[0]["comments"], 2);

        // The repository.
        let repo = gh.repos("o", "r").get().await.expect("get the repository");
        assert_eq!(repo.full_name.as_deref(), Some("o/r"));
        assert_eq!(repo.default_branch.as_deref(), Some("main"));
        assert_eq!(
            repo.clone_url.as_ref().map(|u| u.as_str()),
            Some(f.clone_url.as_str())
        );

        // Authentication and unknown things.
        let e = github_error(client(&f.gh.url, None).repos("o", "r").get().await);
        assert_eq!(
            (e.status_code.as_u16(), e.message.as_str()),
            (401, "Bad credentials")
        );
        let e = github_error(
            client(&f.gh.url, Some("ghp_wrong"))
                .repos("o", "r")
                .get()
                .await,
        );
        assert_eq!(e.status_code.as_u16(), 401);
        let e = github_error(gh.repos("o", "missing").get().await);
        assert_eq!(
            (e.status_code.as_u16(), e.message.as_str()),
            (404, "Not Found")
        );
        let response = gh._get(format!("{}/nothing/here", f.gh.url)).await.unwrap();
        assert_eq!(response.status().as_u16(), 404);
    });
}

#[test]
fn the_fake_records_human_actions_and_requests() {
    let f = fixture();
    push_branch(&f, "b1", "a.txt", "a\n");
    block_on(async {
        let gh = client(&f.gh.url, Some(TOKEN));
        let pr: PullRequest = gh
            .pulls("o", "r")
            .create("t", "b1", "main")
            .send()
            .await
            .unwrap();
        f.gh.close_pull(REPO, pr.number, true);
        let pr = gh.pulls("o", "r").get(pr.number).await.unwrap();
        assert_eq!(pr.state, Some(IssueState::Closed));
        assert_eq!(pr.merged, Some(true));
        assert!(pr.merged_at.is_some());
        // Only open pull requests block a new one for the same branch.
        gh.pulls("o", "r")
            .create("t2", "b1", "main")
            .send()
            .await
            .expect("a second PR");
    });
    let requests = f.gh.requests();
    assert!(
        requests.contains(&("POST".into(), "/repos/o/r/pulls".into(), 201)),
        "{requests:?}"
    );
    assert!(requests
        .iter()
        .any(|(m, p, s)| m == "GET" && p.starts_with("/git/o/r.git/info/refs") && *s == 200));
}

#[test]
fn labels_reactions_and_reopening_behave_like_github() {
    use octocrab::models::reactions::ReactionContent;
    let f = fixture();
    push_branch(&f, "b1", "a.txt", "a\n");
    block_on(async {
        let gh = client(&f.gh.url, Some(TOKEN));
        let pulls = gh.pulls("o", "r");
        let issues = gh.issues("o", "r");
        pulls.create("t", "b1", "main").send().await.unwrap();

        // Label names travel percent-encoded in paths.
        issues
            .add_labels(1, &["needs review".to_owned(), "perf".to_owned()])
            .await
            .unwrap();
        let left = issues
            .remove_label(1, "needs review")
            .await
            .expect("remove a label");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].name, "perf");
        let listed = issues.list_labels_for_issue(1).send().await.unwrap();
        assert_eq!(listed.items.len(), 1);
        let e = github_error(issues.remove_label(1, "needs review").await);
        assert_eq!(e.status_code.as_u16(), 404);

        // Reactions: review comments are not modelled, so any id is accepted;
        // a repeated reaction is not recorded twice; unknown content is refused.
        for _ in 0..2 {
            pulls
                .create_comment_reaction(12345u64, ReactionContent::Rocket)
                .await
                .expect("react to a review comment");
        }
        let reactions = f.gh.reactions();
        assert_eq!(reactions.len(), 1, "{reactions:?}");
        assert_eq!(reactions[0]["subject"], "pull_request_review_comment");
        assert_eq!(reactions[0]["comment_id"], 12345);
        let bad: octocrab::Result<serde_json::Value> = gh
            .post(
                "/repos/o/r/pulls/comments/12345/reactions",
                Some(&serde_json::json!({"content": "thumbs"})),
            )
            .await;
        assert_eq!(github_error(bad).status_code.as_u16(), 422);

        // Edit, close, reopen; a merged pull request cannot be reopened.
        let pr = pulls
            .update(1)
            .title("new title")
            .body("new body")
            .send()
            .await
            .unwrap();
        assert_eq!(pr.title.as_deref(), Some("new title"));
        assert_eq!(pr.body.as_deref(), Some("new body"));
        pulls
            .update(1)
            .state(params::pulls::State::Closed)
            .send()
            .await
            .unwrap();
        let pr = pulls
            .update(1)
            .state(params::pulls::State::Open)
            .send()
            .await
            .expect("reopen");
        assert_eq!(pr.state, Some(IssueState::Open));
        assert!(pr.closed_at.is_none());
        f.gh.close_pull(REPO, 1, true);
        let e = github_error(
            pulls
                .update(1)
                .state(params::pulls::State::Open)
                .send()
                .await,
        );
        assert_eq!(e.status_code.as_u16(), 422);
    });
}

#[test]
fn app_jwt_is_exchanged_for_an_installation_token() {
    let f = fixture();
    let private = read("tests/fixtures/github-app/test-app-key.pem");
    let public = read("tests/fixtures/github-app/test-app-key.pub.pem");
    f.gh.add_installation(42, 7, &public);
    let token = block_on(async {
        let app = app_client(&f.gh.url, 7, &private);
        let installation = app
            .installation(InstallationId(42))
            .expect("an installation client");
        let token = installation
            .installation_token()
            .await
            .expect("an installation token");
        let token = secrecy::ExposeSecret::expose_secret(&token).to_owned();
        assert!(token.starts_with("ghs_"), "{token}");
        // The installation client then uses the token for REST.
        let repo = installation
            .repos("o", "r")
            .get()
            .await
            .expect("REST with the installation token");
        assert_eq!(repo.name, "r");

        // Another App's id (401), an unknown installation (404), a JWT signed
        // by a key that is not the App's (401).
        for (app_id, key, installation_id, status) in [
            (8, private.as_str(), 42, 401),
            (7, private.as_str(), 43, 404),
            (7, OTHER_KEY, 42, 401),
        ] {
            let e = github_error(
                app_client(&f.gh.url, app_id, key)
                    .installation(InstallationId(installation_id))
                    .unwrap()
                    .installation_token()
                    .await,
            );
            assert_eq!(e.status_code.as_u16(), status, "App {app_id}: {e:?}");
        }
        token
    });
    // The minted token also works for git.
    let work = tempfile::tempdir().unwrap();
    clone_http(&f.clone_url, Some(&token), work.path()).expect("clone with the installation token");
}

#[test]
fn git2_clones_and_pushes_over_http_with_the_token() {
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let repo = clone_http(&f.clone_url, Some(TOKEN), work.path()).expect("clone over HTTP");
    assert!(work.path().join("README.md").exists());
    std::fs::write(work.path().join("new.txt"), "new\n").unwrap();
    let id = common::commit_all(&repo, "new file");

    push_http(&repo, &f.clone_url, Some(TOKEN), "HEAD:refs/heads/feature").expect("push over HTTP");
    assert_eq!(branch_sha(&f.bare, "feature").as_deref(), Some(id.as_str()));

    // No credentials, or a wrong token: refused, and nothing changes.
    let err = push_http(&repo, &f.clone_url, None, "HEAD:refs/heads/anonymous").unwrap_err();
    assert!(
        err.message().contains("credentials") || err.code() == git2::ErrorCode::Auth,
        "{err}"
    );
    let err = push_http(
        &repo,
        &f.clone_url,
        Some("ghp_wrong"),
        "HEAD:refs/heads/wrong",
    )
    .unwrap_err();
    assert!(!err.message().is_empty());
    assert!(branch_sha(&f.bare, "anonymous").is_none());
    assert!(branch_sha(&f.bare, "wrong").is_none());
    let elsewhere = tempfile::tempdir().unwrap();
    assert!(clone_http(&f.clone_url, None, elsewhere.path()).is_err());

    // A ref the server refuses (a forced non-fast-forward, with
    // receive.denyNonFastForwards) surfaces through push_update_reference.
    let bare = git2::Repository::open_bare(&f.bare).unwrap();
    bare.config()
        .unwrap()
        .set_bool("receive.denyNonFastForwards", true)
        .unwrap();
    commit_file(&bare, "feature", "feature", "theirs.txt", "theirs\n");
    let theirs = branch_sha(&f.bare, "feature");
    std::fs::write(work.path().join("ours.txt"), "ours\n").unwrap();
    common::commit_all(&repo, "ours");
    let err = push_http(&repo, &f.clone_url, Some(TOKEN), "+HEAD:refs/heads/feature").unwrap_err();
    assert!(
        err.message().contains("refs/heads/feature rejected"),
        "{err}"
    );
    assert_eq!(branch_sha(&f.bare, "feature"), theirs);

    let requests = f.gh.requests();
    assert!(requests
        .iter()
        .any(|(_, p, s)| p.starts_with("/git/o/r.git/") && *s == 401));
    assert!(requests
        .iter()
        .any(|(m, p, s)| m == "POST" && p == "/git/o/r.git/git-receive-pack" && *s == 200));
}

/// `git` with no user or system configuration, never prompting.
fn git_cli(dir: &Path, home: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .expect("run git")
}

#[test]
fn the_git_cli_clones_and_pushes_too() {
    // The git CLI speaks protocol v2 and gzips large requests, unlike libgit2.
    let f = fixture();
    let home = tempfile::tempdir().unwrap();
    let with_token = f
        .clone_url
        .replacen("http://", &format!("http://x-access-token:{TOKEN}@"), 1);
    let out = git_cli(home.path(), home.path(), &["clone", &with_token, "w"]);
    assert!(
        out.status.success(),
        "git clone: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let work = home.path().join("w");
    std::fs::write(work.join("cli.txt"), "cli\n").unwrap();
    for args in [
        &["add", "cli.txt"][..],
        &["commit", "-q", "-m", "from the CLI"],
        &["push", "-q", "origin", "HEAD:refs/heads/cli"],
    ] {
        let out = git_cli(&work, home.path(), args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let local = git_cli(&work, home.path(), &["rev-parse", "HEAD"]);
    let local = String::from_utf8(local.stdout).unwrap();
    assert_eq!(branch_sha(&f.bare, "cli").as_deref(), Some(local.trim()));

    let wrong = f
        .clone_url
        .replacen("http://", "http://x-access-token:ghp_wrong@", 1);
    let out = git_cli(home.path(), home.path(), &["ls-remote", &wrong]);
    assert!(!out.status.success());
}

#[test]
fn rate_limited_requests_are_refused_and_change_nothing() {
    let f = fixture();
    push_branch(&f, "b1", "a.txt", "a\n");
    f.gh.rate_limit_next("POST", "/repos/o/r/pulls", 1, false);
    block_on(async {
        let gh = client(&f.gh.url, Some(TOKEN));
        let e = github_error(gh.pulls("o", "r").create("t", "b1", "main").send().await);
        assert_eq!(e.status_code.as_u16(), 403);
        assert_eq!(header(&e, "x-ratelimit-remaining"), "0");
        assert!(
            e.message.contains("API rate limit exceeded"),
            "{}",
            e.message
        );
        assert!(e.rate_limit_reset.is_some());
        assert!(f.gh.pulls(REPO).is_empty());

        let pr = gh
            .pulls("o", "r")
            .create("t", "b1", "main")
            .send()
            .await
            .expect("the retry");
        assert_eq!(pr.number, 1);

        f.gh.rate_limit_next("POST", "/repos/o/r/issues/1/comments", 1, true);
        let e = github_error(gh.issues("o", "r").create_comment(1, "hi").await);
        assert_eq!(e.status_code.as_u16(), 403);
        assert_eq!(header(&e, "retry-after"), "1");
        assert!(e.message.contains("secondary rate limit"), "{}", e.message);
        assert!(f.gh.comments(REPO, 1).is_empty());
        gh.issues("o", "r")
            .create_comment(1, "hi")
            .await
            .expect("the retry");

        // Normal answers carry the rate-limit headers too.
        let response = gh._get(format!("{}/repos/o/r", f.gh.url)).await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-ratelimit-limit"], "5000");
        assert_eq!(headers["x-ratelimit-resource"], "core");
        for name in [
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-used",
        ] {
            assert!(headers.contains_key(name), "{name} missing");
        }
    });
    let requests = f.gh.requests();
    let refused = requests.iter().filter(|(_, _, s)| *s == 403).count();
    assert_eq!(refused, 2, "{requests:?}");
}

#[test]
fn pull_lists_are_paginated_newest_first() {
    let f = fixture();
    let repo = git2::Repository::open_bare(&f.bare).unwrap();
    for i in 1..=35 {
        commit_file(&repo, "main", &format!("b{i}"), "f.txt", &format!("{i}\n"));
    }
    block_on(async {
        let gh = client(&f.gh.url, Some(TOKEN));
        for i in 1..=35 {
            gh.pulls("o", "r")
                .create(format!("PR {i}"), format!("b{i}"), "main")
                .send()
                .await
                .unwrap_or_else(|e| panic!("create PR {i}: {e}"));
        }
        let page = gh.pulls("o", "r").list().per_page(30).send().await.unwrap();
        assert_eq!(page.items.len(), 30);
        assert_eq!(page.items[0].number, 35);
        let next = page.next.clone().expect("a rel=\"next\" link");
        assert!(next.to_string().contains("page=2"), "{next}");
        assert!(page.last.as_ref().unwrap().to_string().contains("page=2"));
        let second: octocrab::Page<PullRequest> =
            gh.get_page(&page.next).await.unwrap().expect("page 2");
        let numbers: Vec<u64> = second.items.iter().map(|p| p.number).collect();
        assert_eq!(numbers, [5, 4, 3, 2, 1]);
        assert!(second.next.is_none());
        // A list item is GitHub's "simple" shape: no `merged`.
        assert_eq!(second.items[0].merged, None);
    });
}
