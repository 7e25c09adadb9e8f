-- The counter rows (0007) are updated by nearly every write. On a full page
-- an update cannot put the new version beside the old one (a HOT update),
-- so each leaves a dead version and an index entry behind until a vacuum,
-- and every count read walks them: after seeding 100,000 workflows with
-- autovacuum off, task_counts held 690 live rows in 42 MB and reading one
-- count touched 251 buffers instead of 11. A low fillfactor keeps room on
-- every page for the new versions, so updates stay HOT and the page prunes
-- its dead ones as it is read, vacuum or not. The tables are small (a few
-- rows per user or template, per shard), so the room is cheap; the
-- autovacuum settings let a vacuum come after a thousand changes rather
-- than a fifth of the table. CLUSTER rewrites the existing pages with the
-- new fillfactor.
ALTER TABLE task_counts SET (fillfactor = 10, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE workflow_counts SET (fillfactor = 10, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
CLUSTER task_counts USING task_counts_pkey;
CLUSTER workflow_counts USING workflow_counts_pkey;
