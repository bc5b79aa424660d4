//! The signed-in side: where the request comes from and who is asking, the number
//! typed (a wrong one refuses the link for good), a second confirmation when the
//! new device is on another network, and a fresh assertion by a passkey of the
//! same account; or a denial.

use subtle::ConstantTimeEq;
use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential, RequestChallengeResponse};

use super::super::rate_limit::Limit;
use super::super::{
    Auth, AuthError, AuthResult, CeremonyKind, ClientInfo, LinkState, User, policy, secs,
};
use super::steps::{Step, on_the_wire};
use super::{ForLink, LinkRequest, needs_holding_confirmation, same_network};
use crate::auth::device::describe_device;
use crate::store::{Approver, LinkMove};

impl Auth {
    /// What the signed-in person is shown before approving: where the request comes
    /// from, and who is asking.
    pub async fn link_to_approve(
        &self,
        token_or_code: &str,
        user: &User,
        client: &ClientInfo,
    ) -> AuthResult<LinkRequest> {
        let link = self.link_to_judge(token_or_code, user, client).await?;
        let same_network = same_network(&link, client);
        let location = link
            .new_ip
            .as_deref()
            .and_then(|ip| ip.parse().ok())
            .and_then(|ip| self.geoip.place(ip));
        Ok(LinkRequest {
            state: on_the_wire(link.state, false),
            device: describe_device(link.new_user_agent.as_deref()),
            ip: link.new_ip.clone(),
            location,
            same_network,
            confirm_holding: needs_holding_confirmation(&link, client),
            created_at: link.created_at,
            expires_at: link.expires_at,
        })
    }

    /// The number the person typed, checked: a wrong one refuses the link for good.
    /// A request from another network also needs `holding_device`: the person
    /// said, a second time, that they hold the asking device. Then the options for
    /// a fresh assertion by a passkey of their account.
    pub async fn begin_link_approval(
        &self,
        token_or_code: &str,
        number: &str,
        holding_device: bool,
        user: &User,
        client: &ClientInfo,
    ) -> AuthResult<RequestChallengeResponse> {
        let link = self.link_to_judge(token_or_code, user, client).await?;
        if link.state != LinkState::Pending {
            return Err(AuthError::LinkNotFound);
        }
        // Counted once a real request waits for this account, so that codes that
        // lead nowhere do not spend the owner's allowance.
        self.limit(Limit::LinkApprovalsPerAccount, user.id.as_str())
            .await?;
        if needs_holding_confirmation(&link, client) && !holding_device {
            return Err(AuthError::HoldingDeviceRequired);
        }
        let expected = link.number.as_deref().unwrap_or_default();
        let typed = number.trim();
        let right = typed.len() == expected.len()
            && !expected.is_empty()
            && bool::from(typed.as_bytes().ct_eq(expected.as_bytes()));
        if !right {
            self.store.move_link(&self.step(&link, Step::Deny)).await?;
            tracing::info!(user = %user.id, "device link refused: wrong number");
            return Err(AuthError::LinkNumberWrong);
        }
        self.begin_assertion(CeremonyKind::LinkApprove, &user.id, client, |webauthn| {
            ForLink {
                link: link.id_hash,
                webauthn,
            }
        })
        .await
    }

    /// The fresh assertion: by a passkey of the signed-in person's own account, in
    /// the browser that asked for it. The link is approved for that account.
    pub async fn finish_link_approval(
        &self,
        token_or_code: &str,
        credential: serde_json::Value,
        user: &User,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let (response, ceremony): (PublicKeyCredential, _) = self
            .take_answer(CeremonyKind::LinkApprove, credential, client)
            .await?;
        let link = self.find_link(token_or_code).await?;
        let state: ForLink<PasskeyAuthentication> = ceremony.state()?;
        if ceremony.user_id.as_ref() != Some(&user.id) || state.link != link.id_hash {
            return Err(AuthError::CeremonyMismatch);
        }
        let used = self
            .check_assertion(&user.id, &response, &state.webauthn, client)
            .await?;
        let now = self.now();
        let expires_at = now + secs(policy::LINK_TTL);
        let approver = Approver {
            user_agent: client.user_agent_to_store(),
            ip: client.ip.map(|ip| ip.to_string()),
        };
        let step = LinkMove {
            now,
            approves: Some((&user.id, expires_at, &approver)),
            only_user: Some(&user.id),
            ..self.step(&link, Step::Approve)
        };
        if !self.store.approve_link(&step, &used).await? {
            return Err(AuthError::LinkNotFound);
        }
        tracing::info!(user = %user.id, "device link approved");
        Ok(())
    }

    /// The signed-in person says no.
    pub async fn deny_link(
        &self,
        token_or_code: &str,
        user: &User,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let link = self.link_to_judge(token_or_code, user, client).await?;
        if !self.store.move_link(&self.step(&link, Step::Deny)).await? {
            return Err(AuthError::LinkNotFound);
        }
        tracing::info!(user = %user.id, "device link denied");
        Ok(())
    }
}
