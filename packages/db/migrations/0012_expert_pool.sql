CREATE TYPE "public"."committee_member_state" AS ENUM('drawn', 'confirmed', 'declined', 'replaced');--> statement-breakpoint
CREATE TYPE "public"."draw_round_state" AS ENUM('committed', 'drawn');--> statement-breakpoint
CREATE TYPE "public"."expert_status" AS ENUM('active', 'disabled');--> statement-breakpoint
CREATE TABLE "committee_member" (
	"section_id" uuid NOT NULL,
	"expert_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"specialty" text NOT NULL,
	"position" integer NOT NULL,
	"state" "committee_member_state" DEFAULT 'drawn' NOT NULL,
	"reason" text,
	"responded_at" timestamp (3) with time zone,
	"replaced_by" uuid,
	"drawn_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "committee_member_section_id_expert_id_pk" PRIMARY KEY("section_id","expert_id")
);
--> statement-breakpoint
CREATE TABLE "committee_request" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"needs" jsonb NOT NULL,
	"region_scope" text NOT NULL,
	"tenderer_representatives" integer NOT NULL,
	"evaluation_starts_at" timestamp (3) with time zone NOT NULL,
	"off_site" boolean DEFAULT false NOT NULL,
	"requested_by" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "draw_round" (
	"section_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"state" "draw_round_state" DEFAULT 'committed' NOT NULL,
	"inputs" jsonb NOT NULL,
	"pool_digest" text NOT NULL,
	"inputs_digest" text NOT NULL,
	"commit_entry_id" bigint NOT NULL,
	"checkpoint_size" bigint,
	"public_value" text,
	"result" jsonb,
	"draw_entry_id" bigint,
	"committed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"drawn_at" timestamp (3) with time zone,
	CONSTRAINT "draw_round_section_id_round_pk" PRIMARY KEY("section_id","round")
);
--> statement-breakpoint
CREATE TABLE "expert" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid,
	"name" text NOT NULL,
	"id_number_sha256" text NOT NULL,
	"id_number_masked" text NOT NULL,
	"title" text NOT NULL,
	"region_code" text NOT NULL,
	"employer_name" text,
	"employer_credit_code" text,
	"phone" text,
	"status" "expert_status" DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"unavailable" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"conflicts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "expert_account_id_unique" UNIQUE("account_id"),
	CONSTRAINT "expert_id_number_sha256_unique" UNIQUE("id_number_sha256")
);
--> statement-breakpoint
CREATE TABLE "expert_draw" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"commitment" text NOT NULL,
	"secret" text NOT NULL,
	"reveal_entry_id" bigint,
	"revealed_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "expert_specialty" (
	"expert_id" uuid NOT NULL,
	"specialty_code" text NOT NULL,
	CONSTRAINT "expert_specialty_expert_id_specialty_code_pk" PRIMARY KEY("expert_id","specialty_code")
);
--> statement-breakpoint
CREATE TABLE "specialty" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"parent_code" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "specialty_code_format" CHECK ("specialty"."code" ~ '^[A-Za-z0-9]{1,32}$'),
	CONSTRAINT "specialty_code_below_parent" CHECK ("specialty"."parent_code" is null or (length("specialty"."code") > length("specialty"."parent_code") and left("specialty"."code", length("specialty"."parent_code")) = "specialty"."parent_code"))
);
--> statement-breakpoint
ALTER TABLE "committee_member" ADD CONSTRAINT "committee_member_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_member" ADD CONSTRAINT "committee_member_expert_id_expert_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."expert"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_member" ADD CONSTRAINT "committee_member_replaced_by_expert_id_fk" FOREIGN KEY ("replaced_by") REFERENCES "public"."expert"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_request" ADD CONSTRAINT "committee_request_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_request" ADD CONSTRAINT "committee_request_requested_by_account_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "draw_round" ADD CONSTRAINT "draw_round_section_id_expert_draw_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."expert_draw"("section_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert" ADD CONSTRAINT "expert_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert" ADD CONSTRAINT "expert_region_code_region_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."region"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert" ADD CONSTRAINT "expert_created_by_account_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_draw" ADD CONSTRAINT "expert_draw_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_specialty" ADD CONSTRAINT "expert_specialty_expert_id_expert_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."expert"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_specialty" ADD CONSTRAINT "expert_specialty_specialty_code_specialty_code_fk" FOREIGN KEY ("specialty_code") REFERENCES "public"."specialty"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "specialty" ADD CONSTRAINT "specialty_parent_code_specialty_code_fk" FOREIGN KEY ("parent_code") REFERENCES "public"."specialty"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "committee_member_expert_idx" ON "committee_member" USING btree ("expert_id","drawn_at");--> statement-breakpoint
CREATE INDEX "expert_region_idx" ON "expert" USING btree ("region_code","status");--> statement-breakpoint
CREATE INDEX "expert_employer_idx" ON "expert" USING btree ("employer_credit_code");--> statement-breakpoint
CREATE INDEX "expert_specialty_code_idx" ON "expert_specialty" USING btree ("specialty_code");--> statement-breakpoint
CREATE INDEX "specialty_parent_idx" ON "specialty" USING btree ("parent_code");