//! Adding a device by QR code. Two devices, one account: the *new* device (no
//! passkey for the account yet) and the *trusted* one (signed in, with a passkey).
//!
//! Either side begins. A new device `request`s a link and shows its QR code; a
//! trusted device `offer`s one and the new device `claim`s it by scanning. Either
//! way the new device is then bound to the link by its browser cookie (a photo of
//! the QR opened elsewhere gets nothing) and shows a 2-digit number. The trusted
//! device's owner sees who is asking, types that number (a wrong one refuses the
//! link, so a code sent by a stranger cannot be approved by reflex) and approves
//! with a fresh passkey assertion of the same account, not just a session. The new
//! device then makes its own passkey for the account and is signed in; the account
//! is told by mail.
//!
//! Tokens are 128 random bits, stored as SHA-256; the typed fallback code is 50
//! bits, stored keyed-hashed. A link lives 5 minutes, is used once, and all its
//! state is in the database, so the two devices may talk to different instances.

mod approval;
mod asking;
mod joining;
mod recovery_link;
mod steps;

use rand::Rng;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::CreationChallengeResponse;

use super::device::describe_device;
use super::rate_limit::{Limit, address_key, client_key};
use super::{
    Auth, AuthError, AuthResult, ClientInfo, LinkOrigin, LinkState, PasskeyOrigin, User, UserId,
    policy, secs,
};
use crate::clock::UnixTime;
use crate::crypto::{HashPurpose, b64url, hex, random_bytes, sha256};
use crate::store::{LinkMove, LinkRow};
pub(crate) use steps::Step;

/// A new link: what the device that began it shows.
#[derive(Debug)]
pub struct NewLink {
    /// The token the QR code carries (in a URL's fragment). 128 bits, base64url.
    pub token: String,
    /// The same link as a code a person can type: `XXXXX-XXXXX`.
    pub code: String,
    /// The number to show, when the device that began it is the new one.
    pub number: Option<String>,
    /// When it expires.
    pub expires_at: UnixTime,
}

/// A link as the trusted device's owner sees it before approving.
#[derive(Debug)]
pub struct LinkRequest {
    /// Where it stands.
    pub state: bmauth_proto::LinkState,
    /// The new device's browser and system, e.g. "Chrome on Android".
    pub device: Option<String>,
    /// The new device's address.
    pub ip: Option<String>,
    /// Roughly where that address is ("near Lyon, France"), with a GeoIP database.
    pub location: Option<String>,
    /// Whether that address is this device's (same network) or another.
    pub same_network: bool,
    /// Approving needs the person to confirm they hold the device: it is on
    /// another network.
    pub confirm_holding: bool,
    /// When the link was begun.
    pub created_at: UnixTime,
    /// When it expires.
    pub expires_at: UnixTime,
}

/// A link as either device sees it while waiting.
#[derive(Debug)]
pub struct LinkProgress {
    /// Where it stands (`expired` if it ran out before it finished).
    pub state: bmauth_proto::LinkState,
    /// The number, for the new device.
    pub number: Option<String>,
    /// The new device's description, for the trusted one.
    pub device: Option<String>,
}

/// What an approved new device needs to make its passkey: the creation options,
/// and the account it would join, partly masked (`an…@example.com`), to show the
/// person before the passkey is made, so that a device approved into someone
/// else's account is seen and turned down (`decline_link`).
#[derive(Debug)]
pub struct LinkRegistration {
    /// For `navigator.credentials.create`.
    pub options: CreationChallengeResponse,
    /// The account's address, partly masked.
    pub account: String,
}

/// Ceremony state of the approval and of the new device's passkey: the WebAuthn
/// state and the link it belongs to.
#[derive(Serialize, Deserialize)]
pub(super) struct ForLink<T> {
    link: String,
    webauthn: T,
}

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/I).
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const CODE_LEN: usize = 10;

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

fn new_number() -> String {
    format!("{:02}", rand::rng().random_range(0..100u8))
}

/// A typed code as stored: upper case, without spaces or dashes.
fn normalise_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// Whether the new device asked from this device's address (IPv6: the same /64):
/// probably the same network, as two devices in one person's hands usually are.
pub(super) fn same_network(link: &LinkRow, client: &ClientInfo) -> bool {
    let theirs = link.new_ip.as_deref().and_then(|ip| ip.parse().ok());
    theirs.is_some() && client.ip.is_some() && address_key(theirs) == address_key(client.ip)
}

/// A new device on another network: the shape a relay takes (BCP §4.1.1), in
/// either direction (a phishing page can show the new device's code, or ask for
/// the owner's), so approving it needs the person to say, a second time, that they
/// hold that device (BCP §6.1.1, §6.1.13).
pub(super) fn needs_holding_confirmation(link: &LinkRow, client: &ClientInfo) -> bool {
    !same_network(link, client)
}

/// How a passkey a device makes through a link of `origin` came to the account.
pub(super) fn passkey_origin(origin: LinkOrigin) -> PasskeyOrigin {
    match origin {
        LinkOrigin::Device => PasskeyOrigin::DeviceLink,
        LinkOrigin::Recovery | LinkOrigin::RecoveryLink => PasskeyOrigin::Recovery,
        LinkOrigin::Nearby => PasskeyOrigin::Nearby,
    }
}

