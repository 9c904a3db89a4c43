CREATE INDEX "section_method_published_idx" ON "section" USING btree ("method","published_at" DESC NULLS LAST) WHERE state <> 'draft';--> statement-breakpoint
-- The portal's keyword search is a case-sensitive LIKE over lower-cased text (decision 011): ILIKE
-- lower-cases every candidate row on every query, ten times the cost over CJK text.
UPDATE "section" SET "search_text" = lower("search_text") WHERE "search_text" <> lower("search_text");--> statement-breakpoint
-- Type, method, region and state go together (a land-use listing is never a construction tender):
-- without these statistics the planner multiplies their selectivities as if independent.
CREATE STATISTICS IF NOT EXISTS "section_filter_stats" (dependencies, mcv) ON "type", "method", "region_code", "state" FROM "section";
