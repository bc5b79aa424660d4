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

use rand::Rng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use webauthn_rs::prelude::{
    CreationChallengeResponse, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, RequestChallengeResponse,
};

use super::activity::SecurityEventKind;
use super::ceremony::{CeremonyKind, verification_error};
use super::login::parse_passkeys;
use super::rate_limit::{Limit, address_key, client_key};
use super::registration::{ask_for_this_device, new_credential};
use super::{
    Auth, AuthError, AuthResult, ClientInfo, PasskeyOrigin, SessionToken, SignedIn, User, UserId,
    mask_email, policy, secs,
};
use crate::clock::UnixTime;
use crate::crypto::{HashPurpose, b64url, hex, random_bytes, sha256};
use crate::store::{Approver, JoinedDevice, LinkOutcome, LinkRow, UserKey};

/// Where a device link stands.
///
/// ```
/// use bmauth::core::LinkState;
///
/// assert_eq!(LinkState::from_name("approved"), Some(LinkState::Approved));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Offered by a trusted device; no new device has scanned it yet.
    Waiting,
    /// A new device is bound to it and shows its number; waiting for approval.
    Pending,
    /// Approved: the new device may make its passkey.
    Approved,
    /// Denied, or refused after a wrong number.
    Denied,
    /// The new device turned it down: not the account it meant to join.
    Declined,
    /// The new device made its passkey and signed in.
    Used,
}

impl LinkState {
    /// How it is stored and sent.
    ///
    /// ```
    /// assert_eq!(bmauth::core::LinkState::Pending.as_str(), "pending");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Declined => "declined",
            Self::Used => "used",
        }
    }

    /// The state with this name.
    ///
    /// ```
    /// assert_eq!(bmauth::core::LinkState::from_name("lost"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Waiting,
            Self::Pending,
            Self::Approved,
            Self::Denied,
            Self::Declined,
            Self::Used,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// How a new device came to be approved: by a signed-in device, or by a recovery
/// code (the old device lost). The account's notice says which.
///
/// ```
/// use bmauth::core::LinkOrigin;
///
/// assert_eq!(LinkOrigin::from_name("recovery"), Some(LinkOrigin::Recovery));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOrigin {
    /// Approved on a signed-in device (QR code or typed code).
    Device,
    /// A recovery code from the account's email.
    Recovery,
    /// A passkey of the account on a phone nearby (hybrid transport).
    Nearby,
}

impl LinkOrigin {
    /// How it is stored.
    ///
    /// ```
    /// assert_eq!(bmauth::core::LinkOrigin::Device.as_str(), "device");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Device => "device",
            Self::Recovery => "recovery",
            Self::Nearby => "nearby",
        }
    }

    /// The origin stored as `name`.
    ///
    /// ```
    /// assert_eq!(bmauth::core::LinkOrigin::from_name("qr"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Device, Self::Recovery, Self::Nearby]
            .into_iter()
            .find(|o| o.as_str() == name)
    }

    /// How the passkey a device makes through such a link came to the account.
    fn passkey_origin(self) -> PasskeyOrigin {
        match self {
            Self::Device => PasskeyOrigin::DeviceLink,
            Self::Recovery => PasskeyOrigin::Recovery,
            Self::Nearby => PasskeyOrigin::Nearby,
        }
    }
}

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
    pub state: LinkState,
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
    /// Where it stands.
    pub state: LinkState,
    /// Whether it ran out before it was used or denied.
    pub expired: bool,
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
struct ForLink<T> {
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
fn same_network(link: &LinkRow, client: &ClientInfo) -> bool {
    let theirs = link.new_ip.as_deref().and_then(|ip| ip.parse().ok());
    theirs.is_some() && client.ip.is_some() && address_key(theirs) == address_key(client.ip)
}

/// A new device on another network: the shape a relay takes (BCP §4.1.1), in
/// either direction (a phishing page can show the new device's code, or ask for
/// the owner's), so approving it needs the person to say, a second time, that they
/// hold that device (BCP §6.1.1, §6.1.13).
fn needs_holding_confirmation(link: &LinkRow, client: &ClientInfo) -> bool {
    !same_network(link, client)
}

/// "Chrome on Android": the browser and system a user agent names.
pub(crate) fn describe_device(user_agent: Option<&str>) -> Option<String> {
    let parsed = woothee::parser::Parser::new().parse(user_agent?)?;
    let known = |name: &str| !name.is_empty() && name != "UNKNOWN";
    match (known(parsed.name), known(parsed.os)) {
        (true, true) => Some(format!("{} on {}", parsed.name, parsed.os)),
        (true, false) => Some(parsed.name.to_string()),
        (false, true) => Some(format!("A browser on {}", parsed.os)),
        (false, false) => None,
    }
}

impl Auth {
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

