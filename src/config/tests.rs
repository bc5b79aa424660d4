use super::*;

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn key_of(config: &Config) -> &'static str {
    match config.validate() {
        Err(ConfigError::Invalid { key, .. }) => key,
        other => panic!("expected an invalid key, got {other:?}"),
    }
}

#[test]
fn defaults_are_valid_for_local_development() {
    let v = Config::default().validate().unwrap();
    assert_eq!(v.rp_id, "localhost");
    assert_eq!(v.origin.as_str(), "http://localhost:3000/");
    assert!(!v.secure_cookies);
}

#[test]
fn invalid_configuration_names_the_key() {
    let mut c = Config {
        public_url: url("http://example.com"),
        ..Config::default()
    };
    assert_eq!(key_of(&c), "public_url");
    c.public_url = url("https://app.example.com/path");
    assert_eq!(key_of(&c), "public_url");
    c.public_url = url("https://app.example.com");
    c.rp_id = Some("other.com".into());
    assert_eq!(key_of(&c), "rp_id");
    c.rp_id = Some("example.com".into());
    assert_eq!(
        key_of(&c),
        "mode",
        "https in development must be said explicitly"
    );
    c.mode = Some(Mode::Development);
    assert!(c.validate().is_ok());
    c.mode = Some(Mode::Production);
    assert_eq!(key_of(&c), "server_secret");
    c.server_secret = Some(ServerSecret::generate());
    assert_eq!(key_of(&c), "smtp.host");
    c.smtp.host = Some("smtp.example.com".into());
    assert_eq!(key_of(&c), "smtp.from");
    c.smtp.from = Some("BMAuth <no-reply@example.com>".parse().unwrap());
    assert!(c.validate().is_ok());
    c.smtp.tls = SmtpTls::None;
    assert_eq!(key_of(&c), "smtp.tls", "clear text only to this machine");
    c.smtp.host = Some("127.0.0.1".into());
    assert!(c.validate().is_ok());
    c.client_ip_header = Some(HeaderName(axum::http::HeaderName::from_static(
        "x-forwarded-for",
    )));
    assert_eq!(key_of(&c), "trusted_proxies");
    c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    assert!(c.validate().is_ok());
    c.limits.mail_per_account.max = 0;
    assert_eq!(key_of(&c), "limits.mail_per_account");
    c.limits = Limits::default();
    c.link.new_device_cooldown_hours = 0;
    assert_eq!(key_of(&c), "link.new_device_cooldown_hours");
    c.link = LinkConfig::default();
    c.session_idle_hours = c.session_lifetime_hours + 1;
    assert_eq!(key_of(&c), "session_idle_hours");
}

#[test]
fn values_are_read_once_into_their_types_and_errors_name_the_key() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("bmauth.toml");
    for (text, key) in [
        ("public_url = \"not a url\"", "public_url"),
        ("server_secret = \"c2hvcnQ=\"", "server_secret"),
        (
            "client_ip_header = \"no spaces allowed\"",
            "client_ip_header",
        ),
        ("[smtp]\nfrom = \"not a mailbox\"", "from"),
    ] {
        std::fs::write(&file, text).unwrap();
        let error = Config::load(&file).unwrap_err().to_string();
        assert!(error.contains(key), "{text}: {error}");
    }
    std::fs::write(&file, "[smtp]\nfrom = \"BMAuth <no-reply@example.com>\"").unwrap();
    let config = Config::load(&file).unwrap();
    assert_eq!(
        config.smtp.from.unwrap().email.to_string(),
        "no-reply@example.com"
    );
}

#[test]
fn the_example_file_is_valid_and_flags_override_it() {
    #[derive(Serialize)]
    struct Flags {
        rp_name: &'static str,
    }
    let example = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/bmauth.example.toml"));
    // The example also shows the reference binary's own keys.
    let sources =
        Config::sources(example).merge(Serialized::defaults(Flags { rp_name: "Flagged" }));
    assert!(
        Config::from_sources(&sources, &[]).is_err(),
        "listen is not BMAuth's"
    );
    let config = Config::from_sources(&sources, &["listen", "site_dir"]).unwrap();
    config.validate().unwrap();
    assert_eq!(config.rp_name, "Flagged");
    assert_eq!(
        config.limits,
        Limits::default(),
        "the example shows the defaults"
    );
    assert_eq!(config.link, LinkConfig::default());
    let missing = std::path::Path::new("/nonexistent/bmauth.toml");
    assert_eq!(
        Config::load(missing).unwrap().public_url.as_str(),
        "http://localhost:3000/"
    );
}

#[test]
fn debug_output_hides_secrets() {
    let c = Config {
        server_secret: Some(
            "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
                .parse()
                .unwrap(),
        ),
        database_url: "postgres://bm:hunter2@db/bmauth".into(),
        smtp: SmtpConfig {
            password: Some(Password::new("hunter3")),
            ..SmtpConfig::default()
        },
        ..Config::default()
    };
    let shown = format!("{c:?}");
    assert!(!shown.contains("hunter2") && !shown.contains("hunter3"));
    assert!(!shown.contains("c2VjcmV0"));
}
