CREATE TYPE "public"."bid_decryption_state" AS ENUM('waiting', 'decrypting', 'decrypted', 'failed', 'recovered', 'revoked', 'withdrawn');--> statement-breakpoint
CREATE TYPE "public"."hall_state" AS ENUM('open', 'decrypting', 'reading', 'confirming', 'closed');--> statement-breakpoint
CREATE TABLE "bid_decryption" (
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"submission_id" uuid NOT NULL,
	"state" "bid_decryption_state" DEFAULT 'waiting' NOT NULL,
	"reason" text,
	"handed_over_at" timestamp (3) with time zone,
	"key_sha256" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"plaintext_key" text,
	"plaintext_sha256" text,
	"plaintext_bytes" bigint,
	"matches_receipt" boolean,
	"decided_by" uuid,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bid_decryption_section_id_organisation_id_pk" PRIMARY KEY("section_id","organisation_id")
);
--> statement-breakpoint
CREATE TABLE "hall_attendance" (
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"challenge_id" uuid NOT NULL,
	"signed_message" text NOT NULL,
	"signature" "bytea" NOT NULL,
	"signed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hall_attendance_section_id_organisation_id_pk" PRIMARY KEY("section_id","organisation_id")
);
--> statement-breakpoint
CREATE TABLE "hall_challenge" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"challenge" "bytea" NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "hall_message" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"text" text NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hall_objection" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"text" text NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"answer" text,
	"answered_by" uuid,
	"answered_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "opening_hall" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"state" "hall_state" DEFAULT 'open' NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"pause_reason" text,
	"paused_at" timestamp (3) with time zone,
	"window_minutes" integer DEFAULT 30 NOT NULL,
	"decryption_started_at" timestamp (3) with time zone,
	"decryption_ends_at" timestamp (3) with time zone,
	"extended_at" timestamp (3) with time zone,
	"extension_minutes" integer,
	"extension_reason" text,
	"confirmation_ends_at" timestamp (3) with time zone,
	"confirmation_record_sha256" text,
	"record_sha256" text,
	"record_pdf_key" text,
	"opened_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "opening_record_confirmation" (
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"record_sha256" text NOT NULL,
	"signed_message" text NOT NULL,
	"signature" "bytea" NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "opening_record_confirmation_section_id_organisation_id_pk" PRIMARY KEY("section_id","organisation_id")
);
--> statement-breakpoint
CREATE TABLE "opening_record_row" (
	"section_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"organisation_id" uuid NOT NULL,
	"company_name" text NOT NULL,
	"credit_code" text,
	"outcome" text NOT NULL,
	"price_fen" bigint,
	"duration_days" integer,
	"quality" text,
	"bond_reference" text,
	"ciphertext_sha256" text,
	"matches_receipt" boolean,
	"reason" text,
	"read_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "opening_record_row_section_id_organisation_id_pk" PRIMARY KEY("section_id","organisation_id")
);
--> statement-breakpoint
ALTER TABLE "notice" ALTER COLUMN "created_by" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "bid_decryption" ADD CONSTRAINT "bid_decryption_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_decryption" ADD CONSTRAINT "bid_decryption_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_decryption" ADD CONSTRAINT "bid_decryption_submission_id_bid_submission_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."bid_submission"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_decryption" ADD CONSTRAINT "bid_decryption_decided_by_account_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_attendance" ADD CONSTRAINT "hall_attendance_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_attendance" ADD CONSTRAINT "hall_attendance_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_attendance" ADD CONSTRAINT "hall_attendance_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_attendance" ADD CONSTRAINT "hall_attendance_certificate_id_certificate_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificate"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_attendance" ADD CONSTRAINT "hall_attendance_challenge_id_hall_challenge_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."hall_challenge"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_challenge" ADD CONSTRAINT "hall_challenge_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_challenge" ADD CONSTRAINT "hall_challenge_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_message" ADD CONSTRAINT "hall_message_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_message" ADD CONSTRAINT "hall_message_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_objection" ADD CONSTRAINT "hall_objection_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_objection" ADD CONSTRAINT "hall_objection_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_objection" ADD CONSTRAINT "hall_objection_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_objection" ADD CONSTRAINT "hall_objection_answered_by_account_id_fk" FOREIGN KEY ("answered_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_hall" ADD CONSTRAINT "opening_hall_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_record_confirmation" ADD CONSTRAINT "opening_record_confirmation_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_record_confirmation" ADD CONSTRAINT "opening_record_confirmation_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_record_confirmation" ADD CONSTRAINT "opening_record_confirmation_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_record_confirmation" ADD CONSTRAINT "opening_record_confirmation_certificate_id_certificate_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificate"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_record_row" ADD CONSTRAINT "opening_record_row_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_record_row" ADD CONSTRAINT "opening_record_row_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hall_message_section_idx" ON "hall_message" USING btree ("section_id","at");--> statement-breakpoint
CREATE INDEX "hall_objection_section_idx" ON "hall_objection" USING btree ("section_id","at");--> statement-breakpoint
CREATE INDEX "opening_record_row_position_idx" ON "opening_record_row" USING btree ("section_id","position");