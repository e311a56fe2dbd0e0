DROP TABLE user_emails;
DROP TABLE users;
