CREATE TYPE "public"."opening_mode" AS ENUM('bidderKey', 'bidderAndCustodians');--> statement-breakpoint
CREATE TYPE "public"."section_state" AS ENUM('draft', 'announced', 'opening', 'evaluating', 'publicity', 'awarded', 'archived', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."tender_method" AS ENUM('open', 'invited', 'listing', 'auction');--> statement-breakpoint
CREATE TYPE "public"."transaction_type" AS ENUM('construction', 'procurement', 'stateProperty', 'landUse', 'emissions');--> statement-breakpoint
CREATE TABLE "clarification_question" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"question" text NOT NULL,
	"organisation_id" uuid NOT NULL,
	"asked_by" uuid NOT NULL,
	"asked_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"answer_notice_id" uuid
);
--> statement-breakpoint
CREATE TABLE "document_download" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "holiday" (
	"date" date PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notice" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"body_html" text NOT NULL,
	"affects_bids" boolean DEFAULT false NOT NULL,
	"deadline_before" timestamp (3) with time zone,
	"deadline_after" timestamp (3) with time zone,
	"published_at" timestamp (3) with time zone,
	"created_by" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "objection" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"filed_by" uuid NOT NULL,
	"text" text NOT NULL,
	"filed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"answer_due" timestamp (3) with time zone NOT NULL,
	"answer" text,
	"answered_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "project" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"type" "transaction_type" NOT NULL,
	"method" "tender_method" NOT NULL,
	"region_code" text NOT NULL,
	"centre_id" uuid NOT NULL,
	"tenderer_id" uuid NOT NULL,
	"agency_id" uuid,
	"created_by" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "section" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"code" text NOT NULL,
	"type" "transaction_type" NOT NULL,
	"method" "tender_method" NOT NULL,
	"region_code" text NOT NULL,
	"name" text NOT NULL,
	"search_text" text DEFAULT '' NOT NULL,
	"state" "section_state" DEFAULT 'draft' NOT NULL,
	"estimated_price" bigint NOT NULL,
	"bond" bigint NOT NULL,
	"bid_validity_days" integer NOT NULL,
	"scoring_method" jsonb NOT NULL,
	"documents_from" timestamp (3) with time zone NOT NULL,
	"documents_until" timestamp (3) with time zone NOT NULL,
	"deadline" timestamp (3) with time zone NOT NULL,
	"listing_from" timestamp (3) with time zone,
	"opening_mode" "opening_mode" DEFAULT 'bidderKey' NOT NULL,
	"custodian_threshold" integer,
	"custodian_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"retender_of" uuid,
	"published_at" timestamp (3) with time zone,
	"state_changed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"state_reason" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "section_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "tender_document" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"object_key" text NOT NULL,
	"uploaded_by" uuid NOT NULL,
	"uploaded_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp (3) with time zone,
	"superseded_at" timestamp (3) with time zone,
	CONSTRAINT "tender_document_object_key_unique" UNIQUE("object_key")
);
--> statement-breakpoint
ALTER TABLE "clarification_question" ADD CONSTRAINT "clarification_question_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarification_question" ADD CONSTRAINT "clarification_question_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarification_question" ADD CONSTRAINT "clarification_question_asked_by_account_id_fk" FOREIGN KEY ("asked_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarification_question" ADD CONSTRAINT "clarification_question_answer_notice_id_notice_id_fk" FOREIGN KEY ("answer_notice_id") REFERENCES "public"."notice"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_download" ADD CONSTRAINT "document_download_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_download" ADD CONSTRAINT "document_download_document_id_tender_document_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."tender_document"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_download" ADD CONSTRAINT "document_download_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_download" ADD CONSTRAINT "document_download_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice" ADD CONSTRAINT "notice_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice" ADD CONSTRAINT "notice_created_by_account_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objection" ADD CONSTRAINT "objection_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objection" ADD CONSTRAINT "objection_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objection" ADD CONSTRAINT "objection_filed_by_account_id_fk" FOREIGN KEY ("filed_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project" ADD CONSTRAINT "project_region_code_region_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."region"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project" ADD CONSTRAINT "project_centre_id_organisation_id_fk" FOREIGN KEY ("centre_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project" ADD CONSTRAINT "project_tenderer_id_organisation_id_fk" FOREIGN KEY ("tenderer_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project" ADD CONSTRAINT "project_agency_id_organisation_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project" ADD CONSTRAINT "project_created_by_account_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section" ADD CONSTRAINT "section_project_id_project_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."project"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section" ADD CONSTRAINT "section_region_code_region_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."region"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section" ADD CONSTRAINT "section_retender_of_section_id_fk" FOREIGN KEY ("retender_of") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tender_document" ADD CONSTRAINT "tender_document_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tender_document" ADD CONSTRAINT "tender_document_uploaded_by_account_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "clarification_section_idx" ON "clarification_question" USING btree ("section_id");--> statement-breakpoint
CREATE INDEX "document_download_section_org_idx" ON "document_download" USING btree ("section_id","organisation_id");--> statement-breakpoint
CREATE INDEX "notice_section_idx" ON "notice" USING btree ("section_id","published_at");--> statement-breakpoint
CREATE INDEX "objection_open_idx" ON "objection" USING btree ("section_id") WHERE answered_at is null;--> statement-breakpoint
CREATE INDEX "project_tenderer_idx" ON "project" USING btree ("tenderer_id");--> statement-breakpoint
CREATE INDEX "project_agency_idx" ON "project" USING btree ("agency_id");--> statement-breakpoint
CREATE INDEX "section_project_idx" ON "section" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "section_state_deadline_idx" ON "section" USING btree ("state","deadline");--> statement-breakpoint
CREATE INDEX "section_published_idx" ON "section" USING btree ("published_at" DESC NULLS LAST,"id") WHERE state <> 'draft';--> statement-breakpoint
CREATE INDEX "section_type_published_idx" ON "section" USING btree ("type","published_at" DESC NULLS LAST) WHERE state <> 'draft';--> statement-breakpoint
CREATE INDEX "section_region_published_idx" ON "section" USING btree ("region_code","published_at" DESC NULLS LAST) WHERE state <> 'draft';--> statement-breakpoint
CREATE INDEX "section_state_published_idx" ON "section" USING btree ("state","published_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "section_search_trgm_idx" ON "section" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "tender_document_version_idx" ON "tender_document" USING btree ("section_id","version","filename");