-- The trace log is append-only (DESIGN.md §5). Rows of trace_entry may be updated exactly once, by
-- the sequencer, to set seq and leaf_hash; nothing else in it, trace_node or trace_checkpoint may be
-- changed or removed. A database owner can still disable these triggers: that is what the Merkle
-- tree and the signed checkpoints are for (ggzy verify-log detects it). See docs/decisions/002.
CREATE OR REPLACE FUNCTION trace_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % is refused: the trace log is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION trace_entry_guard_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.seq IS NOT NULL OR OLD.leaf_hash IS NOT NULL OR NEW.seq IS NULL OR NEW.leaf_hash IS NULL
     OR ROW(NEW.id, NEW.at, NEW.actor_id, NEW.actor_name, NEW.organisation_id, NEW.role, NEW.action,
            NEW.outcome, NEW.target_type, NEW.target_id, NEW.request_id, NEW.ip, NEW.user_agent,
            NEW.digests, NEW.details)
        IS DISTINCT FROM
        ROW(OLD.id, OLD.at, OLD.actor_id, OLD.actor_name, OLD.organisation_id, OLD.role, OLD.action,
            OLD.outcome, OLD.target_type, OLD.target_id, OLD.request_id, OLD.ip, OLD.user_agent,
            OLD.digests, OLD.details) THEN
    RAISE EXCEPTION 'UPDATE on trace_entry is refused: only the sequencer may set seq and leaf_hash, once'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER trace_entry_update_guard BEFORE UPDATE ON trace_entry FOR EACH ROW EXECUTE FUNCTION trace_entry_guard_update();
--> statement-breakpoint
CREATE TRIGGER trace_entry_no_delete BEFORE DELETE ON trace_entry FOR EACH ROW EXECUTE FUNCTION trace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER trace_entry_no_truncate BEFORE TRUNCATE ON trace_entry FOR EACH STATEMENT EXECUTE FUNCTION trace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER trace_node_append_only BEFORE UPDATE OR DELETE ON trace_node FOR EACH ROW EXECUTE FUNCTION trace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER trace_node_no_truncate BEFORE TRUNCATE ON trace_node FOR EACH STATEMENT EXECUTE FUNCTION trace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER trace_checkpoint_append_only BEFORE UPDATE OR DELETE ON trace_checkpoint FOR EACH ROW EXECUTE FUNCTION trace_refuse_change();
--> statement-breakpoint
CREATE TRIGGER trace_checkpoint_no_truncate BEFORE TRUNCATE ON trace_checkpoint FOR EACH STATEMENT EXECUTE FUNCTION trace_refuse_change();
--> statement-breakpoint
INSERT INTO trace_tree_head (id, size, frontier) VALUES (1, 0, '[]'::jsonb) ON CONFLICT DO NOTHING;
