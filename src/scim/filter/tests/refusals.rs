//! Every refusal: a 400 `invalidFilter` whose detail names the problem.

use super::*;

#[test]
fn unknown_attributes_are_refused() {
    refused(
        User,
        r#"usrName eq "x""#,
        "unknown attribute 'usrName' in filter",
    );
    refused(
        User,
        r#"name.foo eq "x""#,
        "unknown sub-attribute 'foo' of 'name'",
    );
    refused(
        User,
        r#"userName.foo eq "x""#,
        "'userName' has no sub-attributes",
    );
    refused(
        User,
        r#"urn:example:x:userName eq "x""#,
        "unknown attribute 'urn:example:x:userName'",
    );
    refused(
        User,
        r#"emails[foo eq "x"]"#,
        "unknown sub-attribute 'foo' of 'emails'",
    );
    refused(User, r#"emails[emails.value eq "x"]"#, "inside 'emails[…]'");
    refused(User, r#"name.a.b eq "x""#, "more than one sub-attribute");
}

#[test]
fn complex_attributes_need_a_sub_attribute() {
    refused(User, r#"name eq "x""#, "'name' is a complex attribute");
    refused(User, r#"addresses co "x""#, "e.g. addresses.");
    refused(User, r#"name[givenName eq "x"]"#, "'name' is single-valued");
    refused(
        User,
        r#"userName[value eq "x"]"#,
        "'userName' is a string attribute",
    );
    refused(
        User,
        r#"emails.value[type eq "x"]"#,
        "multi-valued complex attribute",
    );
}

#[test]
fn never_returned_attributes_are_not_filterable() {
    refused(
        User,
        r#"password eq "x""#,
        "'password' cannot be used in a filter",
    );
    refused(User, "password pr", "'password' cannot be used in a filter");
}

#[test]
fn operators_must_fit_the_type() {
    refused(
        User,
        "active gt true",
        "'gt' cannot compare 'active', a boolean attribute",
    );
    refused(User, r#"active co "t""#, "'co' cannot compare 'active'");
    refused(
        User,
        r#"meta.lastModified sw "2026""#,
        "a dateTime attribute",
    );
    refused(
        User,
        r#"x509Certificates.value lt "AA==""#,
        "a binary attribute",
    );
    refused(
        User,
        r#"userName gt null"#,
        "only eq and ne compare with null",
    );
}

#[test]
fn values_must_fit_the_type() {
    refused(
        User,
        r#"active eq "yes""#,
        r#"'active' is a boolean attribute: compare it with true or false, not "yes""#,
    );
    refused(User, "active eq 1", "true or false");
    refused(User, r#"meta.lastModified gt "yesterday""#, "RFC 3339");
    refused(User, r#"meta.lastModified gt 2026"#, "RFC 3339");
    refused(User, "userName eq true", "'userName' is a string attribute");
    refused(User, "userName eq 1.5", "a string in double quotes");
}

#[test]
fn syntax_errors_say_where() {
    refused(
        User,
        r#"userName eq "x" garbage"#,
        "invalid filter syntax at 'garbage'",
    );
    refused(User, r#"(userName eq "x""#, "ends before it is complete");
    refused(User, r#"userName eq "x"#, "invalid filter syntax");
    refused(User, "userName eq", "invalid filter syntax at 'eq'");
    refused(User, r#"userName eq"x""#, "invalid filter syntax");
    refused(User, "  ", "the filter is empty");
    refused(
        User,
        r#"emails[type eq "work"] eq "x""#,
        "name the sub-attribute",
    );
    refused(User, r#"emails[type eq "work"].value"#, "must compare it");
}

#[test]
fn limits_are_enforced() {
    let limits = FilterLimits {
        max_len: 40,
        max_terms: 3,
        max_depth: 3,
    };
    let long = format!("userName eq \"{}\"", "é".repeat(30));
    assert!(refused_with_limits(User, &long, &limits).contains("44 characters long; at most 40"));
    let terms = "id pr or id pr or id pr or id pr";
    assert!(refused_with_limits(User, terms, &limits).contains("4 comparisons; at most 3"));
    assert!(parse(User, "id pr or id pr or id pr", &limits).is_ok());
    assert!(parse(User, "not (id pr and not (id pr))", &limits).is_err());
    let deep = "not (not (not (id pr)))";
    assert!(refused_with_limits(User, deep, &limits).contains("nested 4 levels deep; at most 3"));
    assert!(parse(User, "not (not (id pr))", &limits).is_ok());
    // A chain of one operator does not nest; a change of operator does.
    assert!(parse(User, "id pr and (id pr or id pr)", &limits).is_ok());
    // Defaults: 64 terms and 16 levels.
    let many = vec!["id pr"; 65].join(" or ");
    refused(User, &many, "65 comparisons; at most 64");
    let nested = format!("{}id pr{}", "not (".repeat(16), ")".repeat(16));
    refused(User, &nested, "17 levels deep; at most 16");
    // Beyond scim_v2's own limits, its error speaks the same language.
    let huge = FilterLimits {
        max_len: usize::MAX,
        max_terms: usize::MAX,
        max_depth: usize::MAX,
    };
    let parser_limit = vec!["id pr"; 1025].join(" or ");
    assert!(refused_with_limits(User, &parser_limit, &huge).contains("at most 1024"));
}
