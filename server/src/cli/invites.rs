//! `bmauth invites create|list|revoke`: who may sign up when `signup = "invite"`.

use std::time::Duration;

use bmauth::auth::{Actor, Invitation};
use clap::Subcommand;
use serde_json::json;

use super::{print_json, when};
use crate::{Overrides, beside_serve};

#[derive(Subcommand)]
pub enum InvitesCommand {
    /// Invite an address; prints the one-time link to send them.
    Create {
        /// The one address the invitation admits.
        email: String,
        /// Days it stays good.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u64).range(1..=90))]
        days: u64,
        /// JSON instead.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// The invitations, newest first (tab-separated: id, email, state, expires).
    List {
        /// A JSON array instead.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Take back an unused invitation, by its id or by address (all of its).
    Revoke {
        /// The id from `invites list`, or an email address.
        id_or_email: String,
        #[command(flatten)]
        overrides: Overrides,
    },
}

fn invitation_json(i: &Invitation) -> serde_json::Value {
    json!({
        "id": i.id,
        "email": i.email,
        "state": i.state,
        "created_at": when(i.created_at),
        "expires_at": when(i.expires_at),
        "created_by": i.created_by,
    })
}

pub async fn run(
    file: &std::path::Path,
    command: InvitesCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        InvitesCommand::Create {
            email,
            days,
            json,
            overrides,
        } => {
            let bmauth = beside_serve(file, overrides).await?;
            let valid_for = Duration::from_secs(days * 24 * 3600);
            let invitation = bmauth
                .auth()
                .invite(&email, Some(valid_for), &Actor::CommandLine)
                .await?;
            if json {
                print_json(&json!({
                    "id": invitation.id,
                    "email": invitation.email,
                    "link": invitation.link.as_str(),
                    "expires_at": when(invitation.expires_at),
                }))?;
            } else {
                println!("{}", invitation.link);
            }
        }
        InvitesCommand::List { json, overrides } => {
            let bmauth = beside_serve(file, overrides).await?;
            let invitations = bmauth.auth().invitations().await?;
            if json {
                print_json(&invitations.iter().map(invitation_json).collect::<Vec<_>>())?;
            } else {
                for i in &invitations {
                    let state = serde_json::to_value(i.state).unwrap_or_default();
                    println!(
                        "{}\t{}\t{}\t{}",
                        i.id,
                        i.email,
                        state.as_str().unwrap_or_default(),
                        when(i.expires_at)
                    );
                }
            }
        }
        InvitesCommand::Revoke {
            id_or_email,
            overrides,
        } => {
            let bmauth = beside_serve(file, overrides).await?;
            let revoked = bmauth
                .auth()
                .revoke_invitation(&id_or_email, &Actor::CommandLine)
                .await?;
            for email in revoked {
                println!("revoked the invitation for {email}");
            }
        }
    }
    Ok(())
}
