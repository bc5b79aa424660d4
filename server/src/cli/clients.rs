//! `bmauth clients add|list|remove`: the apps that sign people in through BMAuth.

use bmauth::auth::AppRegistration;
use bmauth::config::IdTokenAlg;
use clap::Subcommand;

use crate::{Overrides, beside_serve};

#[derive(Subcommand)]
pub enum ClientsCommand {
    /// Register an app; prints its client_id and, unless --public, its
    /// client_secret (shown this once: only a hash is kept).
    Add {
        /// What the consent page and the account page call it.
        #[arg(long)]
        name: String,
        /// Where it may be sent back after signing in, matched exactly (repeat
        /// for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Where it may send people after signing out (repeatable).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A browser or native app that cannot keep a secret: no secret, PKCE
        /// required.
        #[arg(long)]
        public: bool,
        /// How its ID tokens are signed: ES256, or RS256 for a library that
        /// knows no other.
        #[arg(long, default_value = "ES256", value_parser = ["ES256", "RS256"])]
        id_token_alg: String,
        /// Who may sign in to it: an address, or `*@example.com` for a whole
        /// domain (repeat for several). Without it, everyone with an account.
        #[arg(long = "allow")]
        allow: Vec<String>,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// List the apps (from the configuration and from `clients add`).
    List(Overrides),
    /// Remove an app added with `clients add`, and every token it holds.
    Remove {
        /// Its client_id.
        id: String,
        #[command(flatten)]
        overrides: Overrides,
    },
}

/// `bmauth clients add|list|remove`.
pub async fn run(
    file: &std::path::Path,
    command: ClientsCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        ClientsCommand::Add {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            id_token_alg,
            allow,
            overrides,
        } => {
            let bmauth = beside_serve(file, overrides).await?;
            let added = bmauth
                .auth()
                .add_client(&AppRegistration {
                    name,
                    redirect_uris,
                    post_logout_redirect_uris,
                    public,
                    id_token_alg: IdTokenAlg::parse(&id_token_alg).unwrap_or_default(),
                    allow,
                })
                .await?;
            println!("client_id={}", added.id);
            if let Some(secret) = added.secret {
                println!("client_secret={secret}");
            }
        }
        ClientsCommand::List(overrides) => {
            let bmauth = beside_serve(file, overrides).await?;
            for client in bmauth.auth().clients().await? {
                let kind = if client.public {
                    "public"
                } else {
                    "confidential"
                };
                let who = if client.allow.is_empty() {
                    "everyone".to_string()
                } else {
                    client.allow.join(" ")
                };
                println!(
                    "{}\t{}\t{kind}\t{}\t{who}",
                    client.id,
                    client.name,
                    client.redirect_uris.join(" ")
                );
            }
        }
        ClientsCommand::Remove { id, overrides } => {
            let bmauth = beside_serve(file, overrides).await?;
            if !bmauth.auth().remove_client(&id).await? {
                return Err(format!(
                    "no client `{id}` was added with `bmauth clients add` (clients in the configuration file are removed there)"
                )
                .into());
            }
            println!("removed {id}");
        }
    }
    Ok(())
}