impl Auth {
    /// The step `step` of `link`, now, with nothing written but its state and no
    /// check but its state and expiry: callers add what the step brings.
    fn step<'a>(&self, link: &'a LinkRow, step: Step) -> LinkMove<'a> {
        LinkMove {
            id_hash: &link.id_hash,
            from: step.from(),
            to: step.to(),
            now: self.now(),
            binds: None,
            approves: None,
            only_browser: None,
            only_user: None,
        }
    }

    /// The mail telling the account that the device bound to `link` joined it.
    fn device_added_notice(
        &self,
        link: &LinkRow,
        client: &ClientInfo,
        now: UnixTime,
        undo_token: &str,
    ) -> AuthResult<crate::mail::MailBody> {
        use crate::mail::{ApprovedBy, DeviceAdded, device_added_mail};
        let device = describe_device(client.user_agent.as_deref());
        let approver = describe_device(link.approver_user_agent.as_deref());
        let ip = client.ip.map(|ip| ip.to_string());
        let approved_by = match link.origin {
            LinkOrigin::Recovery => ApprovedBy::RecoveryCode,
            LinkOrigin::RecoveryLink => ApprovedBy::RecoveryLink,
            LinkOrigin::Nearby => ApprovedBy::NearbyPasskey,
            LinkOrigin::Device => ApprovedBy::SignedInDevice {
                device: approver.as_deref(),
                ip: link.approver_ip.as_deref(),
            },
        };
        let mut undo_url = self
            .origin()
            .join("/auth/undo")
            .map_err(|e| AuthError::internal("building an undo link", e))?;
        // In the fragment: never sent to a server, so in no log and no Referer.
        undo_url.set_fragment(Some(undo_token));
        Ok(device_added_mail(
            &self.settings.rp_name,
            &DeviceAdded {
                device: device.as_deref(),
                ip: ip.as_deref(),
                at: now,
                approved_by,
                undo_url: undo_url.as_str(),
            },
        ))
    }

    /// The hashes a token or typed code is found by.
    fn link_keys(&self, token_or_code: &str) -> (String, String) {
        let text = token_or_code.trim();
        let code_hash = match normalise_code(text) {
            Some(code) => hex(&self
                .secret
                .keyed_hash(HashPurpose::LinkCode, &[code.as_bytes()])),
            None => String::new(), // matches no row: every stored code hash is 64 hex digits
        };
        (hex(&sha256(text.as_bytes())), code_hash)
    }

    /// The link with this token or code, expired or not.
    async fn any_link(&self, token_or_code: &str) -> AuthResult<LinkRow> {
        if token_or_code.trim().is_empty() || token_or_code.len() > 64 {
            return Err(AuthError::LinkNotFound);
        }
        let (id_hash, code_hash) = self.link_keys(token_or_code);
        self.store
            .link(&id_hash, &code_hash)
            .await?
            .ok_or(AuthError::LinkNotFound)
    }

    /// The live link with this token or code.
    async fn find_link(&self, token_or_code: &str) -> AuthResult<LinkRow> {
        let link = self.any_link(token_or_code).await?;
        if link.expires_at <= self.now() {
            return Err(AuthError::LinkExpired);
        }
        Ok(link)
    }

    /// The live link a signed-in person is about to judge: offers only by their own
    /// account; requests by whoever the new device's owner shows them to. Each look
    /// counts as a guess at the code.
    async fn link_to_judge(
        &self,
        token_or_code: &str,
        user: &User,
        client: &ClientInfo,
    ) -> AuthResult<LinkRow> {
        self.limit(Limit::PinTriesPerClient, &client_key(client))
            .await?;
        let link = self.find_link(token_or_code).await?;
        match &link.user_id {
            Some(owner) if owner != &user.id => Err(AuthError::LinkNotFound),
            _ => Ok(link),
        }
    }

    pub(crate) fn new_link_row(
        &self,
        state: LinkState,
        user: Option<&UserId>,
    ) -> (LinkRow, NewLink) {
        let token = b64url(&random_bytes::<16>());
        let code = new_code();
        let now = self.now();
        let expires_at = now + secs(policy::LINK_TTL);
        let id_hash = self.link_keys(&token).0;
        let code_hash = self.link_keys(&code).1;
        let row = LinkRow {
            id_hash,
            code_hash,
            user_id: user.cloned(),
            origin: LinkOrigin::Device,
            state,
            new_browser_hash: None,
            new_user_agent: None,
            new_ip: None,
            number: None,
            created_at: now,
            expires_at,
            approver_user_agent: None,
            approver_ip: None,
            inherited_hold: None,
        };
        let shown = NewLink {
            token,
            code: format!("{}-{}", &code[..5], &code[5..]),
            number: None,
            expires_at,
        };
        (row, shown)
    }

    /// Binds `link` to the browser of `client`, the new device, with a fresh number.
    pub(crate) fn bind_new_device(link: &mut LinkRow, client: &ClientInfo) {
        link.new_browser_hash = Some(client.browser.id_hash());
        link.new_user_agent = client.user_agent_to_store();
        link.new_ip = client.ip.map(|ip| ip.to_string());
        link.number = Some(new_number());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_forgive_case_dashes_and_look_alikes() {
        assert_eq!(normalise_code("abcde-fghjk").as_deref(), Some("ABCDEFGHJK"));
        assert_eq!(
            normalise_code(" ABCDE FGHJK ").as_deref(),
            Some("ABCDEFGHJK")
        );
        assert_eq!(normalise_code("ABCDE-FGHJ"), None, "too short");
        assert_eq!(normalise_code("ABCDE-FGH!K"), None, "not in the alphabet");
        assert_eq!(
            normalise_code("ABCDE-FGHJ0"),
            None,
            "no zero: it looks like an O"
        );
        assert_eq!(new_code().len(), CODE_LEN);
        assert!(normalise_code(&new_code()).is_some());
    }
}
