//! The JSON API's routes, each with the types it takes and answers. The server
//! mounts its handlers on these paths and the browser client calls them through
//! [`Endpoint`], so a path or a body shape cannot drift between the two.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    AccountDeletedResponse, ActivityResponse, AdminAppsResponse, AdminLogResponse, AppRequest,
    AppsResponse, AutofillRequest, CredentialRequest, EmailChangedResponse, EmailCodeRequest,
    EmailRequest, EmailUndoDetailsResponse, Empty, InvitationCreatedResponse, InvitationRequest,
    InvitationsResponse, LinkApproveRequest, LinkCredentialRequest, LinkDetailsResponse,
    LinkRegistrationOptions, LinkStatusResponse, LinkTokenRequest, MessageResponse,
    NewLinkResponse, PasskeyRemovedResponse, PasskeyRequest, PasskeysResponse, PeopleResponse,
    PersonRequest, PersonResponse, ReauthRequest, RecoveredResponse, RegisteredResponse,
    RenamePasskeyRequest, SessionRequest, SessionsEndedResponse, SessionsResponse, SignUpRequest,
    StatusResponse, UndoDetailsResponse, UndoRequest, UserResponse, VerifyEmailRequest,
    WebAuthnJson,
};

/// How an endpoint is called.
///
/// ```
/// use bmauth_proto::routes::{Endpoint, Me, Method, Logout};
///
/// assert_eq!(Me::METHOD, Method::Get);
/// assert_eq!(Logout::METHOD, Method::Post);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Reads; needs no `Origin`.
    Get,
    /// Changes state: needs `Origin` and a JSON body.
    Post,
}

/// One route of the JSON API.
///
/// ```
/// use bmauth_proto::routes::{Endpoint, LoginBegin};
///
/// /// A client's one call function, for every route.
/// fn describe<E: Endpoint>() -> String {
///     format!("{:?} {}", E::METHOD, E::PATH)
/// }
/// assert_eq!(describe::<LoginBegin>(), "Post /auth/login/begin");
/// ```
pub trait Endpoint {
    /// The path, from the site's root.
    const PATH: &'static str;
    /// GET or POST.
    const METHOD: Method;
    /// The JSON body sent (`Empty` for none).
    type Request: Serialize + DeserializeOwned;
    /// The JSON answer on success.
    type Response: Serialize + DeserializeOwned;
}

macro_rules! endpoints {
    ($($(#[$doc:meta])* $name:ident: $method:ident $path:literal, $request:ty => $response:ty;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl Endpoint for $name {
            const PATH: &'static str = $path;
            const METHOD: Method = Method::$method;
            type Request = $request;
            type Response = $response;
        }
    )*};
}

