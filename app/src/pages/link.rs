//! Adding a device by QR code (`/link`). One page, both devices:
//! - signed in (the trusted device): show a QR code for the new device to scan, or
//!   scan / type the new device's code; then see who is asking, type the number the
//!   new device shows, and approve with the biometric;
//! - not signed in (the new device): scan the trusted device's code, or show one;
//!   then show the number, wait, and make this device's own passkey.
//!
//! A QR code holds `<site>/link#<token>`, so a phone's camera app opens this page
//! with the token in the fragment, which never reaches a server.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{Status, failure_message};
use crate::api::routes::{
    LinkApproveBegin, LinkApproveComplete, LinkClaim, LinkDecline, LinkDeny, LinkDetails,
    LinkNearbyBegin, LinkNearbyComplete, LinkOffer, LinkRegisterBegin, LinkRegisterComplete,
    LinkRequest, LinkStatus, Status as SignedInStatus,
};
use crate::api::{
    AutofillRequest, Empty, ErrorCode, LinkApproveRequest, LinkCredentialRequest,
    LinkDetailsResponse, LinkRegistrationOptions, LinkState, LinkTokenRequest, NewLinkResponse,
};
use crate::client::{self, ApiFailure, ScanFailure};

/// Where "Sign in with another device" leads, and where a QR code points.
#[component]
pub fn LinkPage() -> impl IntoView {
    let shows_code = crate::page_settings().new_device_shows_code;
    view! {
        <Title text="Sign in with another device" />
        <section class="card">
            <LinkFlow shows_code=shows_code />
        </section>
    }
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
enum Screen {
    Loading,
    /// A new device choosing how to connect.
    Choose,
    /// The trusted device choosing.
    Offer,
    /// The camera is open.
    Scanning {
        approving: bool,
    },
    /// This device shows a QR code (and the number, on the new device).
    Showing(NewLinkResponse),
    /// The new device shows its number and waits for approval.
    Waiting {
        token: String,
        number: String,
    },
    /// The trusted device: who is asking, the number to type.
    Approve {
        token: String,
        details: LinkDetailsResponse,
    },
    /// The trusted device approved; the new device is deciding and making its passkey.
    Approved {
        token: String,
    },
    /// The approved new device: which account it would join, before its passkey.
    ConfirmAccount {
        token: String,
        options: LinkRegistrationOptions,
    },
    /// Finished, with what to say.
    Done(String),
    /// Stopped, with why; "Start again" offered.
    Failed(String),
}

fn link_failure(failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Server(e) => match e.code {
            ErrorCode::LinkNotFound => {
                "That code isn't valid here. Start again on the new device.".into()
            }
            ErrorCode::LinkExpired => "That code has expired. Start again.".into(),
            ErrorCode::LinkNumberWrong => {
                "That isn't the number on the other device, so the request was refused. \
                 If you didn't start it yourself, you're safe: nothing was added."
                    .into()
            }
            _ => failure_message(failure),
        },
        ApiFailure::Network => failure_message(failure),
    }
}

fn scan_failure(failure: &ScanFailure) -> &'static str {
    match failure {
        ScanFailure::Refused => {
            "The camera was refused. Allow it in your browser's settings, or type the code instead."
        }
        ScanFailure::NoCamera => "This device has no camera. Type the code instead.",
        ScanFailure::Unavailable => "The camera couldn't start. Type the code instead.",
    }
}

/// The token in a scanned QR code: only our own `/link#…` URLs.
fn token_from_scan(text: &str, origin: &str) -> Option<String> {
    let token = text.strip_prefix(origin)?.strip_prefix("/link#")?;
    (!token.is_empty() && token.len() <= 64).then(|| token.to_string())
}

fn token_request(token: &str) -> LinkTokenRequest {
    LinkTokenRequest {
        token: token.to_string(),
    }
}

/// Polls the link until it leaves `from`, with a gentle backoff.
async fn wait_while(
    token: &str,
    from: LinkState,
) -> Result<crate::api::LinkStatusResponse, ApiFailure> {
    let mut delay = 800;
    loop {
        client::sleep(delay).await;
        let status = client::call::<LinkStatus>(&token_request(token)).await?;
        if status.state != from {
            return Ok(status);
        }
        delay = (delay * 5 / 4).min(3000);
    }
}

