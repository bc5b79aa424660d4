//! The reference app: `bmauth serve` runs it, `bmauth migrate` prepares the
//! database. All the work is in the `bmauth` library.

use std::net::SocketAddr;
use std::path::PathBuf;

use bmauth::config::IdTokenAlg;
use bmauth::{BmAuth, Config};
use clap::{Parser, Subcommand};
use figment::providers::Serialized;
use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "bmauth", version, about = "Passkey sign-in for Rust web apps")]
struct Cli {
    /// Configuration file (optional; environment BMAUTH_* and flags override it).
    #[arg(
        long,
        global = true,
        default_value = "bmauth.toml",
        env = "BMAUTH_CONFIG"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the app (migrates the database first).
    Serve(Overrides),
    /// Apply database migrations and exit.
    Migrate(Overrides),
    /// Check the configuration and print it (secrets hidden).
    CheckConfig(Overrides),
    /// The OpenID Connect provider's signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The apps that sign people in through BMAuth (OpenID Connect clients).
    #[command(subcommand)]
    Clients(ClientsCommand),
}

#[derive(Subcommand)]
enum ClientsCommand {
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

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a signing key that signs from now on; the old ones stay in the JWKS
    /// until the tokens they signed have expired.
    Rotate(Overrides),
}

/// Flags that override the file and environment. Unset flags override nothing.
#[derive(clap::Args, Serialize, Default)]
struct Overrides {
    /// Address to listen on, e.g. 127.0.0.1:3000.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<SocketAddr>,
    /// The app's public URL (also the WebAuthn origin).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    public_url: Option<String>,
    /// sqlite://path or postgres://...
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bmauth: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The binary's own keys, beside the library's in the same file and environment.
#[derive(Debug, Deserialize)]
struct ServeConfig {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    listen: SocketAddr,
    /// The built browser bundle and static files (`scripts/build-site` writes it).
    #[serde(default = "default_site_dir")]
    site_dir: PathBuf,
    /// Where to serve Prometheus metrics (`GET /metrics`); off when unset. Keep it
    /// on an address only your monitoring reaches, e.g. 127.0.0.1:9464.
    #[serde(default)]
    metrics_listen: Option<SocketAddr>,
}

const SERVE_KEYS: &[&str] = &["listen", "site_dir", "metrics_listen"];

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 3000))
}

fn default_site_dir() -> PathBuf {
    PathBuf::from("target/site")
}

/// The library's configuration and the binary's, from one set of sources.
fn load(
    file: &std::path::Path,
    flags: Overrides,
) -> Result<(Config, ServeConfig), Box<dyn std::error::Error>> {
    let sources = Config::sources(file).merge(Serialized::defaults(flags));
    let serve: ServeConfig = sources
        .extract()
        .map_err(|e| format!("could not read configuration: {e}"))?;
    Ok((Config::from_sources(&sources, SERVE_KEYS)?, serve))
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve(overrides) => {
            let (config, serve) = load(&cli.config, overrides)?;
            let public_url = config.public_url.clone();
            let bmauth = BmAuth::start(config).await?;
            let listener = tokio::net::TcpListener::bind(serve.listen).await?;
            tracing::info!(
                "BMAuth is serving on http://{} (public URL {public_url}, {} database)",
                listener.local_addr()?,
                bmauth.database_name()
            );
            if let Some(address) = serve.metrics_listen {
                let listener = tokio::net::TcpListener::bind(address).await?;
                tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
                let metrics = bmauth.metrics_router::<()>();
                tokio::spawn(async move {
                    if let Err(error) = axum::serve(listener, metrics).await {
                        tracing::error!(%error, "the metrics listener stopped");
                    }
                });
            }
            let app = bmauth
                .app(&serve.site_dir)
                .into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await?;
        }
        Command::Migrate(overrides) => {
            let (config, _) = load(&cli.config, overrides)?;
            let database = BmAuth::migrate(&config).await?;
            println!("migrations applied ({database})");
        }
        Command::CheckConfig(overrides) => {
            let (config, serve) = load(&cli.config, overrides)?;
            config.validate()?;
            println!("configuration is valid:\n{config:#?}\n{serve:#?}");
        }
        Command::Keys(KeysCommand::Rotate(overrides)) => {
            let bmauth = beside_serve(&cli.config, overrides).await?;
            let kid = bmauth.auth().rotate_signing_key().await?;
            println!("kid={kid}");
        }
        Command::Clients(command) => clients(&cli.config, command).await?,
    }
    Ok(())
}

/// The library on the same configuration and database as `serve`, for a command
/// that may run while it does: no worker of its own.
async fn beside_serve(
    file: &std::path::Path,
    overrides: Overrides,
) -> Result<BmAuth, Box<dyn std::error::Error>> {
    let (config, _) = load(file, overrides)?;
    Ok(BmAuth::builder(config)
        .background_worker(false)
        .start()
        .await?)
}

/// `bmauth clients add|list|remove`.
async fn clients(
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
            overrides,
        } => {
            let alg = IdTokenAlg::parse(&id_token_alg).unwrap_or_default();
            let bmauth = beside_serve(file, overrides).await?;
            let added = bmauth
                .auth()
                .add_client(
                    &name,
                    &redirect_uris,
                    &post_logout_redirect_uris,
                    public,
                    alg,
                )
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
                println!(
                    "{}\t{}\t{kind}\t{}",
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

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}
