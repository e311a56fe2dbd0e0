DROP INDEX events_offboarding;
DROP TABLE offboarding_acknowledgements;
