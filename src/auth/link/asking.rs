//! Beginning a link: a new device asks (`request`: it shows the code), a signed-in
//! one offers (`offer`: it shows the code and the new device `claim`s it), and
//! either polls where it stands.

use super::super::rate_limit::{Limit, client_key};
use super::super::{Auth, AuthError, AuthResult, ClientInfo, LinkState, User};
use super::steps::{Step, on_the_wire};
use super::{LinkProgress, NewLink};
use crate::auth::device::describe_device;
use crate::store::LinkMove;

impl Auth {
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
            let step = LinkMove {
                binds: Some(&link),
                ..self.step(&link, Step::Claim)
            };
            if !self.store.move_link(&step).await? {
                return Err(AuthError::LinkNotFound);
            }
            link.state = Step::Claim.to();
        }
        Ok(LinkProgress {
            state: on_the_wire(link.state, false),
            number: link.number,
            device: None,
        })
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
        Ok(LinkProgress {
            state: on_the_wire(link.state, link.expires_at <= self.now()),
            number: new_device.then_some(link.number).flatten(),
            device: owner
                .then(|| describe_device(link.new_user_agent.as_deref()))
                .flatten(),
        })
    }
}
