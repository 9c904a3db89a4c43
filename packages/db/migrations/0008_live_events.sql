CREATE TABLE "live_event" (
	"topic" text NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"audience" text[] DEFAULT '{}'::text[] NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "live_event_topic_seq_pk" PRIMARY KEY("topic","seq")
);