/// The approved new device's creation options, and the account it would join.
async fn joining_options(token: &str) -> Result<LinkRegistrationOptions, String> {
    client::call::<LinkRegisterBegin>(&token_request(token))
        .await
        .map_err(|f| link_failure(&f))
}

/// The approved new device makes its own passkey for the account and is signed in.
async fn join_with(token: String, options: &LinkRegistrationOptions) -> Result<(), String> {
    let options = serde_json::json!({ "publicKey": options.public_key });
    let credential = client::create_passkey(&options)
        .await
        .map_err(|f| client::passkey_failure_message(&f).to_string())?;
    client::call::<LinkRegisterComplete>(&LinkCredentialRequest { token, credential })
        .await
        .map_err(|f| link_failure(&f))?;
    Ok(())
}

/// A device let in by a recovery code makes its own passkey for the account (the
/// person named the account themselves: nothing to confirm).
pub(super) async fn make_this_devices_passkey(token: String) -> Result<(), String> {
    let options = joining_options(&token).await?;
    join_with(token, &options).await
}

// An island where it is rendered (the server) and in the `/link` page's bundle; a
// component nothing calls, so compiled away, in the bundle every other page loads.

#[cfg_attr(any(feature = "link", not(feature = "hydrate")), island)]
#[cfg_attr(all(feature = "hydrate", not(feature = "link")), component)]
fn LinkFlow(
    /// Whether this site lets a new device show a code (`link.new_device_shows_code`).
    shows_code: bool,
) -> impl IntoView {
    let (screen, set_screen) = signal(Screen::Loading);
    let (signed_in, set_signed_in) = signal(false);
    let (typed_code, set_typed_code) = signal(String::new());
    let (number, set_number) = signal(String::new());
    let (holding, set_holding) = signal(false);
    let (nearby, set_nearby) = signal(false);
    let (busy, set_busy) = signal(false);
    let (hydrated, set_hydrated) = signal(false);
    let fail = move |message: String| set_screen.set(Screen::Failed(message));

    // The new device, bound to a link: show the number (unless its QR code and
    // number are on screen already), wait, then ask whether to join the account
    // that approved it.
    let join = move |token: String, shown_number: Option<String>| {
        if let Some(number) = shown_number {
            set_screen.set(Screen::Waiting {
                token: token.clone(),
                number,
            });
        }
        leptos::task::spawn_local(async move {
            let status = match wait_while(&token, LinkState::Pending).await {
                Ok(status) => status,
                Err(failure) => return fail(link_failure(&failure)),
            };
            match status.state {
                LinkState::Approved => {}
                LinkState::Denied => {
                    return fail("The request was denied on the other device.".into());
                }
                _ => return fail("That code has expired. Start again.".into()),
            }
            match joining_options(&token).await {
                Ok(options) => set_screen.set(Screen::ConfirmAccount { token, options }),
                Err(message) => fail(message),
            }
        });
    };

    // The new device joins the account it was shown, or turns it down.
    let confirm_join = move |token: String, options: LinkRegistrationOptions| {
        set_busy.set(true);
        leptos::task::spawn_local(async move {
            let joined = join_with(token, &options).await;
            set_busy.set(false);
            match joined {
                // Signed in: on to where the person was going (an app's sign-in).
                Ok(()) => client::go_to(&client::next_page()),
                Err(message) => fail(message),
            }
        });
    };
    let decline = move |token: String| {
        leptos::task::spawn_local(async move {
            match client::call::<LinkDecline>(&token_request(&token)).await {
                Ok(_) => set_screen.set(Screen::Done(
                    "Not added. This device was not added to that account, and the device \
                     that approved it has been told."
                        .into(),
                )),
                Err(failure) => fail(link_failure(&failure)),
            }
        });
    };

    // The trusted device, once it approved: wait for the new device to join or say no.
    let await_joining = move |token: String| {
        set_screen.set(Screen::Approved {
            token: token.clone(),
        });
        leptos::task::spawn_local(async move {
            match wait_while(&token, LinkState::Approved).await {
                Ok(status) if status.state == LinkState::Used => set_screen.set(Screen::Done(
                    "Done. The new device made its own passkey and is signed in.".into(),
                )),
                Ok(status) if status.state == LinkState::Declined => set_screen.set(Screen::Done(
                    "The new device said no: it was not added to your account.".into(),
                )),
                Ok(_) => fail("The new device didn't finish in time. Start again.".into()),
                Err(failure) => fail(link_failure(&failure)),
            }
        });
    };

    // The trusted device has a token (scanned, typed, opened, or claimed by the new
    // device): show who is asking.
    let review = move |token: String| {
        leptos::task::spawn_local(async move {
            match client::call::<LinkDetails>(&token_request(&token)).await {
                Ok(details) if details.state == LinkState::Pending => {
                    set_screen.set(Screen::Approve { token, details })
                }
                Ok(_) => fail("That request is no longer waiting for approval.".into()),
                Err(failure) => fail(link_failure(&failure)),
            }
        });
    };

    // A token reached this device: approve it (signed in) or join with it.
    let use_token = move |token: String| {
        if signed_in.get_untracked() {
            review(token);
            return;
        }
        leptos::task::spawn_local(async move {
            match client::call::<LinkClaim>(&token_request(&token)).await {
                Ok(status) => join(token, Some(status.number.unwrap_or_default())),
                Err(ApiFailure::Server(e)) if e.code == ErrorCode::LinkNotFound => fail(
                    "That code is for approving a new device: sign in on this device first, \
                     then scan it again."
                        .into(),
                ),
                Err(failure) => fail(link_failure(&failure)),
            }
        });
    };

    Effect::new(move |_| {
        set_hydrated.set(true);
        leptos::task::spawn_local(async move {
            set_nearby.set(client::hybrid_available().await);
        });
        leptos::task::spawn_local(async move {
            let status = client::read::<SignedInStatus>().await;
            let is_signed_in = status.is_ok_and(|s| s.signed_in);
            set_signed_in.set(is_signed_in);
            let (_, fragment) = client::location_origin_and_fragment();
            if fragment.is_empty() {
                set_screen.set(if is_signed_in {
                    Screen::Offer
                } else {
                    Screen::Choose
                });
            } else {
                client::forget_fragment();
                use_token(fragment);
            }
        });
    });
    // A code opened while this page is showing (a camera app reusing this tab)
    // changes only the fragment: no new page load.
    let on_new_code = window_event_listener(leptos::ev::hashchange, move |_| {
        let (_, fragment) = client::location_origin_and_fragment();
        if !fragment.is_empty() {
            client::forget_fragment();
            use_token(fragment);
        }
    });
    on_cleanup(move || on_new_code.remove());

    // This device shows a QR code: a new device's request, or a signed-in offer.
    let show_code = move |_| {
        set_busy.set(true);
        leptos::task::spawn_local(async move {
            let shown = if signed_in.get_untracked() {
                client::call::<LinkOffer>(&Empty {}).await
            } else {
                client::call::<LinkRequest>(&Empty {}).await
            };
            set_busy.set(false);
            let shown = match shown {
                Ok(shown) => shown,
                Err(failure) => return fail(link_failure(&failure)),
            };
            let token = shown.token.clone();
            let new_device = shown.number.is_some();
            set_screen.set(Screen::Showing(shown));
            match new_device {
                // The new device: wait for approval, then make the passkey.
                true => join(token, None),
                // The trusted device: wait for a new device to scan it.
                false => match wait_while(&token, LinkState::Waiting).await {
                    Ok(status) if status.state == LinkState::Pending => review(token),
                    Ok(_) => fail("That code has expired. Start again.".into()),
                    Err(failure) => fail(link_failure(&failure)),
                },
            }
        });
    };

    // A passkey from a phone nearby: the browser shows its own QR code, the phone
    // proves it is near; then, as after any approval, this device is shown the
    // account (someone else's phone could have answered) and makes its own passkey.
    let use_nearby_phone = move |_| {
        set_busy.set(true);
        leptos::task::spawn_local(async move {
            let approved = async {
                let options = client::call::<LinkNearbyBegin>(&Empty {})
                    .await
                    .map_err(|f| link_failure(&f))?;
                let credential = client::get_passkey(&options, None)
                    .await
                    .map_err(|f| client::passkey_failure_message(&f).to_string())?;
                let token = client::call::<LinkNearbyComplete>(&AutofillRequest { credential })
                    .await
                    .map_err(|f| link_failure(&f))?
                    .token;
                let options = joining_options(&token).await?;
                Ok::<_, String>((token, options))
            }
            .await;
            set_busy.set(false);
            match approved {
                Ok((token, options)) => set_screen.set(Screen::ConfirmAccount { token, options }),
                Err(message) => fail(message),
            }
        });
    };

    let scan = move |_| {
        let approving = signed_in.get_untracked();
        set_screen.set(Screen::Scanning { approving });
        leptos::task::spawn_local(async move {
            let (origin, _) = client::location_origin_and_fragment();
            match client::scan_qr("qr-reader").await {
                Ok(text) => match token_from_scan(&text, &origin) {
                    Some(token) => use_token(token),
                    None => fail("That QR code isn't one of ours. Scan the code on the other device's /link page.".into()),
                },
                Err(failure) => fail(scan_failure(&failure).into()),
            }
        });
    };

    let enter_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let code = typed_code.get_untracked().trim().to_string();
        if !code.is_empty() {
            use_token(code);
        }
    };

    let approve = move |token: String| {
        set_busy.set(true);
        leptos::task::spawn_local(async move {
            let token_for_status = token.clone();
            let body = LinkApproveRequest {
                token: token.clone(),
                number: number.get_untracked().trim().to_string(),
                holding_device: holding.get_untracked(),
            };
            let result = async {
                let options = client::call::<LinkApproveBegin>(&body)
                    .await
                    .map_err(|f| link_failure(&f))?;
                let credential = client::get_passkey(&options, None)
                    .await
                    .map_err(|f| client::passkey_failure_message(&f).to_string())?;
                client::call::<LinkApproveComplete>(&LinkCredentialRequest { token, credential })
                    .await
                    .map_err(|f| link_failure(&f))
            }
            .await;
            set_busy.set(false);
            match result {
                Ok(_) => await_joining(token_for_status),
                Err(message) => fail(message),
            }
        });
    };

    let deny = move |token: String| {
        leptos::task::spawn_local(async move {
            match client::call::<LinkDeny>(&token_request(&token)).await {
                Ok(_) => set_screen.set(Screen::Done(
                    "Denied. Nothing was added to your account.".into(),
                )),
                Err(failure) => fail(link_failure(&failure)),
            }
        });
    };

    let code_form = move || {
        view! {
            <form class="stack" on:submit=enter_code>
                <label for="link-code">"Can't scan? Type the code shown on the other device"</label>
                <input
                    id="link-code"
                    name="code"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    placeholder="XXXXX-XXXXX"
                    prop:value=move || typed_code.get()
                    on:input=move |ev| set_typed_code.set(event_target_value(&ev))
                />
                <button type="submit" class="button secondary">
                    "Use this code"
                </button>
            </form>
        }
    };

    view! {
        <div class="stack" data-hydrated=move || hydrated.get().to_string()>
            {move || match screen.get() {
                Screen::Loading => view! { <p class="status">"Loading…"</p> }.into_any(),
                Screen::Choose => {
                    view! {
                        <h1>"Sign in with another device"</h1>
                        <p class="lead">
                            "Use a device where you're already signed in to let this one in. It then gets its own passkey."
                        </p>
                        <Show when=move || nearby.get()>
                            <div class="stack" data-testid="nearby">
                                <button
                                    type="button"
                                    class="button"
                                    disabled=move || busy.get()
                                    on:click=use_nearby_phone
                                >
                                    "Use a passkey from your phone"
                                </button>
                                <p class="meta">
                                    "Your browser shows a QR code; scan it with your phone and keep it close: they check they're near each other over Bluetooth."
                                </p>
                            </div>
                        </Show>
                        <p>
                            "On that device, go to "
                            <strong>
                                {move || {
                                    format!("{}/link", client::location_origin_and_fragment().0)
                                }}
                            </strong> " and scan its code with this one:"
                        </p>
                        <div class="actions">
                            <button
                                type="button"
                                class=move || {
                                    if nearby.get() { "button secondary" } else { "button" }
                                }
                                on:click=scan
                            >
                                "Scan a code"
                            </button>
                            {shows_code
                                .then(|| {
                                    view! {
                                        <button
                                            type="button"
                                            class="button secondary"
                                            disabled=move || busy.get()
                                            on:click=show_code
                                        >
                                            "Show a code on this device instead"
                                        </button>
                                    }
                                })}
                        </div>
                        {code_form()}
                        <p class="switch">
                            <a href="/auth/recover">"Lost your other devices? Recover by email"</a>
                        </p>
                    }
                        .into_any()
                }
                Screen::Offer => {
                    view! {
                        <h1>"Add a device"</h1>
                        <p class="lead">
                            "Let a new phone or computer into your account. It gets its own passkey; you approve with yours."
                        </p>
                        <div class="actions">
                            <button
                                type="button"
                                class="button"
                                disabled=move || busy.get()
                                on:click=show_code
                            >
                                "Show a code to scan"
                            </button>
                            <button type="button" class="button secondary" on:click=scan>
                                "Scan the new device's code"
                            </button>
                        </div>
                        {code_form()}
                    }
                        .into_any()
                }
                Screen::Scanning { approving } => {
                    view! {
                        <h1>"Scan the code"</h1>
                        <p class="lead">
                            {if approving {
                                "Point your camera at the QR code on the new device."
                            } else {
                                "Point your camera at the QR code on your signed-in device's /link page."
                            }}
                        </p>
                        <div id="qr-reader" class="qr-reader"></div>
                        {code_form()}
                    }
                        .into_any()
                }
                Screen::Showing(shown) => {
                    view! {
                        <h1>
                            {if shown.number.is_some() {
                                "Scan this with your signed-in device"
                            } else {
                                "Scan this with your new device"
                            }}
                        </h1>
                        // A picture to a screen reader: it says what it is and where
                        // the same code is in words.
                        <div
                            class="qr"
                            data-testid="link-qr"
                            role="img"
                            aria-label="QR code for the other device to scan. The same code to type is written below."
                            inner_html=shown.qr_svg.clone()
                        ></div>
                        <p>
                            "Can't scan? Type this code instead: "
                            <strong class="code" data-testid="link-code">
                                {shown.code.clone()}
                            </strong>
                        </p>
                        {shown
                            .number
                            .clone()
                            .map(|n| {
                                view! {
                                    <p>
                                        "When asked, type this number there: "
                                        <strong class="number" data-testid="link-number">
                                            {n}
                                        </strong>
                                    </p>
                                }
                            })}
                        <p class="status" role="status">
                            "Waiting… The code works for 5 minutes."
                        </p>
                    }
                        .into_any()
                }
                Screen::Waiting { number: shown, .. } => {
                    view! {
                        <h1>"Approve on your other device"</h1>
                        <p class="lead">
                            "Type this number on the device where you're signed in, and approve with your fingerprint, face or screen lock:"
                        </p>
                        <p class="number big" data-testid="link-number">
                            {shown}
                        </p>
                        <p class="status" role="status">
                            "Waiting for approval…"
                        </p>
                    }
                        .into_any()
                }
                Screen::Approve { token, details } => {
                    let approve_token = token.clone();
                    let deny_token = token.clone();
                    let device = details
                        .device
                        .clone()
                        .unwrap_or_else(|| "An unknown device".into());
                    let near = details
                        .location
                        .clone()
                        .map(|l| format!(" {l}"))
                        .unwrap_or_default();
                    let (place, warn) = match (&details.ip, details.same_network) {
                        (Some(ip), true) => {
                            (format!("From {ip}{near}, the same network as this device."), false)
                        }
                        (Some(ip), false) => {
                            (format!("From {ip}{near}: not this device's network."), true)
                        }
                        (None, _) => ("From an unknown address.".to_string(), true),
                    };
                    let confirm_holding = details.confirm_holding;
                    view! {
                        <h1>"Add this device to your account?"</h1>
                        <div
                            class=if warn { "notice warning" } else { "notice" }
                            role=if warn { "alert" } else { "status" }
                            data-testid="link-where"
                        >
                            <p>
                                <strong>{place}</strong>
                            </p>
                            {warn
                                .then(|| {
                                    view! {
                                        <p>
                                            "If someone sent you this code, or a page or a message asked you to scan it, don't approve: they would get into your account."
                                        </p>
                                    }
                                })}
                        </div>
                        <div class="notice" data-testid="link-request">
                            <p>
                                <strong>{device}</strong>
                            </p>
                            <p>
                                {format!(
                                    "Asked {}.",
                                    super::account::words::ago(details.age_secs as i64, 0),
                                )}
                            </p>
                        </div>
                        <p>
                            "Only approve if you're holding that device and started this yourself."
                        </p>
                        <form
                            class="stack"
                            on:submit=move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                approve(approve_token.clone());
                            }
                        >
                            <label for="link-number">"The number shown on the new device"</label>
                            <input
                                id="link-number"
                                name="number"
                                inputmode="numeric"
                                autocomplete="off"
                                maxlength="2"
                                prop:value=move || number.get()
                                on:input=move |ev| {
                                    set_number
                                        .set(
                                            event_target_value(&ev)
                                                .chars()
                                                .filter(char::is_ascii_digit)
                                                .collect(),
                                        )
                                }
                            />
                            {confirm_holding
                                .then(|| {
                                    view! {
                                        <label class="check">
                                            <input
                                                type="checkbox"
                                                name="holding"
                                                prop:checked=move || holding.get()
                                                on:change=move |ev| {
                                                    set_holding.set(event_target_checked(&ev))
                                                }
                                            />
                                            " I am holding this device, and I started this myself"
                                        </label>
                                    }
                                })}
                            <div class="actions">
                                <button
                                    type="submit"
                                    class="button"
                                    disabled=move || {
                                        busy.get() || number.get().len() != 2
                                            || (confirm_holding && !holding.get())
                                    }
                                >
                                    "Approve with passkey"
                                </button>
                                <button
                                    type="button"
                                    class="button secondary"
                                    on:click=move |_| deny(deny_token.clone())
                                >
                                    "Deny"
                                </button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
                Screen::Approved { .. } => {
                    view! {
                        <h1>"Approved"</h1>
                        <p class="lead" role="status" data-testid="link-approved">
                            "The new device is checking which account it joins and making its own passkey…"
                        </p>
                    }
                        .into_any()
                }
                Screen::ConfirmAccount { token, options } => {
                    let join_token = token.clone();
                    let account = options.account.clone();
                    view! {
                        <h1>"Add this device to this account?"</h1>
                        <p class="notice" data-testid="link-account">
                            <strong>{account}</strong>
                        </p>
                        <p class="lead">
                            "This device was approved for the account above. It will get its own passkey for it, and be signed in to it."
                        </p>
                        <p>
                            "If that isn't your account, say no: then nothing you do here goes to someone else."
                        </p>
                        <div class="actions">
                            <button
                                type="button"
                                class="button"
                                disabled=move || busy.get()
                                on:click=move |_| confirm_join(join_token.clone(), options.clone())
                            >
                                "Add this device"
                            </button>
                            <button
                                type="button"
                                class="button secondary"
                                on:click=move |_| decline(token.clone())
                            >
                                "No, not my account"
                            </button>
                        </div>
                    }
                        .into_any()
                }
                Screen::Done(message) => {
                    view! {
                        <h1>"Done"</h1>
                        <p class="lead" role="status" data-testid="link-done">
                            {message}
                        </p>
                        <a class="button secondary" href="/">
                            "Back to the app"
                        </a>
                    }
                        .into_any()
                }
                Screen::Failed(message) => {
                    view! {
                        <h1>"That didn't work"</h1>
                        <Status message=Signal::derive(move || Some(message.clone())) error=true />
                        {code_form()}
                        <div class="actions">
                            <a class="button" href="/link">
                                "Start again"
                            </a>
                            <a class="button secondary" href="/auth/recover">
                                "Recover by email"
                            </a>
                        </div>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_link_urls_are_scanned() {
        let origin = "https://auth.example.com";
        assert_eq!(
            token_from_scan("https://auth.example.com/link#abc", origin).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_from_scan("https://evil.example/link#abc", origin),
            None
        );
        assert_eq!(
            token_from_scan("https://auth.example.com/link#", origin),
            None
        );
        assert_eq!(
            token_from_scan("https://auth.example.com.evil/link#a", origin),
            None
        );
    }
}
