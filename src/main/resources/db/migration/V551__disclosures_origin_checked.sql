-- V550's check of disclosures.origin over the existing rows (all 'API' by the column's default): VALIDATE reads the
-- table under a SHARE UPDATE EXCLUSIVE lock, so page views, disclosures and purchases go on meanwhile.
SET LOCAL lock_timeout = '10s';
ALTER TABLE disclosures VALIDATE CONSTRAINT disclosures_origin_check;
