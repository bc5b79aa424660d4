use bmauth::testing::Table;

use crate::both_backends;
use crate::support::TestApp;

async fn a_ceremony_begun_on_one_instance_finishes_on_another(app: TestApp) {
    let second = app.second_instance().await;
    let email = "ada@example.com";

    // Sign-up: begun on the first instance, finished on the second, by the same
    // browser (its cookies go with it).
    let mut browser = app.browser();
    let options = browser.register_begin(email).await;
    let credential = browser.authenticator.create(options.expect_ok());
    browser.base = second.base.clone();
    let done = browser.register_complete(email, credential).await;
    assert_eq!(done.status, 201, "{}", done.body);
    let pin = app.mail.last_pin_for(email);
    browser.base = app.base().to_string();
    browser.verify(email, &pin).await.expect_ok();

    // Sign-in: the same, and the session works on both.
    let options = browser.login_begin(email).await;
    let credential = browser.authenticator.get(&options).unwrap();
    browser.base = second.base.clone();
    browser.login_complete(email, credential).await.expect_ok();
    browser.me().await.expect_ok();
    browser.base = app.base().to_string();
    browser.me().await.expect_ok();
    assert_eq!(app.rows(Table::Ceremonies).await, 0);
    assert_eq!(
        second
            .bmauth
            .auth()
            .store()
            .count_rows(Table::Sessions)
            .await
            .unwrap(),
        1
    );
}

both_backends!(a_ceremony_begun_on_one_instance_finishes_on_another,);
