//! The device link's state machine, written once: which steps exist, which states
//! each may leave, where it goes, and how a state reads on the wire. Every change
//! of state is one `LinkMove` through the store's one conditional `UPDATE`.
//!
//! ```text
//!  offer ──▶ waiting ──claim──▶ pending ◀── request
//!                │                 │  └──approve──▶ approved ──use──▶ used
//!                └──deny──▶ denied ◀┘ (deny, or a       │ (pending too)
//!                                       wrong number)    └──decline──▶ declined
//! ```
//!
//! Recovery and the nearby path store a link already `approved`. A recovery link
//! an administrator mailed is stored `mailed`, and opening it redeems it:
//! `mailed ──redeem──▶ approved`, bound to the browser that opened it.

use bmauth_proto::LinkState as Wire;

use super::super::LinkState;

/// A step a link may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// A new device scanned (or typed) an offer and is bound to it.
    Claim,
    /// The account's owner approved it with a fresh passkey assertion.
    Approve,
    /// The owner said no, or typed a wrong number.
    Deny,
    /// The new device said no: not the account it meant to join.
    Decline,
    /// The new device made its passkey.
    Use,
    /// A mailed recovery link was opened: the browser that opened it is bound.
    Redeem,
}

impl Step {
    /// The states it may leave.
    pub(crate) fn from(self) -> &'static [LinkState] {
        use LinkState as S;
        match self {
            Self::Claim => &[S::Waiting],
            Self::Approve => &[S::Pending],
            Self::Deny => &[S::Waiting, S::Pending],
            Self::Decline => &[S::Pending, S::Approved],
            Self::Use => &[S::Approved],
            Self::Redeem => &[S::Mailed],
        }
    }

    /// The state it goes to.
    pub(crate) fn to(self) -> LinkState {
        match self {
            Self::Claim => LinkState::Pending,
            Self::Approve => LinkState::Approved,
            Self::Deny => LinkState::Denied,
            Self::Decline => LinkState::Declined,
            Self::Use => LinkState::Used,
            Self::Redeem => LinkState::Approved,
        }
    }
}

/// Whether the link has come to an end (nothing moves it on any more).
pub(crate) fn finished(state: LinkState) -> bool {
    matches!(
        state,
        LinkState::Used | LinkState::Denied | LinkState::Declined
    )
}

/// How a link in `state` reads on the wire, `expired` or not: a link that ran out
/// before it finished is `expired`.
pub(crate) fn on_the_wire(state: LinkState, expired: bool) -> Wire {
    if expired && !finished(state) {
        return Wire::Expired;
    }
    match state {
        // A mailed link waits for its browser as an offer waits for its scan.
        LinkState::Waiting | LinkState::Mailed => Wire::Waiting,
        LinkState::Pending => Wire::Pending,
        LinkState::Approved => Wire::Approved,
        LinkState::Denied => Wire::Denied,
        LinkState::Declined => Wire::Declined,
        LinkState::Used => Wire::Used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_step_leaves_a_finished_link() {
        for step in [
            Step::Claim,
            Step::Approve,
            Step::Deny,
            Step::Decline,
            Step::Use,
            Step::Redeem,
        ] {
            assert!(
                step.from().iter().all(|state| !finished(*state)),
                "{step:?}"
            );
            assert!(!step.from().contains(&step.to()), "{step:?} goes somewhere");
        }
    }

    #[test]
    fn an_unfinished_link_that_ran_out_reads_expired() {
        assert_eq!(on_the_wire(LinkState::Approved, true), Wire::Expired);
        assert_eq!(on_the_wire(LinkState::Used, true), Wire::Used);
        assert_eq!(on_the_wire(LinkState::Pending, false), Wire::Pending);
    }
}
