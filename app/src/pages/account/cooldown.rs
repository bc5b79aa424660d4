//! Shown while this device is held back after joining by a link.

use leptos::prelude::*;

use super::ctx;
use super::words::day_and_time;

/// Shown while this device is held back after joining by a link.
#[component]
pub(super) fn CooldownNotice() -> impl IntoView {
    let ctx = ctx();
    view! {
        {move || {
            ctx.cooldown_until()
                .map(|until| {
                    view! {
                        <p class="notice" role="status" data-testid="cooldown">
                            {format!(
                                "You added this device recently: remove other devices from one you already had, or wait until {}.",
                                day_and_time(until),
                            )}
                        </p>
                    }
                })
        }}
    }
}
