CREATE TABLE "hall_recovery_share" (
	"section_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"custodian_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"share" "bytea" NOT NULL,
	"share_sha256" text NOT NULL,
	"signed_message" text NOT NULL,
	"signature" "bytea" NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hall_recovery_share_section_id_organisation_id_custodian_id_pk" PRIMARY KEY("section_id","organisation_id","custodian_id")
);
--> statement-breakpoint
ALTER TABLE "opening_key_share" ADD COLUMN "share_sha256" text;--> statement-breakpoint
ALTER TABLE "hall_recovery_share" ADD CONSTRAINT "hall_recovery_share_section_id_section_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."section"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_recovery_share" ADD CONSTRAINT "hall_recovery_share_organisation_id_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisation"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_recovery_share" ADD CONSTRAINT "hall_recovery_share_custodian_id_account_id_fk" FOREIGN KEY ("custodian_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hall_recovery_share" ADD CONSTRAINT "hall_recovery_share_certificate_id_certificate_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificate"("id") ON DELETE no action ON UPDATE no action;