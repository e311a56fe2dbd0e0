//! The RFC 7644 §3.4.2.2 grammar, the leniencies, and the canonical text.

use super::*;

#[test]
fn every_operator() {
    for (word, op) in [
        ("eq", CompareOp::Eq),
        ("ne", CompareOp::Ne),
        ("co", CompareOp::Co),
        ("sw", CompareOp::Sw),
        ("ew", CompareOp::Ew),
        ("gt", CompareOp::Gt),
        ("ge", CompareOp::Ge),
        ("lt", CompareOp::Lt),
        ("le", CompareOp::Le),
    ] {
        let expected = compare(User, "userName", op, Literal::String("b".into()));
        assert_eq!(user(&format!("userName {word} \"b\"")), expected);
        let upper = word.to_uppercase();
        assert_eq!(user(&format!("UserName {upper} \"b\"")), expected);
    }
    assert_eq!(user("title pr"), present("title"));
    assert_eq!(user("emails PR"), present("emails"));
    assert_eq!(user("name pr"), present("name"));
}

#[test]
fn and_binds_tighter_than_or() {
    let (a, b, c) = (present("title"), present("nickName"), present("locale"));
    assert_eq!(
        user("title pr or nickName pr and locale pr"),
        or(a.clone(), and(b.clone(), c.clone()))
    );
    assert_eq!(
        user("title pr and nickName pr or locale pr"),
        or(and(a.clone(), b.clone()), c.clone())
    );
    assert_eq!(
        user("(title pr or nickName pr) and locale pr"),
        and(or(a.clone(), b.clone()), c.clone())
    );
    assert_eq!(
        user("title pr and (nickName pr or locale pr)"),
        and(a.clone(), or(b.clone(), c.clone()))
    );
    assert_eq!(
        user("title pr and nickName pr and locale pr"),
        and(and(a.clone(), b.clone()), c.clone())
    );
    assert_eq!(
        user("title pr or (nickName pr or locale pr)"),
        or(or(a.clone(), b.clone()), c.clone())
    );
    assert_eq!(
        user("not (title pr) and nickName pr"),
        and(not(a.clone()), b.clone())
    );
    assert_eq!(user("((title pr))"), a);
}

#[test]
fn not_in_every_spelling() {
    let expected = not(present("title"));
    for text in [
        "not (title pr)",
        "NOT (title pr)",
        "not(title pr)",
        "Not(title pr)",
    ] {
        assert_eq!(user(text), expected, "{text}");
    }
    assert_eq!(
        user(r#"emails[not(type eq "work")]"#),
        Filter::ValuePath {
            attribute: attr(User, "emails"),
            filter: Box::new(not(eq(User, "emails.type", "work"))),
        }
    );
}

#[test]
fn literals_in_any_case_and_boolean_strings() {
    let active = |value| compare(User, "active", CompareOp::Eq, value);
    for (text, value) in [
        ("active eq true", true),
        ("active eq True", true),
        ("active eq TRUE", true),
        (r#"active eq "True""#, true),
        (r#"active eq "true""#, true),
        ("active eq False", false),
        (r#"active eq "FALSE""#, false),
    ] {
        assert_eq!(user(text), active(Literal::Bool(value)), "{text}");
    }
    assert_eq!(user("active eq null"), active(Literal::Null));
    assert_eq!(
        user("title ne NULL"),
        compare(User, "title", CompareOp::Ne, Literal::Null)
    );
}

#[test]
fn urn_qualified_and_sub_attribute_paths() {
    assert_eq!(
        user(&format!("{}:userName eq \"x\"", urns::USER)),
        user(r#"userName eq "x""#)
    );
    assert_eq!(
        user(&format!("{}:department eq \"x\"", urns::ENTERPRISE_USER)),
        user(r#"department eq "x""#)
    );
    assert_eq!(
        user(&format!("{}:name.familyName sw \"J\"", urns::USER)).to_string(),
        r#"name.familyName sw "J""#
    );
    let emails = user(r#"Emails.Value co "@example.com""#);
    assert_eq!(emails.to_string(), r#"emails.value co "@example.com""#);
    let Filter::Compare(comparison) = emails else {
        panic!("a comparison")
    };
    assert!(comparison.attribute.multi_valued());
    assert!(!attr(User, "name.familyName").multi_valued());
    // A complex attribute with a `value` compared directly.
    assert_eq!(user(r#"emails eq "x""#), eq(User, "emails.value", "x"));
    assert_eq!(
        user(r#"emails[type eq "work" and value co "@example.com"]"#).to_string(),
        r#"emails[type eq "work" and value co "@example.com"]"#
    );
}

#[test]
fn date_times_are_checked_and_normalized_to_utc() {
    let at = |op, text: &str| compare(User, "meta.lastModified", op, Literal::String(text.into()));
    assert_eq!(
        user(r#"meta.lastModified gt "2026-01-01T00:00:00Z""#),
        at(CompareOp::Gt, "2026-01-01T00:00:00Z")
    );
    assert_eq!(
        user(r#"meta.LASTMODIFIED le "2026-01-01T01:00:00.250+01:00""#),
        at(CompareOp::Le, "2026-01-01T00:00:00.250Z")
    );
    assert_eq!(attr(User, "meta.created").value_type(), ValueType::DateTime);
}

#[test]
fn canonical_text() {
    let filter = user(
        r#"NOT(Emails[TYPE eq "work"]) OR (urn:ietf:params:scim:schemas:core:2.0:User:Active eq "False" AND (title pr or employeeNumber sw 12))"#,
    );
    assert_eq!(
        filter.to_string(),
        format!(
            r#"not (emails[type eq "work"]) or active eq false and (title pr or {}:employeeNumber sw "12")"#,
            urns::ENTERPRISE_USER
        )
    );
}

#[test]
fn every_schema_type_is_known() {
    for schema in crate::scim::schema::all() {
        for attribute in &schema.attributes {
            let types = std::iter::once(&attribute.r#type).chain(
                attribute
                    .sub_attributes
                    .as_slice()
                    .iter()
                    .map(|s| &s.r#type),
            );
            for name in types {
                assert_eq!(ValueType::from_schema(name).to_string(), *name);
            }
        }
    }
}
