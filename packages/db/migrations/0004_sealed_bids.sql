CREATE TYPE "public"."bid_status" AS ENUM('submitted', 'withdrawn');--> statement-breakpoint
CREATE TYPE "public"."bid_submission_kind" AS ENUM('submit', 'withdraw');--> statement-breakpoint
CREATE TABLE "certificate" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"organisation_id" uuid,
	"serial" text NOT NULL,
	"issuer_sha256" text NOT NULL,
	"issuer" text NOT NULL,
	"subject" text NOT NULL,
	"key_id" text NOT NULL,
	"algorithm" text NOT NULL,
	"pem" text NOT NULL,
	"not_before" timestamp (3) with time zone NOT NULL,
	"not_after" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"revocation_reason" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "login_challenge" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"challenge" "bytea" NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bid" (
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"status" "bid_status" NOT NULL,
	"submission_id" uuid NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "bid_section_id_organisation_id_pk" PRIMARY KEY("section_id","organisation_id")
);
--> statement-breakpoint
CREATE TABLE "bid_submission" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"kind" "bid_submission_kind" NOT NULL,
	"upload_id" text,
	"ciphertext_sha256" text,
	"envelope_bytes" bigint,
	"signed_message" text NOT NULL,
	"signature" "bytea" NOT NULL,
	"certificate_id" uuid NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	"trace_entry_id" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bid_upload" (
	"id" text PRIMARY KEY NOT NULL,
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"length" bigint NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp (3) with time zone,
	"ciphertext_sha256" text,
	"header_sha256" text,
	"suite" text,
	"inspection_error" text
);
--> statement-breakpoint
CREATE TABLE "opening_key" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"suite" text NOT NULL,
	"public_key_spki" "bytea" NOT NULL,
	"key_id" text NOT NULL,
	"threshold" integer NOT NULL,
	"share_count" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "opening_key_share" (
	"section_id" uuid NOT NULL,
	"custodian_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"sealed_share" "bytea" NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "opening_key_share_section_id_custodian_id_pk" PRIMARY KEY("section_id","custodian_id")
);
--> statement-breakpoint
ALTER TABLE "section" ADD COLUMN "envelope_suite" text DEFAULT 'rsa-oaep-sha256/aes-256-gcm-stream' NOT NULL;--> statement-breakpoint
ALTER TABLE "certificate" ADD CONSTRAINT "certificate_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificate" ADD CONSTRAINT "certificate_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid" ADD CONSTRAINT "bid_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid" ADD CONSTRAINT "bid_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid" ADD CONSTRAINT "bid_submission_id_bid_submission_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."bid_submission"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_submission" ADD CONSTRAINT "bid_submission_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_submission" ADD CONSTRAINT "bid_submission_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_submission" ADD CONSTRAINT "bid_submission_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_submission" ADD CONSTRAINT "bid_submission_upload_id_bid_upload_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."bid_upload"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_submission" ADD CONSTRAINT "bid_submission_certificate_id_certificate_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificate"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_upload" ADD CONSTRAINT "bid_upload_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_upload" ADD CONSTRAINT "bid_upload_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_upload" ADD CONSTRAINT "bid_upload_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_key" ADD CONSTRAINT "opening_key_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_key_share" ADD CONSTRAINT "opening_key_share_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_key_share" ADD CONSTRAINT "opening_key_share_custodian_id_account_id_fk" FOREIGN KEY ("custodian_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_key_share" ADD CONSTRAINT "opening_key_share_certificate_id_certificate_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificate"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "certificate_account_idx" ON "certificate" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "certificate_organisation_idx" ON "certificate" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "certificate_key_idx" ON "certificate" USING btree ("key_id");--> statement-breakpoint
CREATE UNIQUE INDEX "certificate_issuer_serial_idx" ON "certificate" USING btree ("issuer_sha256","serial");--> statement-breakpoint
CREATE UNIQUE INDEX "bid_submission_idx" ON "bid" USING btree ("submission_id");--> statement-breakpoint
CREATE INDEX "bid_submission_section_org_idx" ON "bid_submission" USING btree ("section_id","organisation_id","received_at");--> statement-breakpoint
CREATE INDEX "bid_upload_section_org_idx" ON "bid_upload" USING btree ("section_id","organisation_id");--> statement-breakpoint
-- Signed submits and withdrawals are evidence: never changed or removed (the latest one counts, via "bid").
CREATE TRIGGER bid_submission_append_only BEFORE UPDATE OR DELETE ON bid_submission FOR EACH ROW EXECUTE FUNCTION trace_refuse_change();--> statement-breakpoint
CREATE TRIGGER bid_submission_no_truncate BEFORE TRUNCATE ON bid_submission FOR EACH STATEMENT EXECUTE FUNCTION trace_refuse_change();--> statement-breakpoint
-- Opening-key shares are written once at publication.
CREATE TRIGGER opening_key_share_append_only BEFORE UPDATE OR DELETE ON opening_key_share FOR EACH ROW EXECUTE FUNCTION trace_refuse_change();--> statement-breakpoint
CREATE TRIGGER opening_key_append_only BEFORE UPDATE OR DELETE ON opening_key FOR EACH ROW EXECUTE FUNCTION trace_refuse_change();
