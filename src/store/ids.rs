//! The typed ids of [`crate::model`] as SQL values: stored as text (the
//! hyphenated UUID) on both backends, read back into their own type, so a
//! query binds a `UserId` where a `users.id` is compared and a row's id
//! arrives typed, with no `parse`/`to_string` at each call. Here and not in
//! `model`, because only `store` knows diesel.

use std::io::Write;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
// What `#[derive(AsExpression)]` expands to; the derive itself would have to
// sit on the types in `model`, which must not know diesel.
use diesel::internal::derives::as_expression::Bound;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Nullable, Text};
use diesel::sqlite::Sqlite;

use super::connection::MultiBackend;
use crate::model::{
    AccessReviewId, AccountId, ClientId, ClientSecretId, ConsoleLinkId, ConsoleSessionId, EventId,
    GrantId, GroupId, KeyId, RuleId, TokenId, UserId, WebhookId, WorkspaceId,
};

/// A stored id that is not a UUID: the row was written by something else.
fn corrupt(text: &str) -> Box<dyn std::error::Error + Send + Sync> {
    format!("a stored id is not a UUID ({} characters)", text.len()).into()
}

macro_rules! text_id {
    ($($id:ident),+ $(,)?) => {$(
        impl ToSql<Text, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                let mut text = uuid::Uuid::encode_buffer();
                out.write_all(self.0.hyphenated().encode_lower(&mut text).as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Sqlite> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.to_string());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $id {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                text.parse().map_err(|_| corrupt(&text))
            }
        }

        impl FromSql<Text, Sqlite> for $id {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
                text.parse().map_err(|_| corrupt(&text))
            }
        }

        impl FromSql<Text, MultiBackend> for $id {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, Text>()
            }
        }

        impl<DB: Backend> Queryable<Text, DB> for $id
        where
            Self: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(id: Self) -> deserialize::Result<Self> {
                Ok(id)
            }
        }

        impl AsExpression<Text> for $id {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $id {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $id {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $id {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<DB: Backend> ToSql<Nullable<Text>, DB> for $id
        where
            Self: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <Self as ToSql<Text, DB>>::to_sql(self, out)
            }
        }
    )+};
}

text_id!(
    AccountId,
    TokenId,
    KeyId,
    UserId,
    GroupId,
    WorkspaceId,
    RuleId,
    GrantId,
    WebhookId,
    EventId,
    ConsoleLinkId,
    ConsoleSessionId,
    AccessReviewId,
    ClientId,
    ClientSecretId
);
