//! The camera's QR scanner: `html5-qrcode` (npm, vendored into `public/vendor` by
//! `scripts/build-site`), fetched only when the person asks for the camera.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::ScanFailure;

#[wasm_bindgen]
extern "C" {
    /// `Html5Qrcode`, the library's camera-and-decoder class.
    type Html5Qrcode;

    #[wasm_bindgen(constructor, catch)]
    fn new(element_id: &str) -> Result<Html5Qrcode, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn start(
        this: &Html5Qrcode,
        camera: &JsValue,
        config: &JsValue,
        on_success: &Function,
        on_error: &Function,
    ) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn stop(this: &Html5Qrcode) -> Result<Promise, JsValue>;
}

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}

/// The library's address, and the id of the one `<script>` element that loads it.
const LIBRARY: &str = "/vendor/html5-qrcode.min.js";
const LIBRARY_ELEMENT: &str = "html5-qrcode-library";

/// Loads the library the first time the camera is asked for. A phone opening
/// `/link` from a QR code is often on mobile data, and a person who types the code
/// instead never downloads the scanner's 106 kB.
async fn load_library() -> Result<(), ScanFailure> {
    let unavailable = |_| ScanFailure::Unavailable;
    let window = web_sys::window().ok_or(ScanFailure::Unavailable)?;
    if Reflect::has(&window, &"Html5Qrcode".into()).unwrap_or(false) {
        return Ok(());
    }
    let document = window.document().ok_or(ScanFailure::Unavailable)?;
    // A second press while the first still loads it waits for the same element.
    let (script, fresh) = match document.get_element_by_id(LIBRARY_ELEMENT) {
        Some(script) => (script, false),
        None => {
            let script = document.create_element("script").map_err(unavailable)?;
            script.set_id(LIBRARY_ELEMENT);
            (script, true)
        }
    };
    let loaded = Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    if fresh {
        script.set_attribute("src", LIBRARY).map_err(unavailable)?;
        let head = document.head().ok_or(ScanFailure::Unavailable)?;
        head.append_child(&script).map_err(unavailable)?;
    }
    if JsFuture::from(loaded).await.is_err() {
        // Gone, so that the next press fetches it again (the network may be back).
        script.remove();
        return Err(ScanFailure::Unavailable);
    }
    Ok(())
}

/// Opens the back camera in the element with `element_id` and gives the text of
/// the first QR code it reads.
pub async fn scan_qr(element_id: &str) -> Result<String, ScanFailure> {
    load_library().await?;
    let scanner = Html5Qrcode::new(element_id).map_err(|_| ScanFailure::Unavailable)?;
    let scanning = Promise::new(&mut |resolve, reject| {
        // Called for every frame with a code until the scanner stops: not `once`.
        let on_success = Closure::<dyn FnMut(JsValue)>::new(move |text: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &text);
        })
        .into_js_value();
        let on_miss = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {}).into_js_value();
        let camera = object(&[("facingMode", "environment".into())]);
        let config = object(&[("fps", 10.into())]);
        match scanner.start(
            &camera,
            &config,
            on_success.unchecked_ref(),
            on_miss.unchecked_ref(),
        ) {
            Ok(started) => {
                let reject = reject.clone();
                let on_fail = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
                    let _ = reject.call1(&JsValue::NULL, &error);
                });
                let _ = started.catch(&on_fail);
                on_fail.forget(); // lives as long as the page: called at most once
            }
            Err(error) => {
                let _ = reject.call1(&JsValue::NULL, &error);
            }
        }
    });
    let result = JsFuture::from(scanning).await;
    if let Ok(stopping) = scanner.stop() {
        let _ = JsFuture::from(stopping).await;
    }
    match result {
        Ok(text) => text.as_string().ok_or(ScanFailure::Unavailable),
        Err(error) => Err(classify(&error)),
    }
}

fn classify(error: &JsValue) -> ScanFailure {
    let text = error
        .as_string()
        .or_else(|| Reflect::get(error, &"name".into()).ok()?.as_string())
        .unwrap_or_default();
    if text.contains("NotAllowed") || text.contains("Permission") {
        ScanFailure::Refused
    } else if text.contains("NotFound") || text.contains("Overconstrained") {
        ScanFailure::NoCamera
    } else {
        ScanFailure::Unavailable
    }
}
