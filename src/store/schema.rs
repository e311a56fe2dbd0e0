//! The database schema, kept by hand so that one definition serves both backends
//! (ids are UUIDs as text; timestamps are UTC `TIMESTAMP`). The migrations in
//! `migrations/sqlite` and `migrations/postgres` must agree with it.

diesel::table! {
    accounts (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> Text,
        secret -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tokens (id) {
        id -> Text,
        account_id -> Text,
        scope -> Text,
        label -> Nullable<Text>,
        secret_hash -> Text,
        key_id -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(tokens -> accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(accounts, signing_keys, tokens);
