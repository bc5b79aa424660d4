//! A change that cannot be undone, said in full before it is made.

use leptos::prelude::*;

/// A button that opens a warning with the consequences, the change itself, and a
/// way back ("Keep it").
#[component]
pub(crate) fn AskFirst(
    /// The button that opens the warning.
    opener: &'static str,
    /// What the change means, in full.
    warning: &'static str,
    /// The button that makes the change.
    confirm: &'static str,
    /// While the change is under way.
    #[prop(into)]
    pending: Signal<bool>,
    /// Makes the change.
    #[prop(into)]
    on_confirm: Callback<()>,
) -> impl IntoView {
    let (asking, set_asking) = signal(false);
    view! {
        <Show
            when=move || asking.get()
            fallback=move || {
                view! {
                    <button
                        type="button"
                        class="button secondary"
                        on:click=move |_| set_asking.set(true)
                    >
                        {opener}
                    </button>
                }
            }
        >
            <div class="notice warning" role="alert">
                <p>{warning}</p>
                <div class="actions">
                    <button
                        type="button"
                        class="button danger"
                        disabled=move || pending.get()
                        on:click=move |_| on_confirm.run(())
                    >
                        {confirm}
                    </button>
                    <button
                        type="button"
                        class="button secondary"
                        on:click=move |_| set_asking.set(false)
                    >
                        "Keep it"
                    </button>
                </div>
            </div>
        </Show>
    }
}
