-- Where hash format 2 began in the audit chain (AuditTrail.verify): the seq of the first entry sealed in format 2, or,
-- when none was sealed yet, the seq the next entry sealed takes (the sealer seals in format 2 only since V261). An entry
-- of format 1 at or after it is a forgery: format 1 covers an erased entry by no hash, so passing the first entries of
-- the chain off as erased ones of format 1 let their who, what, when and whom be rewritten unseen.
CREATE TABLE audit_chain_format (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    format_two_from_seq bigint  NOT NULL
);

INSERT INTO audit_chain_format (format_two_from_seq)
SELECT COALESCE((SELECT min(seq) FROM audit_events WHERE hash_version >= 2 AND seq IS NOT NULL),
                (SELECT max(seq) + 1 FROM audit_events), 1);
