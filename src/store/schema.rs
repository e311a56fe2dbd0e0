//! The database schema, kept by hand so that one definition serves both backends
//! (ids are UUIDs as text; timestamps are UTC `TIMESTAMP`). The migrations in
//! `migrations/sqlite` and `migrations/postgres` must agree with it.

diesel::table! {
    accounts (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        created_at -> Timestamp,
        auth_version -> BigInt,
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
        oauth_client_id -> Nullable<Text>,
        oauth_secret_id -> Nullable<Text>,
    }
}

diesel::table! {
    oauth_clients (id) {
        id -> Text,
        account_id -> Text,
        label -> Nullable<Text>,
        scope -> Text,
        federated_issuer -> Nullable<Text>,
        federated_subject -> Nullable<Text>,
        federated_audience -> Nullable<Text>,
        jwks_url -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_client_secrets (id) {
        id -> Text,
        client_id -> Text,
        account_id -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oauth_assertion_jtis (client_id, jti_hash) {
        client_id -> Text,
        jti_hash -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(tokens -> accounts (account_id));
diesel::joinable!(oauth_client_secrets -> oauth_clients (client_id));
diesel::joinable!(tokens -> signing_keys (key_id));

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
        provisioned_via -> Text,
        provisioned_by -> Nullable<Text>,
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

diesel::table! {
    access_models (account_id) {
        account_id -> Text,
        default_role -> Text,
        entitlement_grants -> Bool,
    }
}

diesel::table! {
    account_roles (account_id, name) {
        account_id -> Text,
        name -> Text,
        rank -> Integer,
    }
}

diesel::table! {
    workspace_levels (account_id, name) {
        account_id -> Text,
        name -> Text,
        rank -> Integer,
    }
}

diesel::table! {
    workspaces (id) {
        id -> Text,
        account_id -> Text,
        slug -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    access_rules (id) {
        id -> Text,
        account_id -> Text,
        match_kind -> Text,
        match_value -> Text,
        match_key -> Text,
        role -> Nullable<Text>,
        workspace_id -> Nullable<Text>,
        level -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_role_values (user_id, value_key) {
        user_id -> Text,
        value_key -> Text,
        account_id -> Text,
    }
}

diesel::table! {
    member_roles (user_id) {
        user_id -> Text,
        account_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    member_workspace_levels (user_id, workspace_id) {
        user_id -> Text,
        workspace_id -> Text,
        account_id -> Text,
        level -> Text,
    }
}

diesel::table! {
    member_grants (id) {
        id -> Text,
        user_id -> Text,
        account_id -> Text,
        source -> Text,
        role -> Nullable<Text>,
        workspace_id -> Nullable<Text>,
        level -> Nullable<Text>,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    events (account_id, seq) {
        seq -> BigInt,
        id -> Text,
        account_id -> Text,
        kind -> Text,
        member_id -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (account_id, seq) {
        seq -> BigInt,
        id -> Text,
        account_id -> Text,
        at -> Timestamp,
        actor -> Text,
        token_id -> Nullable<Text>,
        token_label -> Nullable<Text>,
        request_id -> Nullable<Text>,
        resource_type -> Text,
        resource_id -> Text,
        action -> Text,
        member_id -> Nullable<Text>,
        group_id -> Nullable<Text>,
        changes -> Text,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        account_id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        key_id -> Text,
        created_at -> Timestamp,
        delivered_seq -> BigInt,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    member_logins (user_id) {
        user_id -> Text,
        account_id -> Text,
        last_login_at -> Timestamp,
    }
}

diesel::table! {
    account_networks (account_id, cidr) {
        account_id -> Text,
        cidr -> Text,
    }
}

diesel::table! {
    key_function (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    name_key_conflicts (resource_type, resource_id) {
        resource_type -> Text,
        resource_id -> Text,
        account_id -> Text,
        holder_id -> Text,
        found_at -> Timestamp,
    }
}

diesel::table! {
    console_links (id) {
        id -> Text,
        account_id -> Text,
        secret_hash -> Text,
        issued_by -> Text,
        token_id -> Nullable<Text>,
        token_label -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    console_sessions (id) {
        id -> Text,
        account_id -> Text,
        link_id -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    access_reviews (id) {
        id -> Text,
        account_id -> Text,
        reviewed_at -> Timestamp,
        actor -> Text,
        token_id -> Nullable<Text>,
        token_label -> Nullable<Text>,
        reviewer -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    access_review_schedules (account_id) {
        account_id -> Text,
        interval_days -> Integer,
    }
}

diesel::table! {
    offboarding_acknowledgements (webhook_id, event_seq) {
        webhook_id -> Text,
        account_id -> Text,
        event_seq -> BigInt,
        acknowledged_at -> Timestamp,
    }
}

diesel::joinable!(console_sessions -> console_links (link_id));
diesel::joinable!(offboarding_acknowledgements -> webhooks (webhook_id));
diesel::joinable!(users -> accounts (account_id));
diesel::joinable!(member_logins -> users (user_id));
diesel::joinable!(access_rules -> workspaces (workspace_id));
diesel::joinable!(member_workspace_levels -> workspaces (workspace_id));
diesel::joinable!(member_workspace_levels -> users (user_id));
diesel::joinable!(member_roles -> users (user_id));
diesel::joinable!(member_grants -> users (user_id));
diesel::joinable!(member_grants -> workspaces (workspace_id));
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
    group_members,
    access_models,
    account_roles,
    workspace_levels,
    workspaces,
    access_rules,
    user_role_values,
    member_roles,
    member_workspace_levels,
    member_grants,
    events,
    audit_log,
    webhooks,
    member_logins,
    account_networks,
    key_function,
    name_key_conflicts,
    console_links,
    console_sessions,
    access_reviews,
    access_review_schedules,
    offboarding_acknowledgements,
    oauth_clients,
    oauth_client_secrets,
    oauth_assertion_jtis
);
