-- The keys stay as the newer function computed them: lowercasing them again
-- would need Roster; an older Roster reads them and finds ASCII names as before.
DROP TABLE name_key_conflicts;
DROP TABLE key_function;
