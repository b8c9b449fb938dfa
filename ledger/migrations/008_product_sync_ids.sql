-- A product's second id in the same system: МойСклад's `syncId`, which its till sends instead of
-- the product's own id when a position says `idType: sync` (LOY _retaildemand.md). Kept with the
-- product at the sync, so a sale priced by sync ids is recorded under the products' own ids and a
-- return announced by the JSON API (own ids) finds its lines.
ALTER TABLE external_products ADD COLUMN sync_id text;
CREATE INDEX external_products_sync_id ON external_products (tenant_id, system, sync_id) WHERE sync_id IS NOT NULL;
