CREATE TABLE "calendar_year" (
	"year" integer PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Years a centre loaded before this table existed count as its own entry.
INSERT INTO "calendar_year" ("year", "source")
SELECT DISTINCT extract(year FROM "date"::date)::int, 'centre' FROM "holiday"
ON CONFLICT DO NOTHING;
