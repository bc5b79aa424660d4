//! The enums stored as their text name (`verify_email`, `login`, …), one home each.
//! What they mean is the rules' (`crate::auth`); how they are bound and read is the
//! store's (`store/text_enum.rs`).

/// An enum with a stable text name per value: `as_str`, and `from_name` back.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$doc])* $variant,)*
        }

        impl $name {
            /// How it is stored.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }

            /// The value stored as `name`.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($text => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

stored_enum! {
    /// What a WebAuthn ceremony is for: a response only finishes a ceremony of its kind.
    CeremonyKind {
        /// A new account's first passkey.
        Register = "register",
        /// Sign-in to a named account.
        Login = "login",
        /// Sign-in by passkey autofill: no account named in advance.
        Autofill = "autofill",
        /// A signed-in person approving a new device with their passkey.
        LinkApprove = "link_approve",
        /// A new device making its passkey for an account that approved it.
        LinkRegister = "link_register",
        /// A signed-in person confirming it's them before a sensitive change.
        Reauth = "reauth",
        /// A new device signing in with a passkey from a phone nearby, to make its own.
        LinkNearby = "link_nearby",
    }
}

stored_enum! {
    /// What a PIN may be used for. Part of its hash: a PIN for one purpose never
    /// passes for another.
    PinPurpose {
        /// Confirms a sign-up's address.
        VerifyEmail = "verify_email",
        /// Recovers an account on a new device.
        Recover = "recover",
        /// Confirms a new address for an account.
        ChangeEmail = "change_email",
    }
}

stored_enum! {
    /// Where a device link stands; how it may move is `auth::link::steps`.
    LinkState {
        /// Offered by a trusted device; no new device has scanned it yet.
        Waiting = "waiting",
        /// A new device is bound to it and shows its number; waiting for approval.
        Pending = "pending",
        /// Approved: the new device may make its passkey.
        Approved = "approved",
        /// Denied, or refused after a wrong number.
        Denied = "denied",
        /// The new device turned it down: not the account it meant to join.
        Declined = "declined",
        /// The new device made its passkey and signed in.
        Used = "used",
        /// A recovery link an administrator had mailed to the account: approved for
        /// it, bound to no device until the link is opened (`recovery_link.rs`).
        Mailed = "mailed",
    }
}

stored_enum! {
    /// How a new device came to be approved.
    LinkOrigin {
        /// Approved on a signed-in device (QR code or typed code).
        Device = "device",
        /// A recovery code from the account's email.
        Recovery = "recovery",
        /// A passkey of the account on a phone nearby (hybrid transport).
        Nearby = "nearby",
        /// A recovery link an administrator had mailed to the account's address.
        RecoveryLink = "recovery_link",
    }
}

stored_enum! {
    /// How a passkey came to its account.
    PasskeyOrigin {
        /// The account's first passkey, made at sign-up.
        SignUp = "sign_up",
        /// A new device, approved on a signed-in one (QR code or typed code).
        DeviceLink = "device_link",
        /// A new device, let in by a recovery code from the account's email.
        Recovery = "recovery",
        /// A new device, let in by another passkey of the account (a phone nearby).
        Nearby = "nearby",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_read_back() {
        for kind in [CeremonyKind::Register, CeremonyKind::LinkNearby] {
            assert_eq!(CeremonyKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(LinkState::from_name("declined"), Some(LinkState::Declined));
        assert_eq!(PinPurpose::from_name("password"), None);
        assert_eq!(PasskeyOrigin::DeviceLink.as_str(), "device_link");
        assert_eq!(LinkOrigin::from_name("qr"), None);
    }
}
