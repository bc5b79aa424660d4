//! The browser entry: hydrates the islands (the interactive parts) of the
//! server-rendered pages.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    // Links the islands defined in the app crate into this bundle.
    #[allow(unused_imports)]
    use bmauth_app::*;
    leptos::mount::hydrate_islands();
}
