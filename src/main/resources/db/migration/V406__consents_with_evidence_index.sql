-- The consents that still hold the buyer's client address or user agent, oldest first: the retention
-- (checkout.ConsentEvidenceRetention) reads only those accepted more than 3 years ago, along this index. Erased ones
-- leave it. Built CONCURRENTLY (so Flyway runs this script outside a transaction, and it must stay the only statement
-- here) so that purchases, which insert their consent, go on while it is built. If the build fails it leaves an
-- INVALID index: see docs/DEPLOY.md.
CREATE INDEX CONCURRENTLY IF NOT EXISTS consents_with_evidence
    ON consents (accepted_at, seq) WHERE ip_address IS NOT NULL OR user_agent IS NOT NULL;
