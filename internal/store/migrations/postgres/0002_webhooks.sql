-- Webhook deliveries: the workflow a delivery is about (deliveries of one
-- workflow go out in order) and the start of the current retry window
-- (a redelivery opens a new one).
ALTER TABLE webhook_deliveries ADD COLUMN workflow_id BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN retry_since BIGINT;
CREATE INDEX webhook_deliveries_workflow ON webhook_deliveries(workflow_id, id);
CREATE INDEX webhook_deliveries_account_status ON webhook_deliveries(account_id, status, id);
