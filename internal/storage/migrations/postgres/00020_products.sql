-- +goose Up
-- What a person recognises a product by (issue 41): its picture, its
-- barcodes (GTINs, space-separated, so one can be found with
-- ' ' || barcodes || ' ' LIKE '% 012345678905 %'), the age a buyer must
-- prove, and where it sits in each store. name_folded is the name as Go's
-- strings.ToLower writes it, so a search by name matches the same rows on
-- SQLite and PostgreSQL (their lower() differ beyond ASCII); rows written
-- before this migration get lower(name) until they are written again.
ALTER TABLE skus ADD COLUMN image_url TEXT NOT NULL DEFAULT '';
ALTER TABLE skus ADD COLUMN barcodes TEXT NOT NULL DEFAULT '';
ALTER TABLE skus ADD COLUMN minimum_age INTEGER NOT NULL DEFAULT 0;
ALTER TABLE skus ADD COLUMN name_folded TEXT NOT NULL DEFAULT '';
UPDATE skus SET name_folded = lower(name);
ALTER TABLE store_skus ADD COLUMN location TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE store_skus DROP COLUMN location;
ALTER TABLE skus DROP COLUMN name_folded;
ALTER TABLE skus DROP COLUMN minimum_age;
ALTER TABLE skus DROP COLUMN barcodes;
ALTER TABLE skus DROP COLUMN image_url;
