DROP TABLE access_review_schedules;
DROP TABLE access_reviews;
