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

diesel::table! {
    users (id) {
        id -> Text,
        account_id -> Text,
        user_name -> Text,
        user_name_key -> Text,
        external_id -> Nullable<Text>,
        display_name -> Nullable<Text>,
        display_name_key -> Nullable<Text>,
        active -> Bool,
        document -> Text,
        filter_document -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        last_modified -> Timestamp,
    }
}

diesel::table! {
    user_emails (user_id, position) {
        user_id -> Text,
        position -> Integer,
        account_id -> Text,
        value_key -> Nullable<Text>,
        type_key -> Nullable<Text>,
        is_primary -> Nullable<Bool>,
    }
}

diesel::table! {
    scim_groups (id) {
        id -> Text,
        account_id -> Text,
        display_name -> Text,
        display_name_key -> Text,
        external_id -> Nullable<Text>,
        document -> Text,
        filter_document -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        last_modified -> Timestamp,
    }
}

diesel::table! {
    group_members (group_id, user_id) {
        group_id -> Text,
        user_id -> Text,
        account_id -> Text,
    }
}

diesel::joinable!(users -> accounts (account_id));
diesel::joinable!(scim_groups -> accounts (account_id));
diesel::joinable!(group_members -> scim_groups (group_id));
diesel::joinable!(group_members -> users (user_id));
diesel::joinable!(user_emails -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    signing_keys,
    tokens,
    users,
    user_emails,
    scim_groups,
    group_members
);