endpoints! {
    /// Creation options for a new account's first passkey.
    RegisterBegin: Post "/auth/register/begin", SignUpRequest => WebAuthnJson;
    /// The new passkey; the server stores the sign-up and emails a code (`201`).
    RegisterComplete: Post "/auth/register/complete", CredentialRequest => RegisteredResponse;
    /// The emailed code, typed in the browser that signed up; signs in.
    VerifyEmail: Post "/auth/verify-email", VerifyEmailRequest => UserResponse;
    /// A new code for this browser's pending sign-up (`202`).
    ResendPin: Post "/auth/resend-pin", EmailRequest => MessageResponse;
    /// Request options naming the account's passkeys.
    LoginBegin: Post "/auth/login/begin", EmailRequest => WebAuthnJson;
    /// The signed challenge; signs in.
    LoginComplete: Post "/auth/login/complete", CredentialRequest => UserResponse;
    /// Request options for passkey autofill (conditional mediation).
    AutofillBegin: Post "/auth/login/autofill/begin", Empty => WebAuthnJson;
    /// An autofill passkey's signed challenge; the passkey names the account.
    AutofillComplete: Post "/auth/login/autofill/complete", AutofillRequest => UserResponse;
    /// Ends the session server-side.
    Logout: Post "/auth/logout", Empty => MessageResponse;
    /// The signed-in user, or `401 not_signed_in`.
    Me: Get "/auth/me", Empty => UserResponse;
    /// Whether anyone is signed in.
    Status: Get "/auth/status", Empty => StatusResponse;

    /// Recovery: mails a code to the account with this address, bound to this browser
    /// (`202`, the same answer whether or not the account exists).
    RecoverBegin: Post "/auth/recover/begin", EmailRequest => MessageResponse;
    /// The recovery code: answers a device link, approved for the account, with which
    /// this browser makes its passkey (`/auth/link/register/…`).
    RecoverVerify: Post "/auth/recover/verify", VerifyEmailRequest => RecoveredResponse;
    /// A recovery link an administrator sent, opened here: answers a device link,
    /// approved for the account and now bound to this browser, as the code does.
    RecoverLink: Post "/auth/recover/link", LinkTokenRequest => RecoveredResponse;

    /// Adding a device, begun by the new device: a link to show as a QR code, and
    /// the number to show beside it.
    LinkRequest: Post "/auth/link/request", Empty => NewLinkResponse;
    /// Adding a device, begun by a signed-in one: a link for the new device to scan.
    LinkOffer: Post "/auth/link/offer", Empty => NewLinkResponse;
    /// The new device scanned (or typed) an offer: it is bound to it and gets its number.
    LinkClaim: Post "/auth/link/claim", LinkTokenRequest => LinkStatusResponse;
    /// Who is asking, for the signed-in person about to approve.
    LinkDetails: Post "/auth/link/details", LinkTokenRequest => LinkDetailsResponse;
    /// The number the new device shows, typed; a wrong one refuses the link. Answers
    /// request options for a fresh assertion by a passkey of the signed-in account.
    LinkApproveBegin: Post "/auth/link/approve/begin", LinkApproveRequest => WebAuthnJson;
    /// The fresh assertion: the link is approved.
    LinkApproveComplete: Post "/auth/link/approve/complete", LinkCredentialRequest => MessageResponse;
    /// The signed-in person says no.
    LinkDeny: Post "/auth/link/deny", LinkTokenRequest => MessageResponse;
    /// Where the link stands, for either device (poll it, with backoff).
    LinkStatus: Post "/auth/link/status", LinkTokenRequest => LinkStatusResponse;
    /// The approved new device: creation options for its own passkey, and the
    /// account it would join, masked, to confirm first.
    LinkRegisterBegin: Post "/auth/link/register/begin", LinkTokenRequest => LinkRegistrationOptions;
    /// The new device turns the link down (not the account it meant to join, or it
    /// changed its mind): the link ends, and the approving device sees `declined`.
    LinkDecline: Post "/auth/link/decline", LinkTokenRequest => MessageResponse;
    /// The new device's passkey: stored, and the device signed in.
    LinkRegisterComplete: Post "/auth/link/register/complete", LinkCredentialRequest => UserResponse;

    /// Adding a device with a passkey from a phone nearby (the platform's hybrid
    /// transport, proximity checked over Bluetooth): request options hinting
    /// `hybrid`, for a discoverable passkey.
    LinkNearbyBegin: Post "/auth/link/nearby/begin", Empty => WebAuthnJson;
    /// The phone's signed challenge: a device link approved for its account and
    /// bound to this browser, to make this device's own passkey with
    /// (`/auth/link/register/…`).
    LinkNearbyComplete: Post "/auth/link/nearby/complete", AutofillRequest => RecoveredResponse;

    /// What the "This wasn't me" link in the mail about a new device would remove.
    /// No sign-in needed: the token is the key.
    UndoDetails: Post "/auth/link/undo/details", UndoRequest => UndoDetailsResponse;
    /// Removes that device's passkey (and its sessions); the link is used up.
    Undo: Post "/auth/link/undo", UndoRequest => MessageResponse;

    /// The signed-in account's passkeys.
    Passkeys: Get "/auth/passkeys", Empty => PasskeysResponse;
    /// Renames one of them.
    RenamePasskey: Post "/auth/passkeys/rename", RenamePasskeyRequest => MessageResponse;
    /// Removes one, ending the sessions it opened. Needs a confirmation with a passkey
    /// in this session within the last 5 minutes (`403 reauthentication_required`
    /// otherwise); the last passkey is kept (`409 last_passkey`).
    RemovePasskey: Post "/auth/passkeys/remove", PasskeyRequest => PasskeyRemovedResponse;
    /// Request options for confirming it's you with one of the account's passkeys.
    ReauthBegin: Post "/auth/reauth/begin", Empty => WebAuthnJson;
    /// The signed challenge: this session counts as freshly confirmed for 5 minutes.
    ReauthComplete: Post "/auth/reauth/complete", ReauthRequest => MessageResponse;
    /// The signed-in account's live sessions.
    Sessions: Get "/auth/sessions", Empty => SessionsResponse;
    /// Ends one of them (this one too, which signs out).
    EndSession: Post "/auth/sessions/end", SessionRequest => SessionsEndedResponse;
    /// Ends every session but this one.
    EndOtherSessions: Post "/auth/sessions/end-others", Empty => SessionsEndedResponse;
    /// The account's recent security events.
    Activity: Get "/auth/activity", Empty => ActivityResponse;
    /// The apps the account signed in to through BMAuth (OpenID Connect).
    Apps: Get "/auth/apps", Empty => AppsResponse;
    /// Revokes one: its consent is forgotten and every token it holds for the
    /// account ends (`404 app_not_found` if it had none).
    RevokeApp: Post "/auth/apps/revoke", AppRequest => MessageResponse;
    /// Everything kept about the signed-in person, as a JSON file to download.
    ExportAccount: Get "/auth/account/export", Empty => WebAuthnJson;
    /// Deletes the signed-in person's account and everything of it (after a fresh
    /// passkey: `403 reauthentication_required` otherwise), mails them a last notice
    /// and signs out.
    DeleteAccount: Post "/auth/account/delete", Empty => AccountDeletedResponse;
    /// Mails a code to a new address for the signed-in account (after a fresh
    /// passkey: `403 reauthentication_required`; `409 email_taken` if another
    /// account has it).
    EmailChangeBegin: Post "/auth/account/email", EmailRequest => MessageResponse;
    /// The code from the new address, typed in this browser: the address changes;
    /// the old one is mailed a link that undoes it for 7 days.
    EmailChangeConfirm: Post "/auth/account/email/confirm", EmailCodeRequest => EmailChangedResponse;
    /// What the old address's undo link would put back. No sign-in: the token is the key.
    EmailUndoDetails: Post "/auth/account/email/undo/details", UndoRequest => EmailUndoDetailsResponse;
    /// Puts the old address back and signs every session out; the link is used up.
    EmailUndo: Post "/auth/account/email/undo", UndoRequest => MessageResponse;

    /// Administration. Every route answers `403 admin_required` to anyone but an
    /// administrator; every change also needs a passkey confirmation from the last
    /// 5 minutes (`403 reauthentication_required`, as `/auth/reauth/…` gives).
    /// Every account, by address.
    AdminPeople: Get "/auth/admin/people", Empty => PeopleResponse;
    /// One account in full.
    AdminPerson: Post "/auth/admin/person", PersonRequest => PersonResponse;
    /// Disables it: its sessions and app tokens end at once; nothing signs in.
    AdminDisable: Post "/auth/admin/person/disable", PersonRequest => MessageResponse;
    /// Lets it sign in again.
    AdminEnable: Post "/auth/admin/person/enable", PersonRequest => MessageResponse;
    /// Signs it out everywhere (sessions and app tokens).
    AdminEndSessions: Post "/auth/admin/person/end-sessions", PersonRequest => MessageResponse;
    /// Mails it a one-time link (24 hours) to make a passkey on a new device.
    AdminRecoveryLink: Post "/auth/admin/person/recovery-link", PersonRequest => MessageResponse;
    /// Deletes it and everything of it.
    AdminDelete: Post "/auth/admin/person/delete", PersonRequest => MessageResponse;
    /// Makes it an administrator.
    AdminGrant: Post "/auth/admin/person/grant-admin", PersonRequest => MessageResponse;
    /// Takes administration away from it.
    AdminRevoke: Post "/auth/admin/person/revoke-admin", PersonRequest => MessageResponse;
    /// Every invitation, newest first.
    AdminInvitations: Get "/auth/admin/invitations", Empty => InvitationsResponse;
    /// Invites an address: the link, shown this once.
    AdminInvite: Post "/auth/admin/invitations", PersonRequest => InvitationCreatedResponse;
    /// Takes back an unused invitation (`404 invitation_not_found` otherwise).
    AdminRevokeInvitation: Post "/auth/admin/invitations/revoke", InvitationRequest => MessageResponse;
    /// What administrators did, newest first.
    AdminLog: Get "/auth/admin/log", Empty => AdminLogResponse;
    /// The apps that sign people in through BMAuth, and who may use each.
    AdminApps: Get "/auth/admin/apps", Empty => AdminAppsResponse;
}
