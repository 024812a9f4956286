-- When a case was last resolved (null while it is open), for the supervisors' reports; reopening clears it.
ALTER TABLE support_cases ADD COLUMN resolved_at timestamptz;
UPDATE support_cases c SET resolved_at = (SELECT max(e.at) FROM case_events e
                                          WHERE e.case_number = c.case_number AND e.kind = 'STATUS'
                                            AND e.text LIKE 'Resolved:%')
WHERE c.status = 'RESOLVED';
UPDATE support_cases SET resolved_at = updated_at WHERE status = 'RESOLVED' AND resolved_at IS NULL;
CREATE INDEX support_cases_created_idx ON support_cases (created_at);
CREATE INDEX support_cases_resolved_idx ON support_cases (resolved_at) WHERE resolved_at IS NOT NULL;
