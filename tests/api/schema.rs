//! The two backends' migrations are written twice (SQLite cannot alter what
//! PostgreSQL can); they must end in the same schema.

use crate::support::{Backend, TestApp};

#[tokio::test]
async fn both_databases_end_in_the_same_schema() {
    let sqlite = TestApp::start(Backend::Sqlite).await;
    let postgres = TestApp::start(Backend::Postgres).await;
    let columns = (
        sqlite.store().columns().await.unwrap(),
        postgres.store().columns().await.unwrap(),
    );
    assert!(columns.0.len() > 40, "the schema was read: {:?}", columns.0);
    assert_eq!(columns.0, columns.1, "tables, columns and NULL-ability");
    let indexes = (
        sqlite.store().index_names().await.unwrap(),
        postgres.store().index_names().await.unwrap(),
    );
    assert!(indexes.0.contains(&"users_confirmed_email".to_string()));
    assert_eq!(indexes.0, indexes.1);
}
