-- A close reads a campaign's summary and revocations in a read
-- transaction before its audited one, holding no write lock; every
-- recorded decision counts here, and the audited transaction refuses the
-- close (nothing changed) if the count moved since.
ALTER TABLE reviews ADD COLUMN decisions INTEGER NOT NULL DEFAULT 0;
