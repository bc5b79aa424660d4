//! Enums stored as their text name (`verify_email`, `login`, …) in both databases.

/// Implements sqlx's `Type`, `Encode` and `Decode` for `$ty` (and rusqlite's
/// `ToSql` and `FromSql`, for `inline_reads`), which has
/// `as_str(self) -> &'static str` and `from_name(&str) -> Option<Self>`.
macro_rules! text_enum {
    ($ty:ty) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $ty
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $ty
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                self.as_str().to_string().encode_by_ref(buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $ty
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let name = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                <$ty>::from_name(&name).ok_or_else(|| format!("unknown value `{name}`").into())
            }
        }

        impl rusqlite::types::ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $ty {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                super::inline_reads::text_enum_from_sql(value, <$ty>::from_name)
            }
        }
    };
}

text_enum!(crate::model::PinPurpose);
text_enum!(crate::model::CeremonyKind);
text_enum!(crate::model::LinkState);
text_enum!(crate::model::LinkOrigin);
text_enum!(crate::model::PasskeyOrigin);