    /// A new device asks to be added to an account: it shows the QR code (or the
    /// code) and its number, and waits for a signed-in device to approve. This is
    /// the direction a phishing page can relay (the cross-device BCP's consent
    /// phishing, §4.1): the operator may turn it off (`link.new_device_shows_code`),
    /// and it is rate limited per client.
    pub async fn request_link(&self, client: &ClientInfo) -> AuthResult<NewLink> {
        if !self.settings.new_device_shows_code {
            return Err(AuthError::LinkDirectionDisabled);
        }
        self.limit(Limit::LinkRequestsPerClient, &client_key(client))
            .await?;
        let (mut row, mut shown) = self.new_link_row(LinkState::Pending, None);
        Self::bind_new_device(&mut row, client);
        shown.number = row.number.clone();
        self.store.insert_link(&row).await?;
        Ok(shown)
    }

    /// A signed-in person offers to add a device to their account: their device
    /// shows the QR code for the new one to scan.
    pub async fn offer_link(&self, user: &User, client: &ClientInfo) -> AuthResult<NewLink> {
        self.limit(Limit::CeremoniesPerClient, &client_key(client))
            .await?;
        let (row, shown) = self.new_link_row(LinkState::Waiting, Some(&user.id));
        self.store.insert_link(&row).await?;
        Ok(shown)
    }

    /// The new device scanned (or typed) an offer: the link is bound to its browser,
    /// and it gets the number to show. Only the first device to claim it does.
    pub async fn claim_link(
        &self,
        token_or_code: &str,
        client: &ClientInfo,
    ) -> AuthResult<LinkProgress> {
        // Codes can be guessed at; each guess counts.
        self.limit(Limit::PinTriesPerClient, &client_key(client))
            .await?;
        let mut link = self.find_link(token_or_code).await?;
        let mine = link.new_browser_hash.as_deref() == Some(&*client.browser.id_hash());
        if !mine {
            if link.state != LinkState::Waiting {
                return Err(AuthError::LinkNotFound); // someone else's now
            }
            Self::bind_new_device(&mut link, client);
            if !self.store.claim_link(&link, self.now()).await? {
                return Err(AuthError::LinkNotFound);
            }
            link.state = LinkState::Pending;
        }
        Ok(LinkProgress {
            state: link.state,
            expired: false,
            number: link.number,
            device: None,
        })
    }

    /// What the signed-in person is shown before approving: who is asking.
    pub async fn link_request(
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
            state: link.state,
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
            self.store.deny_link(&link.id_hash, self.now()).await?;
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
        if !self
            .store
            .approve_link(&link.id_hash, &user.id, &used, &approver, now, expires_at)
            .await?
        {
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
        if !self.store.deny_link(&link.id_hash, self.now()).await? {
            return Err(AuthError::LinkNotFound);
        }
        tracing::info!(user = %user.id, "device link denied");
        Ok(())
    }

    /// The new device turns the link down: it is not the account it meant to join
    /// (or it changed its mind while waiting). The link ends; the device that
    /// approved it sees `declined`.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::core::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// let joining = bmauth.core().begin_link_registration("token", &client).await?;
    /// if !joining.account.ends_with("@example.com") {
    ///     bmauth.core().decline_link("token", &client).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn decline_link(&self, token_or_code: &str, client: &ClientInfo) -> AuthResult<()> {
        let link = self.find_link(token_or_code).await?;
        if !self
            .store
            .decline_link(&link.id_hash, &client.browser.id_hash(), self.now())
            .await?
        {
            return Err(AuthError::LinkNotFound);
        }
        tracing::info!("device link declined by the new device");
        Ok(())
    }

    /// Where the link stands, for the new device (by its browser) or for the
    /// account that offered or approved it (by its session). Nobody else.
    pub async fn link_progress(
        &self,
        token_or_code: &str,
        client: &ClientInfo,
        user: Option<&User>,
    ) -> AuthResult<LinkProgress> {
        let link = self.any_link(token_or_code).await?;
        let new_device = link.new_browser_hash.as_deref() == Some(&*client.browser.id_hash());
        let owner = matches!((user, &link.user_id), (Some(u), Some(owner)) if &u.id == owner);
        if !new_device && !owner {
            return Err(AuthError::LinkNotFound);
        }
        let finished = matches!(
            link.state,
            LinkState::Used | LinkState::Denied | LinkState::Declined
        );
        Ok(LinkProgress {
            state: link.state,
            expired: !finished && link.expires_at <= self.now(),
            number: new_device.then_some(link.number).flatten(),
            device: owner
                .then(|| describe_device(link.new_user_agent.as_deref()))
                .flatten(),
        })
    }

