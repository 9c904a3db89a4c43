ALTER TABLE "bid_upload" ADD COLUMN "header_section" text;--> statement-breakpoint
ALTER TABLE "bid_upload" ADD COLUMN "header_bidder" text;--> statement-breakpoint
ALTER TABLE "bid_upload" ADD COLUMN "recipient_key_ids" text[];--> statement-breakpoint
CREATE INDEX "bid_upload_ciphertext_idx" ON "bid_upload" USING btree ("ciphertext_sha256");