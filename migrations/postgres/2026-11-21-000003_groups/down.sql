DROP TABLE group_members;
DROP TABLE scim_groups;