    /// The approved new device makes its passkey: creation options for the account,
    /// leaving out the passkeys it has (this device may hold one already), and the
    /// account's address, masked, to show before the passkey is made.
    pub async fn begin_link_registration(
        &self,
        token_or_code: &str,
        client: &ClientInfo,
    ) -> AuthResult<LinkRegistration> {
        let link = self.find_link(token_or_code).await?;
        if link.new_browser_hash.as_deref() != Some(&*client.browser.id_hash()) {
            return Err(AuthError::LinkNotFound);
        }
        let user_id = match (link.state, &link.user_id) {
            (LinkState::Approved, Some(user_id)) => user_id.clone(),
            (LinkState::Waiting | LinkState::Pending, _) => {
                return Err(AuthError::LinkNotApproved);
            }
            _ => return Err(AuthError::LinkNotFound),
        };
        let (user, rows) = match self
            .store
            .user_with_credentials(UserKey::Id(&user_id))
            .await?
        {
            Some(account) => account,
            // An account left without passkeys (its last removed with the mail's
            // undo link) gets its first again by recovery.
            None => (
                self.store
                    .user_by_id(&user_id)
                    .await?
                    .ok_or(AuthError::LinkNotFound)?,
                Vec::new(),
            ),
        };
        let handle = uuid::Uuid::parse_str(user.id.as_str())
            .map_err(|e| AuthError::internal("reading a user handle", e))?;
        let existing = parse_passkeys(&rows)?
            .iter()
            .map(|p| p.cred_id().clone())
            .collect();
        let (mut options, state) = self
            .webauthn
            .start_passkey_registration(handle, &user.email, &user.email, Some(existing))
            .map_err(|e| AuthError::internal("starting a link registration", e))?;
        ask_for_this_device(&mut options);
        let state = ForLink {
            link: link.id_hash,
            webauthn: state,
        };
        self.save_ceremony(
            CeremonyKind::LinkRegister,
            &options.public_key.challenge,
            Some(&user_id),
            None,
            &state,
            client,
        )
        .await?;
        Ok(LinkRegistration {
            options,
            account: mask_email(&user.email),
        })
    }

    /// The new device's passkey: stored for the account, the link used up, the
    /// device signed in, and the account told by mail.
    pub async fn finish_link_registration(
        &self,
        token_or_code: &str,
        credential: serde_json::Value,
        client: &ClientInfo,
        previous_session: Option<&SessionToken>,
    ) -> AuthResult<SignedIn> {
        let (response, ceremony): (RegisterPublicKeyCredential, _) = self
            .take_answer(CeremonyKind::LinkRegister, credential, client)
            .await?;
        let link = self.find_link(token_or_code).await?;
        let state: ForLink<PasskeyRegistration> = ceremony.state()?;
        let user_id = ceremony
            .user_id
            .clone()
            .ok_or(AuthError::CeremonyMismatch)?;
        if state.link != link.id_hash || link.user_id.as_ref() != Some(&user_id) {
            return Err(AuthError::CeremonyMismatch);
        }
        let user = self
            .store
            .user_by_id(&user_id)
            .await?
            .ok_or(AuthError::LinkNotFound)?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&response, &state.webauthn)
            .map_err(verification_error)?;
        let now = self.now();
        let mut credential = new_credential(
            &passkey,
            &response,
            client,
            now,
            link.origin.passkey_origin(),
        )?;
        credential.held_until = self.hold_for(link.origin, link.inherited_hold, now);
        let (session, token) = self.new_session(&user_id, Some(&credential.id), true, client);
        let (undo, undo_token) = self.new_undo(&user_id, &credential.id, client, now);
        let notice = self.device_added_notice(&link, client, now, &undo_token)?;
        let notice = self.security_notice(&user.email, &notice);
        let previous = previous_session.map(SessionToken::id_hash);
        let kind = match link.origin {
            LinkOrigin::Device | LinkOrigin::Nearby => SecurityEventKind::DeviceAdded,
            LinkOrigin::Recovery => SecurityEventKind::DeviceRecovered,
        };
        let event = self.event(&user_id, kind, Some(&credential.name), client);
        let outcome = match self
            .store
            .finish_link(
                &link.id_hash,
                &client.browser.id_hash(),
                &JoinedDevice {
                    credential: &credential,
                    session: &session,
                    notice: &notice,
                    event: &event,
                    undo: &undo,
                },
                previous.as_deref(),
            )
            .await
        {
            Err(e) if e.is_unique_violation() => LinkOutcome::CredentialExists,
            other => other?,
        };
        match outcome {
            LinkOutcome::Added => {}
            LinkOutcome::Gone => return Err(AuthError::LinkNotFound),
            LinkOutcome::CredentialExists => return Err(AuthError::CredentialAlreadyRegistered),
        }
        tracing::info!(user = %user_id, "device added by link");
        self.send_notice(&notice).await;
        Ok(SignedIn {
            user: User {
                id: user_id,
                email: user.email,
                verified: user.verified_at.is_some(),
            },
            token,
            expires_at: session.expires_at,
        })
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

    #[test]
    fn devices_are_described_in_words() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                       (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        assert_eq!(
            describe_device(Some(android)).as_deref(),
            Some("Chrome on Android")
        );
        assert_eq!(describe_device(None), None);
    }
}
