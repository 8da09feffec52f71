-- As SQLite's 0017: the grants by their last day, for the compliance
-- report's grants expired in a period.
CREATE INDEX grants_until ON grants (until) WHERE until != '';
