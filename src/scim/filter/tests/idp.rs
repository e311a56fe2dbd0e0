//! The filters Okta and Entra send (docs/OKTA.md, docs/ENTRA.md and their public sources).

use super::*;

#[test]
fn okta_existence_checks() {
    let text = r#"userName eq "test.user@okta.local""#;
    let filter = user(text);
    assert_eq!(filter, eq(User, "userName", "test.user@okta.local"));
    assert_eq!(filter.to_string(), text);
    // The SPEC test probes with the userName upper-cased: matching is the
    // store's job, but it needs to know userName is not caseExact.
    let upper = user(r#"userName eq "TEST.USER@OKTA.LOCAL""#);
    assert_eq!(upper, eq(User, "userName", "TEST.USER@OKTA.LOCAL"));
    assert!(!attr(User, "userName").case_exact());
    assert_eq!(user(r#"USERNAME EQ "x""#), user(r#"userName eq "x""#));
}

#[test]
fn entra_user_queries() {
    let guid = "3f1c5b0e-8d2a-4f8e-bf98-7363c4aed4ef";
    assert_eq!(
        user(&format!("userName eq \"{guid}\"")),
        eq(User, "userName", guid)
    );
    assert_eq!(
        user(r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#),
        eq(User, "externalId", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
    );
    assert!(attr(User, "externalId").case_exact());
    // The legacy documented form, unquoted.
    assert_eq!(
        user("externalId eq jyoung"),
        eq(User, "externalId", "jyoung")
    );
    assert_eq!(user("externalId eq 12345"), eq(User, "externalId", "12345"));
}

#[test]
fn entra_work_email_is_one_element_meeting_both_conditions() {
    let filter = user(r#"emails[type eq "work"].value eq "user@contoso.com""#);
    let expected = Filter::ValuePath {
        attribute: attr(User, "emails"),
        filter: Box::new(and(
            eq(User, "emails.type", "work"),
            eq(User, "emails.value", "user@contoso.com"),
        )),
    };
    assert_eq!(filter, expected);
    assert_eq!(
        filter.to_string(),
        r#"emails[type eq "work" and value eq "user@contoso.com"]"#
    );
    assert_eq!(
        user(r#"emails[type eq "work" or type eq "home"].value pr"#).to_string(),
        r#"emails[(type eq "work" or type eq "home") and value pr]"#
    );
}

#[test]
fn entra_manager_probe_reads_manager_as_its_value() {
    let filter = user(r#"id eq "x" and manager eq "y""#);
    let manager = format!("{}:manager.value", urns::ENTERPRISE_USER);
    assert_eq!(filter, and(eq(User, "id", "x"), eq(User, &manager, "y")));
    assert_eq!(
        filter.to_string(),
        format!(r#"id eq "x" and {manager} eq "y""#)
    );
    let reference = attr(User, &manager);
    assert_eq!(reference.schema(), Some(urns::ENTERPRISE_USER));
    assert_eq!(
        (reference.name(), reference.sub_attribute()),
        ("manager", Some("value"))
    );
}

#[test]
fn group_queries() {
    let text = r#"displayName eq "EDU All personal""#;
    assert_eq!(
        parsed(Group, text),
        eq(Group, "displayName", "EDU All personal")
    );
    assert!(!attr(Group, "displayName").case_exact());
    let id = "2819c223-7f76-453a-919d-413861904646";
    assert_eq!(
        parsed(Group, &format!("members[value eq \"{id}\"]")),
        Filter::ValuePath {
            attribute: attr(Group, "members"),
            filter: Box::new(eq(Group, "members.value", id)),
        }
    );
    assert_eq!(
        parsed(Group, &format!("members.value eq \"{id}\"")),
        eq(Group, "members.value", id)
    );
    for text in [
        r#"externalId eq "x""#,
        r#"id eq "x""#,
        r#"meta.lastModified gt "2026-01-01T00:00:00Z""#,
        r#"members[display co "Smith" and type eq "User"]"#,
    ] {
        parsed(Group, text);
    }
    refused(Group, r#"userName eq "x""#, "unknown attribute 'userName'");
    let department = format!("{}:department eq \"x\"", urns::ENTERPRISE_USER);
    refused(Group, &department, "unknown attribute");
}

#[test]
fn string_values_keep_spaces_quotes_and_unicode() {
    for (text, value) in [
        (r#"displayName eq "Barbara  Jensen ""#, "Barbara  Jensen "),
        (r#"displayName eq "O\"Brien \\ co""#, "O\"Brien \\ co"),
        (r#"displayName eq "Zoë 名前 😀""#, "Zoë 名前 😀"),
        (r#"displayName eq "caf\u00e9 \ud83d\ude00""#, "café 😀"),
        (
            r#"displayName eq "not (x) and y eq True""#,
            "not (x) and y eq True",
        ),
        (r#"displayName eq """#, ""),
    ] {
        assert_eq!(user(text), eq(User, "displayName", value), "{text}");
    }
}
