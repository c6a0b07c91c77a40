//! Connections to GitHub: as a GitHub App (a JWT signed with the App's
//! private key buys short-lived installation tokens, which octocrab caches
//! until shortly before they expire) or with one token (an Action's
//! `GITHUB_TOKEN`, a personal token).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use octocrab::models::{AppId, InstallationId};
use octocrab::Octocrab;

use crate::config::GitHubConfig;
use crate::forge::github::api::{split_full_name, Api, Auth};

/// Who wattson is on GitHub.
pub enum Credentials {
    App {
        app_id: u64,
        private_key_pem: String,
    },
    Token(String),
}

pub struct Connector {
    kind: Kind,
    /// One client per installation, each caching its own token.
    installations: Mutex<HashMap<u64, Arc<Octocrab>>>,
}

enum Kind {
    App(Octocrab),
    Token(Arc<Octocrab>, String),
}

/// The installation covering `owner/name`: as the webhook said, or asked.
async fn installation_of(
    app: &Octocrab,
    owner: &str,
    name: &str,
    known: Option<u64>,
) -> Result<u64> {
    if let Some(id) = known {
        return Ok(id);
    }
    let inst: octocrab::models::Installation = app
        .get(format!("/repos/{owner}/{name}/installation"), None::<&()>)
        .await
        .with_context(|| format!("finding the App's installation on {owner}/{name}"))?;
    Ok(inst.id.0)
}

/// A token for one repository with only some permissions, as
/// `POST /app/installations/{id}/access_tokens` mints it.
pub struct ScopedToken {
    pub token: String,
    pub expires_at: Option<String>,
}

/// The default API root, as `--github-api-url` documents it.
pub const GITHUB_API_URL: &str = "https://api.github.com";

impl Connector {
    /// Build the client. Needs a tokio runtime to be entered (octocrab's
    /// transport spawns onto it).
    pub fn new(api_url: &str, credentials: Credentials) -> Result<Connector> {
        let builder = Octocrab::builder()
            .base_uri(api_url.trim_end_matches('/'))
            .with_context(|| format!("`{api_url}` is not a usable GitHub API URL"))?;
        let kind = match credentials {
            Credentials::App {
                app_id,
                private_key_pem,
            } => {
                let key = octocrab::EncodingKey::from_rsa_pem(private_key_pem.as_bytes())
                    .context("the App's private key is not an RSA key in PEM form (GitHub's `.pem` download)")?;
                Kind::App(builder.app(AppId(app_id), key).build()?)
            }
            Credentials::Token(token) => {
                let crab = Arc::new(builder.personal_token(token.clone()).build()?);
                Kind::Token(crab, token)
            }
        };
        Ok(Connector {
            kind,
            installations: Mutex::new(HashMap::new()),
        })
    }

    /// The API of one repository. As an App, `installation` comes from the
    /// webhook payload; without it the repository's installation is looked up.
    pub async fn api(
        &self,
        full_name: &str,
        installation: Option<u64>,
        config: &GitHubConfig,
    ) -> Result<Arc<Api>> {
        let (owner, name) = split_full_name(full_name)?;
        let api = match &self.kind {
            Kind::Token(crab, token) => {
                Api::new(crab.clone(), Auth::Token(token.clone()), full_name, config)?
            }
            Kind::App(app) => {
                let id = installation_of(app, owner, name, installation).await?;
                let crab = {
                    let mut cache = self.installations.lock().unwrap_or_else(|p| p.into_inner());
                    match cache.get(&id) {
                        Some(c) => c.clone(),
                        None => {
                            let c = Arc::new(app.installation(InstallationId(id))?);
                            cache.insert(id, c.clone());
                            c
                        }
                    }
                };
                Api::new(crab, Auth::Installation, full_name, config)?
            }
        };
        Ok(Arc::new(api))
    }

    /// Mint a token that can act on `full_name` alone, with only
    /// `permissions` (`{"contents": "write", …}`): what a job dispatched to
    /// the repository's own Actions gets. `None` with `--token`, which
    /// cannot mint.
    pub async fn scoped_token(
        &self,
        full_name: &str,
        installation: Option<u64>,
        permissions: &serde_json::Value,
    ) -> Result<Option<ScopedToken>> {
        let (owner, name) = split_full_name(full_name)?;
        let Kind::App(app) = &self.kind else {
            return Ok(None);
        };
        let id = installation_of(app, owner, name, installation).await?;
        let answer: serde_json::Value = app
            .post(
                format!("/app/installations/{id}/access_tokens"),
                Some(&serde_json::json!({ "repositories": [name], "permissions": permissions })),
            )
            .await
            .with_context(|| format!("minting a token for {full_name} alone"))?;
        let token = answer["token"]
            .as_str()
            .context("GitHub's answer to a token request has no `token`")?
            .to_string();
        Ok(Some(ScopedToken {
            token,
            expires_at: answer["expires_at"].as_str().map(str::to_string),
        }))
    }

    /// Every repository of every installation of the App (`owner/name`,
    /// with its installation), for the schedule. Empty with `--token`.
    pub async fn installed_repositories(&self) -> Result<Vec<(String, u64)>> {
        let Kind::App(app) = &self.kind else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for page in 1..=50u32 {
            let installations: Vec<octocrab::models::Installation> = app
                .get(
                    format!("/app/installations?per_page=100&page={page}"),
                    None::<&()>,
                )
                .await
                .context("listing the App's installations")?;
            let n = installations.len();
            for inst in installations {
                let crab = app.installation(inst.id)?;
                for rpage in 1..=50u32 {
                    let listed: serde_json::Value = crab
                        .get(
                            format!("/installation/repositories?per_page=100&page={rpage}"),
                            None::<&()>,
                        )
                        .await
                        .with_context(|| {
                            format!("listing the repositories of installation {}", inst.id.0)
                        })?;
                    let repos = listed["repositories"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    for r in &repos {
                        if let Some(full) = r["full_name"].as_str() {
                            out.push((full.to_string(), inst.id.0));
                        }
                    }
                    if repos.len() < 100 {
                        break;
                    }
                }
            }
            if n < 100 {
                break;
            }
        }
        Ok(out)
    }
}
