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
                let id = match installation {
                    Some(id) => id,
                    None => {
                        let inst: octocrab::models::Installation = app
                            .get(format!("/repos/{owner}/{name}/installation"), None::<&()>)
                            .await
                            .with_context(|| {
                                format!("finding the App's installation on {full_name}")
                            })?;
                        inst.id.0
                    }
                };
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
}
