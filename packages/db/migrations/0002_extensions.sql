-- Trigram indexes for the portal's keyword search (Chinese names have no word boundaries that a
-- text-search parser without zhparser could use). PGlite loads its bundled pg_trgm (client.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
